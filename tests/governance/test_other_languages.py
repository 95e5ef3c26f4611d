"""Redaction detection reads English. Until a person has checked the hidden details of a story in
another language, others see only its redacted English version (never the words as spoken) and
no clip of it plays; the reporter is told why in plain words."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import User
from extensions import db
from governance.models import Redaction, StoryGovernance
from stories.models import Story
from tests.conftest import sign_in
from tests.factories import make_story

POLISH = "Nazywam się Marek Nowak i mieszkam przy ulicy Portowej w Gdańsku."


def _polish_story(app, users, state="person", proposed=False, english=None, audio=False):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        story = make_story(reporter, title="Mieszkanie", text=POLISH, language="pl", english_segments=english,
                           **({"sentences": [POLISH]} if audio else {}))
        db.session.add(StoryGovernance(story_id=story.id, scan_state=state, scanned_revision=story.revision))
        if proposed:
            start = POLISH.index("Marek")
            db.session.add(Redaction(story_id=story.id, start_char=start, end_char=start + 11, kind="name",
                                     text="Marek Nowak", state="proposed"))
        db.session.commit()
        return story.id


ENGLISH = [{"start": 0.0, "end": 3.0, "text": "My name is [name] and I live on [place] Street in [place]."}]


def test_a_story_waiting_for_a_person_shows_others_only_its_english_version(app, users):
    """Issue #12: until the reporter has checked it, only the redacted English version is shown to
    others and no clip of it plays. It is in use (analysis, workshops, managers) in English only."""
    from governance import policy

    story_id = _polish_story(app, users, english=ENGLISH, audio=True)
    with app.app_context(), app.test_request_context():
        story = db.session.get(Story, story_id)
        facilitator, manager = (db.session.get(User, users[r].id) for r in ("facilitator", "manager"))
        assert policy.hold_label(story) and policy.english_only(story)
        assert all(not s["text"] for s in policy.redacted_segments(story))  # no original words outside its page
        for ids_of in (policy.workshop_story_ids, policy.analysable_story_ids, policy.manager_readable_story_ids):
            assert story_id in db.session.scalars(ids_of()).all(), ids_of.__name__
        for ids_of in (policy.quotable_story_ids, policy.public_story_ids,
                       lambda: policy.story_ids(facilitator, "hear"), lambda: policy.story_ids(manager, "hear"),
                       lambda: policy.story_ids(None, "export")):
            assert story_id not in db.session.scalars(ids_of()).all()
        assert db.session.scalar(select(Story.id).where(Story.id == story_id,
                                                        policy.quotable_clause(Story.id))) is None
        assert policy.clip_url(story, 0.0, 2.0) is None
        assert policy.may(facilitator, story, "read") and not policy.may(facilitator, story, "hear")
    facilitator = app.test_client()
    sign_in(facilitator, users["facilitator"].email)
    page = facilitator.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "I live on [place] Street" in page and "only the English version" in page
    api = facilitator.get(f"/api/v1/stories/{story_id}").get_json()
    assert api["english_segments"][0]["text"] == ENGLISH[0]["text"]
    for url in (f"/api/v1/stories/{story_id}", "/api/v1/stories", "/stories", f"/stories/{story_id}",
                "/search?q=Gdańsku", "/search?q=mieszkam"):
        body = facilitator.get(url).get_data(as_text=True)
        assert "Marek" not in body and "Nazywam" not in body and "Portowej" not in body, url
    assert facilitator.get(f"/stories/{story_id}/audio").status_code == 404


def test_the_reporter_still_sees_and_hears_the_original_while_it_waits(app, users):
    from governance import policy

    story_id = _polish_story(app, users, english=ENGLISH, audio=True)
    with app.app_context(), app.test_request_context():
        story = db.session.get(Story, story_id)
        reporter, admin = (db.session.get(User, users[r].id) for r in ("reporter", "admin"))
        assert policy.may(reporter, story, "hear") and policy.may(admin, story, "hear")
    reporter = app.test_client()
    sign_in(reporter, users["reporter"].email)
    assert "Nazywam" in reporter.get(f"/stories/{story_id}").get_data(as_text=True)
    assert reporter.get(f"/stories/{story_id}/audio").status_code in (200, 206)


def test_the_reporter_is_told_plainly_and_clears_the_hold_by_checking(app, users):
    story_id = _polish_story(app, users, proposed=True)
    reporter = app.test_client()
    sign_in(reporter, users["reporter"].email)
    page = reporter.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "Polish" in page and "only in English" in page and "Marek" in page
    refused = reporter.post(f"/stories/{story_id}/redactions/checked", follow_redirects=True)
    assert "Decide each suggestion first" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(StoryGovernance, story_id).scan_state == "person"
        row = db.session.scalars(select(Redaction).where(Redaction.story_id == story_id)).one()
        row_id = row.id
    reporter.post(f"/stories/{story_id}/redactions/{row_id}/accept")
    done = reporter.post(f"/stories/{story_id}/redactions/checked", follow_redirects=True)
    assert "others can now see it" in done.get_data(as_text=True)
    with app.app_context(), app.test_request_context():
        from governance import policy

        assert db.session.get(StoryGovernance, story_id).scan_state == "done"
        story = db.session.get(Story, story_id)
        assert policy.hold_label(story) is None
        shown = " ".join(s["text"] for s in policy.redacted_segments(story))
        assert "[name]" in shown and "Marek" not in shown


def test_only_those_who_see_the_words_may_say_they_checked_them(app, users):
    story_id = _polish_story(app, users)
    facilitator = app.test_client()
    sign_in(facilitator, users["facilitator"].email)
    assert facilitator.post(f"/stories/{story_id}/redactions/checked").status_code in (403, 404)
    with app.app_context():
        assert db.session.get(StoryGovernance, story_id).scan_state == "person"


def test_the_check_of_an_english_story_ends_done_and_of_another_language_waits_for_a_person(app, users):
    from governance.languages import state_after_check

    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        english = make_story(reporter, text="I live on Harbour Street.", language="en")
        welsh = make_story(reporter, text="Dw i'n byw yn Abertawe.", language="cy")
        unknown = make_story(reporter, text="Something.", language="other")
        assert state_after_check(english) == "done"
        assert state_after_check(welsh) == "person" and state_after_check(unknown) == "person"


@pytest.mark.slow
def test_the_real_check_holds_a_polish_story_for_a_person(app, users):
    from governance.scanning import scan_story

    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        story = make_story(reporter, title="Mieszkanie", text=POLISH, language="pl")
        scan_story(story.id)
        assert db.session.get(StoryGovernance, story.id).scan_state == "person"


def test_a_theme_passage_of_a_waiting_story_shows_in_english_and_never_as_spoken(app, users):
    from governance import policy
    from themes.models import Passage, ThemeRun

    story_id = _polish_story(app, users, english=ENGLISH)
    with app.app_context(), app.test_request_context():
        run = ThemeRun(status="done", story_ids=[story_id], model="test")
        db.session.add(run)
        db.session.flush()
        english = Passage(run_id=run.id, story_id=story_id, position=0, start=0.0, end=3.0,
                          text=ENGLISH[0]["text"], text_hash="en")
        spoken = Passage(run_id=run.id, story_id=story_id, position=1, start=0.0, end=3.0, text=POLISH,
                         text_hash="pl")
        db.session.add_all([english, spoken])
        db.session.commit()
        assert policy.redacted_passage_text(english) == ENGLISH[0]["text"]
        assert policy.redacted_passage_text(spoken) in (None, ENGLISH[0]["text"])
