"""Redaction detection reads English. A story in another language is held out of every view but
its reporter's (through the same hold and freshness rules as a check still running) until a person
has checked its hidden details, and the reporter is told why in plain words."""
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


def _polish_story(app, users, state="person", proposed=False):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        story = make_story(reporter, title="Mieszkanie", text=POLISH, language="pl")
        db.session.add(StoryGovernance(story_id=story.id, scan_state=state, scanned_revision=story.revision))
        if proposed:
            start = POLISH.index("Marek")
            db.session.add(Redaction(story_id=story.id, start_char=start, end_char=start + 11, kind="name",
                                     text="Marek Nowak", state="proposed"))
        db.session.commit()
        return story.id


def test_a_story_waiting_for_a_person_is_in_no_other_view(app, users):
    from governance import policy

    story_id = _polish_story(app, users)
    with app.app_context(), app.test_request_context():
        story = db.session.get(Story, story_id)
        assert policy.hold_label(story)
        assert all(not s["text"] for s in policy.redacted_segments(story))  # no words in a redacted view
        for ids_of in (policy.workshop_story_ids, policy.quotable_story_ids, policy.analysable_story_ids,
                       policy.manager_readable_story_ids):
            assert story_id not in db.session.scalars(ids_of()).all(), ids_of.__name__
    facilitator = app.test_client()
    sign_in(facilitator, users["facilitator"].email)
    for url in (f"/api/v1/stories/{story_id}", "/api/v1/stories", "/stories", f"/stories/{story_id}"):
        assert "Marek" not in facilitator.get(url).get_data(as_text=True), url


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
