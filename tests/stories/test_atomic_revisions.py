"""Twenty people save the same revision at once: exactly one is saved, the rest are told, nothing saved is lost."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from accounts.models import User
from extensions import db
from stories.models import Story, TranscriptVersion
from stories.services import StoryError
from stories.transcript import save_transcript
from tests.conftest import build_app, reset_schema
from tests.factories import make_story, make_user

SAVERS = 20


@pytest.fixture(params=["sqlite", "postgresql"])
def race_app(request, tmp_path):
    """The app on SQLite and PostgreSQL; the re-check a save asks for is only queued (no worker here)."""
    overrides = {"TASK_QUEUE": "sqlite"}
    if request.param == "postgresql":
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("pg_url")
    application = build_app(tmp_path / "data", **overrides)
    reset_schema(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _parallel_saves(app, story_id: int, seg_id: int, user_id: int, revision: int) -> list:
    barrier = threading.Barrier(SAVERS)
    outcomes: list = [None] * SAVERS

    def save(i: int):
        with app.app_context():
            story = db.session.get(Story, story_id)
            actor = db.session.get(User, user_id)
            _ = [s.words for s in story.segments], actor.role_names  # everyone has read the same revision
            db.session.close()  # ...and given its connection back while it "edits"
            barrier.wait(60)
            db.session.add_all([story, actor])
            try:
                version = save_transcript(story, [{"id": seg_id, "text": f"Edit number {i} of the story."}],
                                          revision, actor)
                outcomes[i] = ("saved", version.number)
            except StoryError as exc:
                outcomes[i] = ("refused", exc.status, exc.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(SAVERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def test_twenty_parallel_saves_of_one_revision_save_exactly_one(race_app):
    db_app = race_app
    with db_app.app_context():
        reporter = make_user("reporter")
        story = make_story(reporter, text="The first words of the story.")
        story_id, seg_id, revision, user_id = story.id, story.segments[0].id, story.revision, reporter.id

    outcomes = _parallel_saves(db_app, story_id, seg_id, user_id, revision)

    saved = [o for o in outcomes if o and o[0] == "saved"]
    refused = [o for o in outcomes if o and o[0] == "refused"]
    assert len(saved) == 1, outcomes
    assert len(refused) == SAVERS - 1, outcomes
    assert all(o[1] == 409 and "Your changes were not saved" in o[2] for o in refused), refused
    winner = outcomes.index(saved[0])
    with db_app.app_context():
        story = db.session.get(Story, story_id)
        assert story.segments[0].text == f"Edit number {winner} of the story."
        assert story.revision == revision + 1
        edits = db.session.scalar(select(func.count()).select_from(TranscriptVersion)
                                  .where(TranscriptVersion.story_id == story_id, TranscriptVersion.kind == "edit"))
        assert edits == 1


def test_a_save_from_an_old_revision_is_refused_even_when_the_story_was_read_before_the_other_save(race_app):
    """The check is in the UPDATE itself: a story object read before another save cannot overwrite it."""
    db_app = race_app
    with db_app.app_context():
        reporter = make_user("reporter")
        story = make_story(reporter, text="The first words of the story.")
        story_id, seg_id, revision = story.id, story.segments[0].id, story.revision
        db.session.execute(db.update(Story).where(Story.id == story_id).values(revision=revision + 1))
        db.session.commit()  # someone else saved; `story` in this session still says `revision`
        story.__dict__["revision"] = revision  # as read before their save
        try:
            save_transcript(story, [{"id": seg_id, "text": "Overwrite it all."}], revision, reporter)
            raise AssertionError("a stale save was accepted")
        except StoryError as exc:
            assert exc.status == 409
        db.session.rollback()
        assert db.session.get(Story, story_id).segments[0].text == "The first words of the story."
