"""Long lists come in pages with plain next/previous links, and the counts stay those of the whole list:
a theme with 300 passages, the actions dashboard with 70 actions, /api/v1/stories with 150 stories."""
from __future__ import annotations

import re

import pytest
from extensions import db
from tests.conftest import sign_in


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from bench.webdata import load
    from tests.conftest import build_app, reset_schema
    from workshops.models import DesignAction

    app = build_app(tmp_path_factory.mktemp("site") / "data")
    reset_schema(app)
    with app.app_context():
        ids = load(stories=150, themes=1)  # every passage in one theme: 300 of them
        db.session.add_all([DesignAction(workshop_id=ids["workshop_id"], title=f"Later action {n}", status="proposed")
                            for n in range(40)])
        db.session.commit()
    yield app, ids
    with app.app_context():
        db.engine.dispose()


def client_for(site, role):
    from bench.webdata import PASSWORD

    app, ids = site
    client = app.test_client()
    sign_in(client, ids["emails"][role], PASSWORD)
    return client


def links(html: str, rel: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(rf'<a rel="{rel}" href="([^"]+)"', html)]


def test_a_theme_with_hundreds_of_passages_shows_them_fifty_a_page(site):
    client = client_for(site, "facilitator")
    url, seen, pages = f"/themes/t/{site[1]['theme_id']}", [], 0
    while url:
        html = client.get(url).get_data(as_text=True)
        pages += 1
        on_page = re.findall(r'<li class="passage" id="passage-(\d+)"', html)
        assert 0 < len(on_page) <= 50
        seen += on_page
        assert "<strong>300</strong> passages" in html  # the theme's count, not the page's
        assert bool(links(html, "prev")) == (pages > 1)
        following = links(html, "next")
        url = following[0].split("#")[0] if following else None
    assert pages == 6 and len(seen) == len(set(seen)) == 300


def test_a_page_past_the_end_shows_the_last_page(site):
    html = client_for(site, "facilitator").get(f"/themes/t/{site[1]['theme_id']}?page=99").get_data(as_text=True)
    assert "Page 6 of 6" in html and not links(html, "next")


def test_the_actions_dashboard_pages_its_actions_and_keeps_filters(site):
    client = client_for(site, "manager")
    first = client.get("/actions").get_data(as_text=True)
    assert first.count('<tr class="') == 50 and "70 actions" in first
    second = client.get(links(first, "next")[0]).get_data(as_text=True)
    assert second.count('<tr class="') == 20 and not links(second, "next") and links(second, "prev")
    filtered = client.get("/actions?status=proposed").get_data(as_text=True)
    for href in links(filtered, "next"):
        assert "status=proposed" in href


def test_the_stories_api_pages_with_a_next_link(site):
    client = client_for(site, "admin")
    url, ids = "/api/v1/stories", []
    while url:
        response = client.get(url)
        body = response.get_json()
        assert body["total"] == 150 and len(body["stories"]) <= 50
        ids += [s["id"] for s in body["stories"]]
        if body["next"]:
            assert response.headers["Link"] == f'<{body["next"]}>; rel="next"'
        url = body["next"]
    assert len(ids) == len(set(ids)) == 150
