"""Writing a theme run asks for its stories' keys in one query, not one per story (the flush seals each
passage under its story's key)."""
from __future__ import annotations

from extensions import db
from tests import factories
from tests.conftest import statements_sent
from themes.models import Passage, ThemeRun


def test_passages_of_many_stories_are_sealed_after_one_key_lookup(app):
    with app.app_context():
        _check(app)


def _check(app):
    from core.sealed_columns import remember_story_keys

    reporter = factories.make_user("reporter", email="keys@example.org")
    story_ids = [factories.make_story(reporter, title=f"Story {n}", text=f"Words of story {n}.").id for n in range(6)]
    run = ThemeRun(status="done", story_ids=story_ids, settings={}, model="test")
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    with statements_sent(app) as statements:
        remember_story_keys(db.session, story_ids)
        db.session.add_all([Passage(run_id=run_id, story_id=sid, position=0, text=f"Words of story {sid}.",
                                    text_hash=str(sid)) for sid in story_ids])
        db.session.flush()
    lookups = [s for s in statements if "key_id" in s and s.lstrip().upper().startswith("SELECT")]
    assert len(lookups) == 1, lookups
    db.session.expire_all()
    assert sorted(p.text for p in db.session.query(Passage).filter_by(run_id=run_id)) == sorted(
        f"Words of story {sid}." for sid in story_ids)
