"""No page runs a query per row: each list and board page stays under MAX_QUERIES SQL statements,
with enough rows that a loop over them would show (count_queries counts every statement sent)."""
from __future__ import annotations

import pytest
from extensions import db
from tests.conftest import sign_in
from tests.conftest import statements_sent as count_queries

MAX_QUERIES = 20


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from bench.webdata import PASSWORD, load
    from tests.conftest import build_app, reset_schema

    app = build_app(tmp_path_factory.mktemp("site") / "data")
    reset_schema(app)
    with app.app_context():
        ids = load(stories=150, themes=8)
    yield app, ids, PASSWORD
    with app.app_context():
        db.engine.dispose()


def pages(ids) -> list[tuple[str, str]]:
    return [
        ("reporter", "/"),
        ("reporter", "/stories"),
        ("reporter", f"/stories/{ids['story_id']}"),
        ("facilitator", "/themes"),
        ("facilitator", f"/themes/t/{ids['theme_id']}"),
        ("facilitator", f"/themes/runs/{ids['run_id']}/prevalence"),
        ("manager", "/actions"),
        ("manager", "/"),
        ("reporter", "/api/v1/stories"),
    ]


THEME_PAGE_OVER = pytest.mark.xfail(strict=True, reason="the theme page runs 23 statements, a constant number (no "
                                    "query per row) since evidence's additions on main; left to bring under 20")


STORY_PAGE_OVER = pytest.mark.xfail(strict=True, reason="the story page runs 26 statements after the speakers, "
                                    "search and governance merges; left to bring under 20 (issue 15)")
BOARD_OVER = pytest.mark.xfail(strict=True, reason="the theme board runs 41 statements after the quotes, alerts and "
                               "navigation merges; left to bring under 20 (issue 15)")


@pytest.mark.parametrize("index", [0, 1, pytest.param(2, marks=STORY_PAGE_OVER), pytest.param(3, marks=BOARD_OVER),
                                   pytest.param(4, marks=THEME_PAGE_OVER), 5, 6, 7, 8])
def test_a_page_stays_under_the_query_budget(site, index):
    app, ids, password = site
    role, url = pages(ids)[index]
    client = app.test_client()
    sign_in(client, ids["emails"][role], password)
    client.get(url)  # warm caches that are per process, not per request
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert len(statements) <= MAX_QUERIES, f"{role} {url}: {len(statements)} queries"
