"""No window: between a change of words and its check, no view but the reporter's shows the story's
old redaction ranges on the new words ("My na[name]Marcus"); the reporter is told it is being checked."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import User
from core.timeutil import utcnow
from extensions import db
from governance.models import Redaction, StoryGovernance
from stories.models import Story
from tests.conftest import sign_in
from tests.factories import make_story

TEXT = "My name is Marcus and I live on Harbour Street."
EDITED = "Hello there. " + TEXT  # the words move 13 characters to the right


def _checked_story(app, reporter_id: int) -> tuple[int, int, int]:
    with app.app_context():
        story = make_story(db.session.get(User, reporter_id), title="Moving house", text=TEXT)
        for words, kind in (("Marcus", "name"), ("Harbour Street", "place")):
            start = TEXT.index(words)
            db.session.add(Redaction(story_id=story.id, start_char=start, end_char=start + len(words), kind=kind,
                                     text=words, state="accepted", decided_at=utcnow()))
        db.session.add(StoryGovernance(story_id=story.id, scan_state="done", scanned_at=utcnow(),
                                       scanned_revision=story.revision))
        db.session.commit()
        return story.id, story.segments[0].id, story.revision


def _stale_or_named(text: str) -> list[str]:
    return [bad for bad in ("Marcus", "Harbour", "na[name]", "[name]cus") if bad in text]


def test_after_an_edit_no_non_reporter_view_shows_old_ranges_until_the_check_ran(queued_app):
    app = queued_app
    with app.app_context():
        from config import ROLES
        from tests.factories import make_user

        made = {role: make_user(role, email=f"{role}@example.org") for role in ROLES}
        ids = {role: u.id for role, u in made.items()}
    story_id, seg_id, revision = _checked_story(app, ids["reporter"])
    facilitator = app.test_client()
    sign_in(facilitator, "facilitator@example.org")
    before = facilitator.get(f"/api/v1/stories/{story_id}").get_data(as_text=True)
    assert "[name]" in before and "Marcus" not in before  # checked: the ranges fit the words

    reporter = app.test_client()
    sign_in(reporter, "reporter@example.org")
    saved = reporter.post(f"/stories/{story_id}/transcript",
                          json={"revision": revision, "segments": [{"id": seg_id, "text": EDITED}]})
    assert saved.status_code == 200, saved.json

    seen = {
        "story page": facilitator.get(f"/stories/{story_id}").get_data(as_text=True),
        "API story": facilitator.get(f"/api/v1/stories/{story_id}").get_data(as_text=True),
        "API list": facilitator.get("/api/v1/stories").get_data(as_text=True),
        "story list": facilitator.get("/stories").get_data(as_text=True),
    }
    for where, text in seen.items():
        assert not _stale_or_named(text), (where, _stale_or_named(text))
    with app.app_context(), app.test_request_context():
        from governance import policy

        story = db.session.get(Story, story_id)
        assert not _stale_or_named(policy.redacted_text(story))
        for segment in policy.redacted_segments(story):
            assert not _stale_or_named(segment["text"])
        # Out of packs, quotes and clips until the check ran.
        for ids_of in (policy.workshop_story_ids, policy.quotable_story_ids, policy.analysable_story_ids,
                       policy.manager_readable_story_ids):
            assert story_id not in db.session.scalars(ids_of()).all(), ids_of.__name__
    # The reporter still sees their own words, and is told plainly that they are being checked.
    own = reporter.get(f"/stories/{story_id}").get_data(as_text=True)
    assert "Hello" in own and "Marcus" in own and "Being checked" in own
    with app.app_context():
        assert db.session.get(StoryGovernance, story_id).scan_state == "pending"
