"""A word added to the site's "always hide" list reaches the stories already checked (a job with progress),
and the organisation's list wins over a per-story "leave it in"."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import User
from extensions import db
from governance import policy, services
from governance.models import Redaction, StoryGovernance
from jobs.models import Job
from stories.models import Story
from stories.services import create_text_story
from tests.conftest import build_app, reset_schema

DETAILS = {"title": "The drop-in", "storyteller_role": "service_user"}
CONSENT = {"scopes": ["analysis", "workshop", "quote"], "method": "written"}


def _typed(reporter, text: str) -> int:
    return create_text_story(text, DETAILS, CONSENT, reporter).id


@pytest.mark.slow
def test_a_new_always_hide_word_rechecks_stories_already_checked_and_beats_leave_it_in(app, users, as_user):
    with app.app_context():
        reporter, admin = as_user(users["reporter"]), as_user(users["admin"])
        quiet = _typed(reporter, "Every Tuesday I go to the Brightwater drop-in and the staff there are kind.")
        named = _typed(reporter, "Sarah Jones was my officer and she always listened to me.")
        other = _typed(reporter, "The bus is late most mornings.")
        assert services.governance_for(quiet, create=False).scan_state == "done"
        for row in db.session.scalars(select(Redaction).where(Redaction.story_id.in_([quiet, named]))).all():
            services.reject_redaction(row, admin)  # the story's reviewer said: leave it in
        assert "Sarah Jones" in policy.redacted_text(db.session.get(Story, named))
        assert "Brightwater" in policy.redacted_text(db.session.get(Story, quiet))

        services.add_always_term("Brightwater", "place", admin)
        services.add_always_term("Sarah Jones", "name", admin)

        for story_id, words in ((quiet, "Brightwater"), (named, "Sarah")):
            shown = policy.redacted_text(db.session.get(Story, story_id))
            assert words not in shown, shown
            assert services.governance_for(story_id, create=False).scan_state == "done"
        assert "The bus is late" in policy.redacted_text(db.session.get(Story, other))
        jobs = db.session.scalars(select(Job).where(Job.kind == "governance.recheck_terms")).all()
        assert len(jobs) == 2 and all(j.status == "succeeded" and j.progress == 100 for j in jobs), \
            [(j.status, j.progress, j.error) for j in jobs]
        assert "checked again" in jobs[-1].message


def test_adding_a_word_holds_the_stories_that_hold_it_in_the_same_commit(tmp_path):
    """Until the re-check job has run, a story with the new word is out of every non-reporter view."""
    app = build_app(tmp_path / "data", TASK_QUEUE="sqlite")
    reset_schema(app)
    with app.app_context():
        from tests.factories import make_story, make_user

        reporter, admin = make_user("reporter"), make_user("admin")
        with_word = make_story(reporter, text="Every Tuesday I go to the Brightwater drop-in.")
        without = make_story(reporter, text="The bus is late most mornings.")
        for story in (with_word, without):
            db.session.add(StoryGovernance(story_id=story.id, scan_state="done", scanned_revision=story.revision))
        db.session.commit()
        services.add_always_term("brightwater", "place", admin)
        assert services.governance_for(with_word.id, create=False).scan_state == "pending"
        assert services.governance_for(without.id, create=False).scan_state == "done"
        assert policy.redacted_text(db.session.get(Story, with_word.id)) == ""
        job = db.session.scalars(select(Job).where(Job.kind == "governance.recheck_terms")).one()
        assert job.status == "queued" and job.params["story_ids"] == [with_word.id]
        db.engine.dispose()
