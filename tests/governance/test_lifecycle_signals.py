"""The story lifecycle travels as signals: every domain cleans its own rows, the sender commits once."""
import pytest
from sqlalchemy import event

from core import signals
from extensions import db
from governance import services
from jobs.models import Job
from stories.models import Story, TranscriptVersion
from tests import factories
from themes.models import Passage, ThemeRun


def _story_with_rows(reporter):
    story = factories.make_story(reporter, text="I waited three weeks for my first appointment.")
    db.session.add(TranscriptVersion(story_id=story.id, number=1, kind="machine", segments=[{"text": "x"}]))
    run = ThemeRun(status="done", story_ids=[story.id])
    db.session.add(run)
    db.session.flush()
    db.session.add(Passage(run_id=run.id, story_id=story.id, position=0, text="I waited", text_hash="h"))
    db.session.add(Job(kind="governance.scan", story_id=story.id))
    db.session.commit()
    return story


class _Commits:
    def __init__(self):
        self.count = 0

    def __call__(self, session):
        self.count += 1


def _counting_commits():
    counter = _Commits()
    event.listen(db.session(), "after_commit", counter)
    return counter


def test_erasure_commits_once_and_every_domain_removed_its_rows(app, users, as_user):
    with app.app_context():
        story = _story_with_rows(as_user(users["reporter"]))
        story_id = story.id
        commits = _counting_commits()
        services.erase_story(story, as_user(users["admin"]))
        assert commits.count == 1
        for model in (TranscriptVersion, Passage, Job):
            assert db.session.query(model).filter_by(story_id=story_id).count() == 0, model


def test_a_receiver_that_fails_leaves_the_story_whole(app, users, as_user):
    """Erasure is atomic across domains: one domain failing undoes what the others flushed."""
    def broken(story_id, **_):
        raise RuntimeError("this domain could not clean up")

    with app.app_context():
        story = _story_with_rows(as_user(users["reporter"]))
        story_id = story.id
        signals.story_erasing.connect(broken)
        try:
            with pytest.raises(RuntimeError):
                services.erase_story(story, as_user(users["admin"]))
        finally:
            signals.story_erasing.disconnect(broken)
        db.session.expire_all()
        assert db.session.get(Story, story_id) is not None
        for model in (TranscriptVersion, Passage, Job):
            assert db.session.query(model).filter_by(story_id=story_id).count() == 1, model


def test_withdrawal_takes_passages_off_boards_in_the_same_commit(app, users, as_user):
    with app.app_context():
        story = _story_with_rows(as_user(users["reporter"]))
        commits = _counting_commits()
        services.withdraw_consent(story, as_user(users["reporter"]))
        assert commits.count == 1
        assert db.session.query(Passage).filter_by(story_id=story.id).one().withdrawn_at is not None


def test_usage_is_gathered_from_every_domain(app, users, as_user):
    with app.app_context():
        story = _story_with_rows(as_user(users["reporter"]))
        used = services.usage(story)
        assert [r["run_id"] for r in used["theme_runs"]] and "workshops" in used


def test_no_domain_is_named_by_a_string_any_more():
    import governance.consent
    import governance.erasure

    assert not hasattr(governance.consent, "STORY_HOOKS")
    assert not hasattr(governance.erasure, "_erase_theme_rows")
