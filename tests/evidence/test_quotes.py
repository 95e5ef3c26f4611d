"""Quote any words: whole words from the timings, nudged a word at a time, on the board, carried, commented."""
import pytest
from sqlalchemy import func, select

from accounts.models import User
from audit.models import AuditEntry
from extensions import db
from stories.models import Segment
from tests import factories
from tests.themes.helpers import make_run_by_hand
from themes import quotes
from themes.models import Theme, ThemeRun
from themes.quote_models import Comment, Quote

SENTENCE = "My officer Darren Pike rang me back the same day and that changed everything"


def timed_story(reporter, text=SENTENCE, **fields):
    story = factories.make_story(reporter, text=None, **fields)
    words, t = [], 0.0
    for word in text.split():
        words.append({"start": round(t, 2), "end": round(t + 0.4, 2), "text": " " + word, "probability": 0.9})
        t += 0.5
    story.segments.append(Segment(position=0, start=0.0, end=t, text=" " + text, words=words))
    db.session.commit()
    return story


def _user(ref):
    return db.session.get(User, ref.id)


def test_a_quote_snaps_to_whole_words_and_nudges_a_word_at_a_time(app, users):
    with app.app_context():
        facilitator = _user(users["facilitator"])
        story = timed_story(_user(users["reporter"]))
        quote = quotes.create_quote(story, 2.6, 4.3, actor=facilitator)  # from inside "me" to inside "same"
        assert (quote.start, quote.end) == (2.5, 4.4)
        assert quotes.show(quote)["text"] == "me back the same"
        words = quotes.story_words(story)
        assert quotes.nudge(words, quote.start, quote.end, "start", -1) == (2.0, 4.4)
        assert quotes.nudge(words, quote.start, quote.end, "end", 1) == (2.5, 4.9)
        assert quotes.nudge(words, quote.start, quote.end, "end", -10) == (2.5, 2.9)  # keeps one word
        with pytest.raises(quotes.QuoteError):
            quotes.create_quote(story, 100.0, 101.0, actor=facilitator)


def test_a_name_hidden_after_the_quote_was_made_is_hidden_in_it(app, users):
    from governance.services import add_redaction

    with app.app_context():
        reporter, facilitator = _user(users["reporter"]), _user(users["facilitator"])
        story = timed_story(reporter)
        quote = quotes.create_quote(story, 0.0, 3.0, actor=facilitator)
        assert "Darren Pike" in quotes.show(quote)["text"]
        start = story.transcript_text.index("Darren Pike")
        add_redaction(story, start, start + len("Darren Pike"), "name", actor=reporter)
        assert quotes.show(quote)["text"] == "My officer [removed] rang me"


def test_quotes_sit_under_a_theme_and_carry_into_the_next_run(app, users, login):
    with app.app_context():
        facilitator = _user(users["facilitator"])
        story = timed_story(_user(users["reporter"]))
        run = make_run_by_hand({"Being called back": [(story, SENTENCE)]})
        old_theme = run.themes[0]
        quote = quotes.create_quote(story, 2.5, 4.4, theme=old_theme, actor=facilitator)
        quotes.set_quote_pinned(quote, True, actor=facilitator)
        new_run = ThemeRun(status="done", story_ids=[story.id], seeds=[], settings={}, model="test", previous_run_id=run.id)
        db.session.add(new_run)
        db.session.flush()
        new_theme = Theme(run_id=new_run.id, label="Being called back", carried_from_id=old_theme.id)
        db.session.add(new_theme)
        db.session.commit()
        carried = quotes.quotes_for_theme(new_theme)
        assert [q["id"] for q in carried] == [quote.id] and carried[0]["pinned"]
        new_theme_id = new_theme.id
    client = app.test_client()
    login(client, users["facilitator"])
    page = client.get(f"/themes/t/{new_theme_id}").get_data(as_text=True)
    assert "Quotes people chose" in page and "me back the same" in page


def test_withdrawn_story_quotes_vanish_and_erasure_takes_quotes_and_comments(app, users, login):
    from governance.services import erase_story, withdraw_consent

    with app.app_context():
        facilitator, admin = _user(users["facilitator"]), _user(users["admin"])
        gone, erased = timed_story(_user(users["reporter"])), timed_story(_user(users["reporter"]))
        run = make_run_by_hand({"Calls": [(gone, SENTENCE), (erased, SENTENCE)]})
        q1 = quotes.create_quote(gone, 0.0, 2.0, theme=run.themes[0], actor=facilitator)
        q2 = quotes.create_quote(erased, 0.0, 2.0, theme=run.themes[0], actor=facilitator)
        quotes.add_comment("quote", q2.id, "Use this at the induction workshop", actor=facilitator)
        q1_id = q1.id
        withdraw_consent(gone, actor=admin)
        assert [q["id"] for q in quotes.quotes_for_theme(run.themes[0])] == [q2.id]
        erase_story(erased, actor=admin)
        assert db.session.scalar(select(func.count()).select_from(Quote)) == 1
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
    client = app.test_client()
    login(client, users["facilitator"])
    assert client.get(f"/quotes/{q1_id}").status_code == 404


def test_make_nudge_save_and_comment_through_the_pages(app, users, login):
    with app.app_context():
        story = timed_story(_user(users["reporter"]))
        run = make_run_by_hand({"Calls": [(story, SENTENCE)]})
        story_id, theme_id = story.id, run.themes[0].id
    client = app.test_client()
    login(client, users["facilitator"])
    page = client.get(f"/quotes/new?story_id={story_id}&start=2.5&end=4.4&edge=end&step=1").get_data(as_text=True)
    assert "“me back the same day”" in page and "End one word later" in page
    response = client.post("/quotes", data={"story_id": story_id, "start": 2.5, "end": 4.9, "theme_id": theme_id})
    assert response.status_code == 302
    quote_url = response.headers["Location"]
    client.post("/comments", data={"target": "quote", "target_id": quote_url.rsplit("/", 1)[1], "text": "Strong one"})
    page = client.get(quote_url).get_data(as_text=True)
    assert "me back the same day" in page and "Strong one" in page
    empty = client.post("/comments", data={"target": "quote", "target_id": quote_url.rsplit("/", 1)[1], "text": "  "},
                        follow_redirects=True)
    assert "Write something before sending." in empty.get_data(as_text=True)
    with app.app_context():
        actions = set(db.session.scalars(select(AuditEntry.action)))
        assert {"quote.created", "comment.added"} <= actions


def test_a_passage_has_a_comment_thread_and_a_withdrawn_one_has_none(app, users, login):
    from governance.services import withdraw_consent

    with app.app_context():
        story = timed_story(_user(users["reporter"]))
        run = make_run_by_hand({"Calls": [(story, SENTENCE)]})
        passage_id, story_id = run.passages[0].id, story.id
    client = app.test_client()
    login(client, users["facilitator"])
    client.post("/comments", data={"target": "passage", "target_id": passage_id, "text": "Ask Sam about this",
                                   "next": f"/passages/{passage_id}/comments"})
    page = client.get(f"/passages/{passage_id}/comments").get_data(as_text=True)
    assert "Ask Sam about this" in page and "rang me back" in page
    with app.app_context():
        from stories.models import Story

        withdraw_consent(db.session.get(Story, story_id), actor=_user(users["admin"]))
    assert client.get(f"/passages/{passage_id}/comments").status_code == 404
