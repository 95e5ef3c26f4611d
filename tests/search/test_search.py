"""Search: the words each person may see, on SQLite FTS5 and on PostgreSQL, one service."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accounts.models import User
from extensions import db
from governance import services as governance
from governance.models import StoryGovernance
from search import services as search
from search.models import SearchEntry
from stories.models import Segment
from tests import factories

pytestmark = pytest.mark.services

NAMED = "I told Darren Pike about the hostel on Mill Lane and he waited with me."


def _user(ref):
    return db.session.get(User, ref.id)


def _hits(user, text, **filters):
    return search.search(user, text, search.Filters(**filters))


def _entries(story_id):
    return db.session.scalar(select(func.count()).select_from(SearchEntry).where(SearchEntry.story_id == story_id))


def test_stemming_phrases_and_left_out_words(db_app, db_users):
    with db_app.app_context():
        reporter, facilitator = _user(db_users["reporter"]), _user(db_users["facilitator"])
        waited = factories.make_story(reporter, text="I waited three weeks for my first appointment.")
        factories.make_story(reporter, text="My appointment with housing was first, then the waiting began.")
        assert {h["story_id"] for h in _hits(facilitator, "wait").items} == {waited.id, waited.id + 1}
        assert [h["story_id"] for h in _hits(facilitator, '"first appointment"').items] == [waited.id]
        assert [h["story_id"] for h in _hits(facilitator, "appointment -housing").items] == [waited.id]
        hit = _hits(facilitator, "waits").items[0]
        assert "\x02" in hit["snippet"] and "wait" in search.plain(hit["snippet"]).lower()
        assert str(search.marked("<b>" + hit["snippet"])).startswith("&lt;b&gt;")


@pytest.mark.parametrize("text", ["", "-housing", '""', "x" * 201])
def test_a_search_with_nothing_to_look_for_says_what_to_change(app, users, text):
    with app.app_context():
        with pytest.raises(search.QueryError):
            _hits(_user(users["facilitator"]), text)


def test_a_hidden_name_is_never_a_hit_for_others(db_app, db_users):
    with db_app.app_context():
        reporter = _user(db_users["reporter"])
        story = factories.make_story(reporter, text=NAMED)
        start = NAMED.index("Darren Pike")
        governance.add_redaction(story, start, start + len("Darren Pike"), "name", actor=reporter)
        for role in ("facilitator", "manager"):
            assert _hits(_user(db_users[role]), "Darren").total == 0, role
            assert _hits(_user(db_users[role]), "hostel").total == 1, role
        assert _hits(reporter, "Darren").total == 1  # the story's own reporter
        assert _hits(_user(db_users["admin"]), "Darren").total == 1
        other_reporter = factories.make_user("reporter")
        assert _hits(other_reporter, "Darren").total == 0
        assert _hits(other_reporter, "hostel").total == 1  # the board's redacted words


def test_withdrawn_and_erased_stories_leave_the_index_in_the_same_commit(db_app, db_users):
    with db_app.app_context():
        reporter, admin = _user(db_users["reporter"]), _user(db_users["admin"])
        kept = factories.make_story(reporter, text="The hostel was warm.")
        withdrawn = factories.make_story(reporter, text="The hostel was cold.")
        erased = factories.make_story(reporter, text="The hostel was loud.")
        assert _entries(withdrawn.id) == 1
        governance.withdraw_consent(withdrawn, actor=admin)
        assert _entries(withdrawn.id) == 0
        erased_id = governance.erase_story(erased, actor=admin)
        assert _entries(erased_id) == 0
        assert [h["story_id"] for h in _hits(admin, "hostel").items] == [kept.id]


def test_consent_and_holds_decide_who_finds_a_story(db_app, db_users):
    with db_app.app_context():
        reporter = _user(db_users["reporter"])
        manager, facilitator = _user(db_users["manager"]), _user(db_users["facilitator"])
        factories.make_story(reporter, text="Trust came slowly.", scopes=("analysis", "workshop"))
        readable = factories.make_story(reporter, text="Trust came quickly.")
        held = factories.make_story(reporter, text="Trust came late.")
        db.session.add(StoryGovernance(story_id=held.id, safeguarding_state="awaiting"))
        db.session.commit()
        assert [h["story_id"] for h in _hits(manager, "trust").items] == [readable.id]
        assert _hits(facilitator, "trust").total == 2
        assert _hits(reporter, "trust").total == 3  # the reporter's own stories, held or not


def test_a_saved_transcript_is_searchable_at_once(db_app, db_users):
    with db_app.app_context():
        reporter, facilitator = _user(db_users["reporter"]), _user(db_users["facilitator"])
        story = factories.make_story(reporter, text="The probation office moved.")
        story.segments[0].text = "The probation office moved to the bus station."
        story.segments.append(Segment(position=1, text="Then my volunteering started.", speaker="Storyteller"))
        db.session.commit()
        assert _hits(facilitator, "volunteer").total == 1
        assert _hits(facilitator, "station").total == 1
        assert _hits(facilitator, "office", speaker="Storyteller").total == 0
        assert _hits(facilitator, "volunteering", speaker="Storyteller").total == 1


def test_filters_by_storyteller_role_and_date(db_app, db_users):
    from datetime import date

    with db_app.app_context():
        reporter, facilitator = _user(db_users["reporter"]), _user(db_users["facilitator"])
        staff = factories.make_story(reporter, role="staff", text="Workload is heavy.", recorded_on=date(2026, 3, 1))
        factories.make_story(reporter, role="service_user", text="Workload of my officer.", recorded_on=date(2026, 5, 1))
        assert [h["story_id"] for h in _hits(facilitator, "workload", role="staff").items] == [staff.id]
        assert [h["story_id"] for h in _hits(facilitator, "workload", date_to=date(2026, 4, 1)).items] == [staff.id]


def test_api_returns_items_and_total(app, users, login):
    client = app.test_client()
    with app.app_context():
        factories.make_story(_user(users["reporter"]), text="I waited for my appointment.")
    login(client, users["facilitator"])
    body = client.get("/api/v1/search?q=appointment").get_json()
    assert body["total"] == 1
    assert set(body["items"][0]) >= {"story_id", "passage_id", "start", "end", "snippet"}
    assert "[[appointment]]" in body["items"][0]["snippet"]
    bad = client.get("/api/v1/search?q=-appointment")
    assert bad.status_code == 422 and "leaves things out" in bad.get_data(as_text=True)


def test_search_page_marks_the_match(app, users, login):
    client = app.test_client()
    with app.app_context():
        factories.make_story(_user(users["reporter"]), text="I waited for my <first> appointment.")
    login(client, users["facilitator"])
    page = client.get("/search?q=appointment").get_data(as_text=True)
    assert "<mark>appointment</mark>" in page and "&lt;first&gt;" in page
    assert "1</strong> place found" in page


def test_save_this_search_as_a_seed_theme_starts_a_run_with_it(app, users, login):
    from themes.models import ThemeRun

    client = app.test_client()
    login(client, users["facilitator"])
    response = client.post("/search/seed", data={"q": '"bus fare" -car', "name": ""})
    assert response.status_code == 302
    with app.app_context():
        run = db.session.scalars(select(ThemeRun).order_by(ThemeRun.id.desc())).first()
        assert run is not None and run.seeds == [{"name": "Bus fare", "description": "What people said about bus fare"}]
    assert client.post("/search/seed", data={"q": "-car"}).status_code == 302  # refused with a message, nothing run
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ThemeRun)) == 1


def test_theme_and_workshop_filters(app, users, login):
    from tests.themes.helpers import make_run_by_hand
    from workshops.planning import create_workshop

    with app.app_context():
        reporter = _user(users["reporter"])
        housed = factories.make_story(reporter, text="The hostel was my first home.")
        other = factories.make_story(reporter, text="The hostel staff were kind.")
        run = make_run_by_hand({"Housing": [(housed, "The hostel was my first home.")],
                                "Staff": [(other, "The hostel staff were kind.")]})
        housing = run.themes[0].id
        workshop = create_workshop({"title": "Housing week", "theme_run_id": run.id, "theme_ids": [housing],
                                    "story_ids": [other.id]})
        facilitator = _user(users["facilitator"])
        assert [h["story_id"] for h in _hits(facilitator, "hostel", theme_id=housing).items] == [housed.id]
        workshop_id, other_id = workshop.id, other.id
    client = app.test_client()
    login(client, users["facilitator"])
    body = client.get(f"/api/v1/search?q=hostel&workshop_id={workshop_id}").get_json()
    assert [i["story_id"] for i in body["items"]] == [other_id]
    assert "Housing week" in client.get("/search?q=hostel").get_data(as_text=True)


def test_pages_and_total_come_from_one_pass(db_app, db_users):
    with db_app.app_context():
        reporter, facilitator = _user(db_users["reporter"]), _user(db_users["facilitator"])
        ids = [factories.make_story(reporter, text=text).id for text in
               ("The bus was late.", "The bus was late, the bus was full, the bus was cold.", "A bus came.")]
        first = search.search(facilitator, "bus", per_page=2)
        assert first.total == 3 and len(first.items) == 2
        assert first.items[0]["story_id"] == ids[1]  # the segment saying it most ranks first
        second = search.search(facilitator, "bus", page=2, per_page=2)
        assert second.total == 3 and len(second.items) == 1
        assert {i["story_id"] for i in first.items + second.items} == set(ids)
        past = search.search(facilitator, "bus", page=5, per_page=2)
        assert past.total == 3 and past.items == []
        assert search.search(facilitator, "tram").total == 0


def test_a_page_of_hits_from_many_stories_is_read_in_a_few_queries(db_app, db_users):
    """Titles, words and snippets of a whole page are read together, not once per story on it."""
    from governance.models import Redaction
    from tests.conftest import statements_sent

    with db_app.app_context():
        reporter, facilitator = _user(db_users["reporter"]), _user(db_users["facilitator"])
        for n in range(12):
            story = factories.make_story(reporter, title=f"What Darren Pike said {n}", text=NAMED)
            db.session.add(Redaction(story_id=story.id, field="title", start_char=5, end_char=16, kind="name",
                                     text="Darren Pike", source="reviewer", state="accepted"))
            if n % 3 == 0:  # a hidden name in the words too: its hits are the redacted rows
                start = NAMED.index("Darren Pike")
                governance.add_redaction(story, start, start + len("Darren Pike"), "name", actor=reporter)
        db.session.commit()
        db.session.expunge_all()
        facilitator = _user(db_users["facilitator"])
        facilitator.has_role("facilitator")  # the person's roles are read at sign-in, not by the search
        with statements_sent(db_app) as statements:
            found = search.search(facilitator, "hostel")
        assert found.total == 12 and len({i["story_id"] for i in found.items}) == 12
        assert all(i["title"].startswith("What [") and "Darren" not in i["title"] for i in found.items)
        snippets = [search.plain(i["snippet"]) for i in found.items]
        assert all("hostel" in s for s in snippets) and sum("[name] about the" in s for s in snippets) == 4, snippets
        read = [s for s in statements if "FROM users" not in s and "FROM user_roles" not in s]  # the person: sign-in's
        # The query's lexemes (PostgreSQL), the page and its total (between setting and putting back the planner's page
        # cost), the page's redactions, the redacted rows' stories (story, segments, checks), the snippets: whatever the
        # number of stories on the page.
        assert len(read) <= (9 if db.engine.dialect.name == "postgresql" else 3), [" ".join(s.split())[:80] for s in read]


def test_postgresql_plans_the_match_as_in_memory_pages_for_that_statement_only(db_app, db_users):
    """The page query is planned with random_page_cost 1.1 (else PostgreSQL scans every index row's vector for a
    word in a few per cent of rows, bench/search.py), and the setting is back as it was for what runs next."""
    from tests.conftest import statements_sent

    with db_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL planner setting")
        factories.make_story(_user(db_users["reporter"]), text="We waited for the hostel.")
        facilitator = _user(db_users["facilitator"])
        before = db.session.execute(select(func.current_setting("random_page_cost"))).scalar()
        with statements_sent(db_app) as statements:
            assert search.search(facilitator, "hostel").total == 1
        page = next(i for i, s in enumerate(statements) if "WITH hits" in s)
        assert "set_config('random_page_cost', '1.1', true)" in statements[page - 1]
        assert "set_config('random_page_cost'" in statements[page + 1]
        assert db.session.execute(select(func.current_setting("random_page_cost"))).scalar() == before
