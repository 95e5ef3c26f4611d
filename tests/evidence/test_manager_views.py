"""Managers follow an action to its theme and stories, and see only what consent allows."""
import pytest

from accounts.models import User
from extensions import db
from tests import factories
from tests.themes.helpers import make_run_by_hand


@pytest.fixture
def evidence(app, users):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        open_story = factories.make_story(reporter, title="Housing story", role="service_user")
        closed = factories.make_story(reporter, title="Private staff story", role="staff",
                                      scopes=("analysis", "workshop", "quote"))
        run = make_run_by_hand({"A safe place to live": [(open_story, "The hostel gave me notice."),
                                                         (closed, "Clients sleep rough after release.")]})
        theme = run.themes[0]
        theme.description = "Losing a room, hostels and housing help."
        db.session.commit()
        return {"theme": theme.id, "open": open_story.id, "closed": closed.id}


def test_manager_theme_view_shows_prevalence_and_only_permitted_quotes(app, users, login, evidence):
    client = app.test_client()
    login(client, users["manager"])
    page = client.get(f"/evidence/themes/{evidence['theme']}").get_data(as_text=True)
    assert "A safe place to live" in page and "Losing a room" in page
    assert "people on probation" in page.lower() and "1 of 1" in page  # one staff, one service-user story
    assert "The hostel gave me notice." in page
    assert "Clients sleep rough" not in page  # no manager_view consent


def test_story_summary_keeps_a_story_without_manager_view_to_its_themes(app, users, login, evidence):
    client = app.test_client()
    login(client, users["manager"])
    readable = client.get(f"/evidence/stories/{evidence['open']}").get_data(as_text=True)
    assert "Housing story" in readable and "The hostel gave me notice." in readable
    assert "A safe place to live" in readable and "Person on probation" in readable
    closed = client.get(f"/evidence/stories/{evidence['closed']}").get_data(as_text=True)
    assert "Private staff story" not in closed and "Clients sleep rough" not in closed
    assert "A safe place to live" in closed and "did not agree to managers reading" in closed


def test_a_withdrawn_story_is_gone_from_the_managers_views(app, users, login, evidence):
    from governance.services import withdraw_consent

    with app.app_context():
        from stories.models import Story

        withdraw_consent(db.session.get(Story, evidence["open"]), actor=db.session.get(User, users["admin"].id))
    client = app.test_client()
    login(client, users["manager"])
    assert client.get(f"/evidence/stories/{evidence['open']}").status_code == 404
    assert "The hostel gave me notice." not in client.get(f"/evidence/themes/{evidence['theme']}").get_data(as_text=True)


def test_action_links_reach_the_theme_and_story_and_managers_nav_reaches_themes(app, users, login, evidence):
    from workshops.actions import create_action

    with app.app_context():
        action = create_action({"title": "Housing worker at induction", "status": "agreed",
                                "theme_ids": [evidence["theme"]], "story_ids": [evidence["open"]]},
                               actor=db.session.get(User, users["facilitator"].id))
        action_id = action.id
    client = app.test_client()
    login(client, users["manager"])
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert f'href="/evidence/themes/{evidence["theme"]}"' in page
    assert f'href="/evidence/stories/{evidence["open"]}"' in page
    home = client.get("/evidence").get_data(as_text=True)
    assert 'href="/evidence"' in home and "A safe place to live" in home


def test_quotes_people_chose_show_to_managers_only_from_manager_view_stories(app, users, login, evidence):
    from stories.models import Segment, Story
    from themes import quotes

    with app.app_context():
        facilitator = db.session.get(User, users["facilitator"].id)
        for story_id in (evidence["open"], evidence["closed"]):
            story = db.session.get(Story, story_id)
            segment = story.segments[0]
            segment.start, segment.end = 0.0, 2.0
            segment.words = [{"start": 0.5 * i, "end": 0.5 * i + 0.4, "text": " " + w}
                             for i, w in enumerate(segment.text.split()[:4])]
            db.session.add(Segment(story_id=story.id, position=9, text=""))
        db.session.commit()
        theme = db.session.get(__import__("themes.models", fromlist=["Theme"]).Theme, evidence["theme"])
        for story_id in (evidence["open"], evidence["closed"]):
            quotes.create_quote(db.session.get(Story, story_id), 0.0, 1.9, theme=theme, actor=facilitator)
    client = app.test_client()
    login(client, users["manager"])
    page = client.get(f"/evidence/themes/{evidence['theme']}").get_data(as_text=True)
    # Both stories say it (the factory's words); only the one with manager_view consent is quoted.
    assert page.count("“I waited three weeks”") == 1 and "Private staff story" not in page
