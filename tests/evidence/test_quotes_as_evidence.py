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
    assert f'data-quote-id="{placed["quote"]}"' in page and f"“{SHOWN}”" in page
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
