"""Pages kept under the read version (core/pagecache.py) never show what the policy now denies:
a withdrawal or a consent change is on the very next page, a kept page is only ever its own viewer's,
and a change committed by another process (seen only through the database) is seen too."""
from __future__ import annotations

import re

from sqlalchemy import text, update

from accounts.models import User
from core import pagecache
from extensions import db
from stories.models import Story
from tests import factories
from tests.conftest import sign_in, statements_sent
from tests.themes.helpers import make_run_by_hand

A_WORDS, B_WORDS = "Words of story A about the bus fare.", "Words of story B about the letter."


def _site(app, users):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        a = factories.make_story(reporter, title="A", role="service_user")
        b = factories.make_story(reporter, title="B", role="staff")
        run = make_run_by_hand({"Housing": [(a, A_WORDS), (b, B_WORDS)]})
        theme_id = run.themes[0].id
        return {"a": a.id, "b": b.id, "run": run.id, "theme": theme_id,
                "pages": ["/themes", f"/themes/t/{theme_id}", f"/themes/runs/{run.id}/prevalence"]}


def _client(app, users, role):
    client = app.test_client()
    sign_in(client, users[role].email)
    return client


def _served_from_cache(app, client, url) -> str:
    """GET `url` twice; the second answer must come from the cache (a handful of statements, not the page's)."""
    first = client.get(url)
    assert first.status_code == 200, url
    with statements_sent(app) as statements:
        again = client.get(url)
    assert len(statements) <= 4, f"{url} was rendered again ({len(statements)} statements)"
    assert _without_token(again) == _without_token(first)  # the token is signed with the second it was made
    return again.get_data(as_text=True)


def _without_token(response) -> str:
    return re.sub(r'name="csrf_token"( type="hidden")? value="[^"]+"', "", response.get_data(as_text=True))


def test_a_withdrawal_shows_at_once_on_pages_served_from_the_cache(db_app, db_users):
    site = _site(db_app, db_users)
    client = _client(db_app, db_users, "facilitator")
    assert A_WORDS in _served_from_cache(db_app, client, site["pages"][0])
    assert A_WORDS in _served_from_cache(db_app, client, site["pages"][1])
    before = _served_from_cache(db_app, client, site["pages"][2])
    with db_app.app_context():
        from governance.consent import withdraw_consent

        withdraw_consent(db.session.get(Story, site["a"]), db.session.get(User, db_users["admin"].id))
    board, theme = (client.get(url).get_data(as_text=True) for url in site["pages"][:2])
    assert A_WORDS not in board and B_WORDS in board
    assert A_WORDS not in theme and B_WORDS in theme
    assert client.get(site["pages"][2]).get_data(as_text=True) != before  # one story fewer in every count


def test_a_consent_change_shows_at_once_to_a_manager_served_from_the_cache(db_app, db_users):
    site = _site(db_app, db_users)
    manager = _client(db_app, db_users, "manager")
    assert A_WORDS in _served_from_cache(db_app, manager, site["pages"][1])
    with db_app.app_context():
        from stories.details import change_consent

        change_consent(db.session.get(Story, site["a"]), {"scopes": ["analysis", "workshop"], "method": "verbal"},
                       db.session.get(User, db_users["admin"].id))
    page = manager.get(site["pages"][1]).get_data(as_text=True)
    assert A_WORDS not in page and B_WORDS in page  # no manager_view any more: counted, not read


def test_a_kept_page_is_only_ever_its_own_viewers(app, users):
    site = _site(app, users)
    with app.app_context():
        from stories.details import change_consent

        change_consent(db.session.get(Story, site["a"]), {"scopes": ["analysis", "workshop", "quote"],
                                                          "method": "verbal"}, db.session.get(User, users["admin"].id))
    assert A_WORDS in _served_from_cache(app, _client(app, users, "facilitator"), site["pages"][1])
    assert A_WORDS not in _client(app, users, "manager").get(site["pages"][1]).get_data(as_text=True)


def test_a_change_committed_by_another_process_is_seen_through_the_read_version(app, users):
    """Rows changed behind this process's back (raw SQL: no session event here saw it), then the counter
    moved on as that process's commit would: the kept page is not served any more."""
    site = _site(app, users)
    client = _client(app, users, "facilitator")
    assert A_WORDS in _served_from_cache(app, client, site["pages"][1])
    with app.app_context():
        db.session.execute(text("UPDATE passages SET withdrawn_at = CURRENT_TIMESTAMP WHERE story_id = :s"),
                           {"s": site["a"]})
        assert A_WORDS in client.get(site["pages"][1]).get_data(as_text=True)  # nothing said: still kept
        db.session.execute(text("UPDATE read_versions SET version = version + 1"))
        db.session.commit()
    assert A_WORDS not in client.get(site["pages"][1]).get_data(as_text=True)


def test_what_moves_the_read_version_and_what_does_not(app, users):
    site = _site(app, users)
    reporter = _client(app, users, "reporter")
    with app.app_context():
        start = pagecache.read_version()
        reporter.get(f"/stories/{site['a']}")
        reporter.get(f"/stories/{site['a']}")
        assert pagecache.read_version() == start, "an audited view is not a change to what pages show"
        story = db.session.get(Story, site["a"])
        story.title = "A, renamed"
        db.session.rollback()
        db.session.commit()
        assert pagecache.read_version() == start, "a change rolled back moved nothing"
        db.session.get(Story, site["a"]).title = "A, renamed"
        db.session.commit()
        assert pagecache.read_version() == start + 1
        db.session.execute(update(Story).where(Story.id == site["b"]).values(status="ready"))
        db.session.commit()
        assert pagecache.read_version() == start + 2, "a bulk UPDATE counts too"
    assert "A, renamed" in reporter.get(f"/stories/{site['a']}").get_data(as_text=True)


def test_each_session_gets_its_own_csrf_token_on_a_kept_page(tmp_path):
    from bench.webdata import PASSWORD, load
    from tests.conftest import build_app, reset_schema

    app = build_app(tmp_path / "d", WTF_CSRF_ENABLED=True)
    reset_schema(app)
    with app.app_context():
        ids = load(stories=30, themes=3)
    clients, pages = [], []
    for _ in range(2):  # two sign-ins of the same person: the second is served the page the first was
        client = app.test_client()
        login = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
        client.post("/login", data={"email": ids["emails"]["facilitator"], "password": PASSWORD, "csrf_token": token})
        client.get(f"/themes/t/{ids['theme_id']}")
        clients.append(client)
    for client in clients:
        with statements_sent(app) as statements:
            pages.append(client.get(f"/themes/t/{ids['theme_id']}").get_data(as_text=True))
        assert len(statements) <= 4, "served from the cache"
    tokens = []
    for client, html in zip(clients, pages):
        found = set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html))
        assert len(found) == 1 and pagecache._CSRF_MARK not in html
        tokens.append(found.pop())
    assert tokens[0] != tokens[1]
    passage_id = int(re.search(r'action="/themes/passages/(\d+)/pin"', pages[0]).group(1))
    for client, token in zip(clients, tokens):
        assert client.post(f"/themes/passages/{passage_id}/pin", data={"csrf_token": token}).status_code == 302
