"""`backup create` then `backup restore` into an empty data folder: every story, transcript and clip intact."""
from __future__ import annotations

import io

import pytest

from core import sealed
from core.storage import storage
from extensions import db
from stories.models import Segment, Story
from tests import factories
from tests.conftest import build_app, reset_schema
from tests.services import create_pg_database, drop_pg_database

WORDS = "Bartholomew kept every bus ticket from the Wexcombe office"


def _site(tmp_path, name, key_file, database=None):
    overrides = {"MEDIA_KEY_FILE": str(key_file)}
    if database:
        overrides["SQLALCHEMY_DATABASE_URI"] = database
    return build_app(tmp_path / name, **overrides)


def _fill(app, wav: bytes) -> dict:
    from governance.clips import redacted_clip_file
    from stories.media import store_upload

    with app.app_context():
        reporter = factories.make_user("reporter", email="r@example.org")
        typed = factories.make_story(reporter, title="Typed", text=WORDS)
        spoken = factories.make_story(reporter, title="Spoken", text="")
        spoken.source_kind = "audio"
        spoken.media = store_upload(io.BytesIO(wav), "bus.wav", max_bytes=10**8)
        spoken.segments = [Segment(position=0, start=0.2, end=1.5, text=" The bus to the probation office.")]
        db.session.commit()
        clip_key = redacted_clip_file(spoken, 0.2, 1.2)
        clip = b"".join(sealed.iter_sealed(storage(), clip_key))
        return {"typed": typed.id, "spoken": spoken.id, "clip_key": clip_key, "clip": clip}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_backup_restores_every_story_transcript_and_clip(tmp_path, clips, backend):
    key_file = tmp_path / "keys" / "media.key"  # apart from both data folders, as the README says
    databases = [create_pg_database(), create_pg_database()] if backend == "postgresql" else [None, None]
    try:
        source = _site(tmp_path, "old", key_file, databases[0])
        reset_schema(source)
        wav = clips["wav"].read_bytes()
        made = _fill(source, wav)
        archive = tmp_path / "backups" / "site.slbackup"
        result = source.test_cli_runner().invoke(args=["backup", "create", str(archive)])
        assert result.exit_code == 0, result.output
        assert "2 stories" in result.output
        blob = archive.read_bytes()
        assert WORDS.encode() not in blob and b"Bartholomew" not in blob and b"SQLite format" not in blob
        assert key_file.read_bytes() not in blob  # the media key is never inside the archive
        with source.app_context():
            db.engine.dispose()

        target = _site(tmp_path, "new", key_file, databases[1])
        if backend == "postgresql":
            reset_schema(target)  # an empty schema, as `db upgrade` leaves it, is fine to restore into
        result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        with target.app_context():
            typed, spoken = db.session.get(Story, made["typed"]), db.session.get(Story, made["spoken"])
            assert typed.title == "Typed" and typed.transcript_text == WORDS
            assert spoken.transcript_text.strip() == "The bus to the probation office."
            from stories.media import iter_plain

            assert b"".join(iter_plain(spoken.media)) == wav
            assert b"".join(sealed.iter_sealed(storage(), made["clip_key"])) == made["clip"]
        again = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert again.exit_code == 1 and "already holds stories" in again.output
        with target.app_context():
            db.engine.dispose()
    finally:
        for url in databases:
            if url:
                drop_pg_database(url)


def test_an_archive_does_not_open_without_its_media_key(tmp_path, clips):
    source = _site(tmp_path, "old", tmp_path / "k1" / "media.key")
    reset_schema(source)
    with source.app_context():
        factories.make_story(factories.make_user("reporter"), text=WORDS)
    archive = tmp_path / "site.slbackup"
    assert source.test_cli_runner().invoke(args=["backup", "create", str(archive)]).exit_code == 0
    stranger = _site(tmp_path, "new", tmp_path / "k2" / "media.key")
    result = stranger.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 1 and "cannot be opened with this media key" in result.output


def test_a_story_erased_after_the_backup_stays_erased_when_the_backup_is_restored(tmp_path, clips):
    """Backups hold the story keys, so an erasure made after a backup would come back with it: the erased
    keys are listed beside the media key (ids only, never in an archive) and a restore destroys them again."""
    from core.shred import key_object
    from governance.erasure import erase_story

    key_file = tmp_path / "keys" / "media.key"
    source = _site(tmp_path, "old", key_file)
    reset_schema(source)
    made = _fill(source, clips["wav"].read_bytes())
    archive = tmp_path / "backups" / "site.slbackup"
    assert source.test_cli_runner().invoke(args=["backup", "create", str(archive)]).exit_code == 0
    with source.app_context():
        typed = db.session.get(Story, made["typed"])
        erased_key = typed.key_id
        erase_story(typed)
        db.engine.dispose()

    target = _site(tmp_path, "new", key_file)
    result = target.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "erased since" in result.output
    with target.app_context():
        assert db.session.get(Story, made["typed"]) is None
        assert not storage().exists(key_object(erased_key))
        assert db.session.get(Story, made["spoken"]).transcript_text.strip() == "The bus to the probation office."
        db.engine.dispose()
