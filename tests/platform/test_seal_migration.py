"""The migration that seals story words (b8d4f0e2a913): rows written before it read the same after it,
and the table then holds no plaintext; downgrading opens them again."""
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from extensions import db
from tests.conftest import ROOT, app_on

BEFORE = "a7c3e9d1f042"
WORD = "Quillmarsh"


def _row(conn, name: str, **given) -> int:
    """Insert one row with `given` values and plain fillers for the other required columns."""
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    values = dict(given)
    for column in table.columns:
        if column.name in values or column.nullable or column.server_default is not None or column.primary_key:
            continue
        kind = column.type.python_type if not isinstance(column.type, sa.JSON) else list
        values[column.name] = {int: 0, float: 0.0, bool: False, str: "", list: []}.get(kind, datetime(2026, 1, 1))
    return conn.execute(table.insert().values(values)).inserted_primary_key[0]


def _plant(conn) -> int:
    user = _row(conn, "users", email="r@example.org", password_hash="x")
    story = _row(conn, "stories", title=f"{WORD} title", notes=f"{WORD} note", reporter_id=user,
                 storyteller_name=WORD, english_segments=[{"text": WORD}])
    _row(conn, "consent_records", story_id=story, notes=f"{WORD} consent", withdrawal_reason=WORD)
    _row(conn, "segments", story_id=story, position=0, text=f"{WORD} waited.", words=[{"text": WORD}])
    _row(conn, "transcript_versions", story_id=story, number=1, kind="edit", segments=[{"text": WORD}])
    _row(conn, "redactions", story_id=story, start_char=0, end_char=5, kind="name", text=WORD)
    run = _row(conn, "theme_runs", status="done")
    passage = _row(conn, "passages", run_id=run, story_id=story, position=0, text=WORD, text_hash="h")
    _row(conn, "evidence_comments", target="passage", target_id=passage, story_id=story, text=f"{WORD}!")
    return story


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def test_existing_story_words_are_sealed_by_the_upgrade_and_read_the_same(backend, tmp_path, request):
    from governance.models import Redaction
    from stories.models import Story, TranscriptVersion
    from themes.models import Passage
    from themes.quote_models import Comment

    app = app_on(backend, tmp_path, request)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"), revision=BEFORE)
        with db.engine.begin() as conn:
            story_id = _plant(conn)
        upgrade(directory=str(ROOT / "migrations"))
        story = db.session.get(Story, story_id)
        assert (story.title, story.notes, story.storyteller_name) == (f"{WORD} title", f"{WORD} note", WORD)
        assert story.english_segments == [{"text": WORD}] and story.key_id
        assert (story.consents[0].notes, story.consents[0].withdrawal_reason) == (f"{WORD} consent", WORD)
        assert story.segments[0].text == f"{WORD} waited." and story.segments[0].words == [{"text": WORD}]
        assert db.session.scalar(sa.select(TranscriptVersion.segments)) == [{"text": WORD}]
        assert db.session.scalar(sa.select(Redaction.text)) == WORD
        assert db.session.scalar(sa.select(Passage.text)) == WORD
        assert db.session.scalar(sa.select(Comment.text)) == f"{WORD}!"
        db.session.rollback()
        with db.engine.connect() as conn:
            for table, column in (("stories", "title"), ("stories", "english_segments"), ("segments", "text"),
                                  ("segments", "words"), ("transcript_versions", "segments"), ("consent_records", "notes"),
                                  ("redactions", "text"), ("passages", "text"), ("evidence_comments", "text")):
                raw = conn.exec_driver_sql(f"SELECT {column} FROM {table}").scalar()
                assert isinstance(raw, (bytes, memoryview)) and WORD.encode() not in bytes(raw), (table, column)
        db.session.remove()
        downgrade(directory=str(ROOT / "migrations"), revision=BEFORE)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT title FROM stories").scalar() == f"{WORD} title"
            assert WORD in str(conn.exec_driver_sql("SELECT words FROM segments").scalar())
        db.engine.dispose()
