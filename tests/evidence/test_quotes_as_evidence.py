"""Quotes people chose are evidence: on the theme board (moved there by drag or by its form),
in the workshop pack, always as governance's redacted words and within consent."""
import pytest

from accounts.models import User
from extensions import db
from governance.services import add_redaction
from tests.evidence.test_quotes import SENTENCE, timed_story
from tests.themes.helpers import make_run_by_hand
from themes import quotes
from themes.quote_models import Quote

SHOWN = "My officer [removed] rang me"


def _user(ref):
    return db.session.get(User, ref.id)


@pytest.fixture
def placed(app, users):
    """A run of two themes, a story whose name is hidden, and a quote of it placed on the first theme."""
    with app.app_context():
        reporter, facilitator = _user(users["reporter"]), _user(users["facilitator"])
        story = timed_story(reporter)
        start = story.transcript_text.index("Darren Pike")
        add_redaction(story, start, start + len("Darren Pike"), "name", actor=reporter)
        run = make_run_by_hand({"Being called back": [(story, SENTENCE)], "Waiting": [(story, "the same day")]})
        first, second = run.themes[0], run.themes[1]
        quote = quotes.create_quote(story, 0.0, 3.0, theme=first, actor=facilitator)
        return {"story": story.id, "run": run.id, "first": first.id, "second": second.id, "quote": quote.id}


def test_a_placed_quote_shows_on_its_theme_card_redacted_and_movable(app, users, login, placed):
    client = app.test_client()
    login(client, users["facilitator"])
    page = client.get("/themes").get_data(as_text=True)
    assert f'data-quote-id="{placed["quote"]}"' in page and f"<blockquote>{SHOWN}</blockquote>" in page
    assert "Darren" not in page
    card = page[page.index(f'data-theme-id="{placed["first"]}"'):page.index(f'data-theme-id="{placed["second"]}"')]
    assert f'data-quote-id="{placed["quote"]}"' in card  # under the theme it was placed on
    # The keyboard way (the form under the quote) moves it and comes back to the board.
    response = client.post(f"/quotes/{placed['quote']}/change",
                           data={"what": "move", "theme_id": placed["second"], "next": "/themes"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/themes")
    with app.app_context():
        assert db.session.get(Quote, placed["quote"]).theme_id == placed["second"]
    page = client.get("/themes").get_data(as_text=True)
    assert f'data-quote-id="{placed["quote"]}"' in page[page.index(f'data-theme-id="{placed["second"]}"'):]


def test_a_manager_sees_no_placed_quote_without_manager_view(app, users, login, placed):
    from stories.models import Story

    with app.app_context():
        story = db.session.get(Story, placed["story"])
        story.current_consent.scope_rows = [s for s in story.current_consent.scope_rows if s.scope != "manager_view"]
        db.session.commit()
    client = app.test_client()
    login(client, users["manager"])
    page = client.get("/themes").get_data(as_text=True)
    assert f'data-quote-id="{placed["quote"]}"' not in page and SHOWN not in page


def test_a_placed_quote_goes_into_the_workshop_pack_only_with_quote_consent(app, users, placed):
    from stories.models import Story
    from workshops import packs, planning

    with app.app_context():
        workshop = planning.create_workshop(
            {"title": "Being heard", "theme_run_id": placed["run"], "theme_ids": [placed["first"]],
             "story_ids": [placed["story"]]}, actor=_user(users["facilitator"]))
        content, _clips = packs.pack_content(workshop)
        chosen = [q for q in content["themes"][0]["quotes"] if q.get("quote_id") == placed["quote"]]
        assert [q["text"] for q in chosen] == [SHOWN]
        assert "Darren" not in str(content)
        story = db.session.get(Story, placed["story"])
        story.current_consent.scope_rows = [s for s in story.current_consent.scope_rows if s.scope != "quote"]
        db.session.commit()
        content, _clips = packs.pack_content(workshop)
        assert not [q for t in content["themes"] for q in t["quotes"] if q.get("quote_id")]


def test_an_action_cites_a_chosen_quote_as_its_redacted_words(app, users, login, placed):
    from stories.models import Story
    from workshops import actions, evidence
    from workshops.errors import WorkshopError

    with app.app_context():
        facilitator, manager = _user(users["facilitator"]), _user(users["manager"])
        action = actions.create_action({"title": "Call people back the same day", "chosen": [placed["quote"]]},
                                       actor=facilitator)
        action_id = action.id
        cited = evidence.action_evidence(action, facilitator)["quotes"]
        assert [(q["text"], q["withdrawn"], q["chosen"]) for q in cited] == [(SHOWN, False, True)]
        assert action.chosen_quote_ids == [placed["quote"]]
        assert [a.id for a in evidence.story_outcomes(placed["story"])["actions"]] == [action_id]
        assert evidence.action_evidence(action, manager)["quotes"][0]["text"] == SHOWN  # manager_view consent
        story = db.session.get(Story, placed["story"])
        story.current_consent.scope_rows = [s for s in story.current_consent.scope_rows if s.scope != "manager_view"]
        db.session.commit()
        assert evidence.action_evidence(action, manager)["quotes"][0]["withdrawn"]  # no words for managers now
        story.current_consent.scope_rows = [s for s in story.current_consent.scope_rows if s.scope != "quote"]
        db.session.commit()
        with pytest.raises(WorkshopError):
            actions.create_action({"title": "Again", "chosen": [placed["quote"]]}, actor=facilitator)
        assert evidence.action_evidence(action, facilitator)["quotes"][0]["withdrawn"]


def test_the_action_form_offers_the_quotes_chosen_for_its_workshops_themes(app, users, login, placed):
    from workshops import planning

    with app.app_context():
        workshop = planning.create_workshop(
            {"title": "Being heard", "theme_run_id": placed["run"], "theme_ids": [placed["first"]],
             "story_ids": [placed["story"]]}, actor=_user(users["facilitator"]))
        workshop_id = workshop.id
    client = app.test_client()
    login(client, users["facilitator"])
    form = client.get(f"/workshops/{workshop_id}/actions/new").get_data(as_text=True)
    assert f'name="chosen" id="chosen-{placed["quote"]}"' in form and SHOWN in form and "Darren" not in form
    response = client.post(f"/workshops/{workshop_id}/actions/new",
                           data={"title": "Ring back", "status": "proposed", "chosen": [placed["quote"]]})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        from workshops.models import DesignAction

        action = db.session.scalars(db.select(DesignAction)).one()
        assert action.chosen_quote_ids == [placed["quote"]]
        action_id = action.id
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert f"“{SHOWN}”" in page
