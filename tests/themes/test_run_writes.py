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


def test_a_runs_passages_are_written_in_a_bounded_number_of_statements(db_app):
    """Saving a run's themes and passages takes as many statements for 24 stories as for 4 (bulk inserts,
    no INSERT per passage), and every passage reads back sealed-and-opened in its theme (SQLite and PostgreSQL)."""
    with db_app.app_context():
        few = _save_statements(db_app, 4)
        many = _save_statements(db_app, 24)
    assert many <= few, (few, many)
    assert many <= 12, many


def _save_statements(app, n_stories: int) -> int:
    from engines.themes.discovery import DiscoveryResult, ThemeResult
    from themes.services import text_hash
    from themes.tasks import _save_themes_and_passages

    reporter = factories.make_user("reporter", email=f"bulk{n_stories}@example.org")
    story_ids = [factories.make_story(reporter, title=f"Bulk {n}", text=f"Words {n}.").id for n in range(n_stories)]
    rows = [{"story_id": sid, "role": "staff", "position": k, "start": None, "end": None,
             "text": f"Passage {k} of story {sid}.", "text_hash": text_hash(f"Passage {k} of story {sid}."),
             "revision": 1} for sid in story_ids for k in range(3)]
    themes = [ThemeResult(key=key, label=key.title(), keywords=[key], seed_name=None, passage_ids=[],
                          representative_passage_ids=[0, 1] if key == "housing" else [], is_outlier=key == "outliers")
              for key in ("housing", "work", "outliers")]
    assignments = {i: ("housing", "work", None)[i % 3] for i in range(len(rows))}
    result = DiscoveryResult(themes=themes, assignments=assignments, story_mix={}, story_main={})
    run = ThemeRun(status="running", story_ids=story_ids, settings={}, model="test")
    db.session.add(run)
    db.session.commit()
    with statements_sent(app) as statements:
        _save_themes_and_passages(run, rows, result)
    db.session.commit()
    db.session.expire_all()
    saved = db.session.query(Passage).filter_by(run_id=run.id).order_by(Passage.story_id, Passage.position).all()
    labels = {t.id: t.label for t in run.themes}
    assert [(p.text, labels.get(p.theme_id), p.machine_theme_id == p.theme_id) for p in saved] == [
        (r["text"], ("Housing", "Work", "Outliers")[i % 3], True) for i, r in enumerate(rows)]
    assert [p.representativeness for p in saved[:2]] == [1.0, 0.5]
    return len(statements)


def test_carrying_decisions_does_not_open_the_passages_words(app):
    """Carrying people's decisions into a new run matches passages by (story, text hash): both runs' passages
    are loaded without their sealed words (opening 2 x 9,000 of them took seconds)."""
    from sqlalchemy import inspect

    from themes.tasks import _load_passages_without_words

    with app.app_context():
        reporter = factories.make_user("reporter", email="carry@example.org")
        story = factories.make_story(reporter, title="Carry", text="Words.")
        run = ThemeRun(status="done", story_ids=[story.id], settings={}, model="test")
        db.session.add(run)
        db.session.flush()
        db.session.add(Passage(run_id=run.id, story_id=story.id, position=0, text="Sealed words.", text_hash="h"))
        db.session.commit()
        db.session.expire_all()
        _load_passages_without_words(run.id)
        run = db.session.get(ThemeRun, run.id)
        assert [p.text_hash for p in run.passages] == ["h"]
        assert "text" not in inspect(run.passages[0]).dict
        assert run.passages[0].text == "Sealed words."
