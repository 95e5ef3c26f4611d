"""One encrypted archive of the database and the media store, and its restore.

    flask --app app backup create PATH
    flask --app app backup restore PATH     # into an empty data folder / database / store

The archive is a tar (manifest.json, the database, every stored object) sealed with
core.sealed under a key derived from the media key (HKDF, its own purpose), so the
archive is ciphertext and the media key itself is never inside it: keep the key apart
(FLASK_MEDIA_KEY_FILE) and give it to the restoring machine. The database is taken with
SQLite's online backup API or `pg_dump --format=custom`; restore uses a file copy or
`pg_restore`. Objects inside were already sealed; the manifest lists each with its size and
SHA-256, and restore checks them all before it reports success.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from extensions import db

FORMAT = "storyloom-backup/1"
# "keys/stories": the story keys (core/shred.py), without which the words in the dump cannot be read.
PREFIXES = ("media", "uploads", "clips", "packs", "enrolment", "keys/stories")


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why in plain words."""


def backup_key() -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from core.sealed import media_key

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"storyloom backup archive v1").derive(media_key())


def _is_sqlite() -> bool:
    return db.engine.url.get_backend_name() == "sqlite"


def _pg_args(url) -> tuple[list[str], dict]:
    url = make_url(str(url)) if not hasattr(url, "host") else url
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432), "--dbname", url.database]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password  # not on the command line, where `ps` would show it
    return args, env


def _dump_database(dest: Path) -> str:
    if _is_sqlite():
        import sqlite3

        source = sqlite3.connect(db.engine.url.database)
        target = sqlite3.connect(dest)
        with target:
            source.backup(target)  # a consistent copy while the site keeps running
        source.close()
        target.close()
        return "sqlite"
    args, env = _pg_args(db.engine.url)
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dest), *args],
                   check=True, env=env, capture_output=True)
    return "postgresql"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def _counts() -> dict:
    from stories.models import Segment, Story

    return {"stories": db.session.query(Story).count(), "segments": db.session.query(Segment).count()}


def _revision() -> str | None:
    try:
        return db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:
        db.session.rollback()
        return None


def create_backup(path: str | os.PathLike, report=lambda msg: None) -> dict:
    """Write the sealed archive to `path`; returns its manifest."""
    from core.sealed import encrypt_file
    from core.storage import storage

    store = storage()
    work = Path(tempfile.mkdtemp(prefix="backup-", dir=_scratch()))
    try:
        dump = work / "database.dump"
        kind = _dump_database(dump)
        report(f"database ({kind}) dumped")
        objects = []
        tar_path = work / "backup.tar"
        with tarfile.open(tar_path, "w") as archive:
            archive.add(dump, arcname=f"database/{kind}.dump")
            for prefix in PREFIXES:
                for obj in store.list(prefix):
                    local = work / "object"
                    store.download(obj.key, local)
                    objects.append({"key": obj.key, "bytes": local.stat().st_size, "sha256": _sha256(local)})
                    archive.add(local, arcname=f"objects/{obj.key}")
                    local.unlink()
            report(f"{len(objects)} stored objects copied")
            manifest = {"format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(), "database": kind,
                        "database_sha256": _sha256(dump), "alembic_revision": _revision(), "counts": _counts(),
                        "store": store.kind, "objects": objects}
            blob = work / "manifest.json"
            blob.write_text(json.dumps(manifest, indent=1))
            archive.add(blob, arcname="manifest.json")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        encrypt_file(tar_path, partial, backup_key())
        os.chmod(partial, 0o600)
        partial.replace(target)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _scratch() -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "tmp"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _require_empty(store) -> None:
    if "stories" in inspect(db.engine).get_table_names() and db.session.execute(
            text("SELECT COUNT(*) FROM stories")).scalar():
        raise BackupError("The database already holds stories. Restore into a new, empty database and data folder.")
    for prefix in PREFIXES:
        if store.list(prefix):
            raise BackupError(f"The media store already holds {prefix}/ objects. Restore into an empty store.")


def restore_backup(path: str | os.PathLike, report=lambda msg: None) -> dict:
    """Restore the archive at `path` into this (empty) database and media store; returns its manifest."""
    from core.sealed import decrypt_stream, plain_size
    from core.storage import FileStorage, storage

    store = storage()
    _require_empty(store)
    work = Path(tempfile.mkdtemp(prefix="restore-", dir=_scratch()))
    try:
        tar_path = work / "backup.tar"
        source = FileStorage(Path(path).parent)
        size = plain_size(Path(path).stat().st_size)
        try:
            with open(tar_path, "wb") as out:
                for block in decrypt_stream(source, Path(path).name, size, key=backup_key()):
                    out.write(block)
        except Exception as exc:  # InvalidTag (wrong key) or SealError (damaged)
            raise BackupError("This archive cannot be opened with this media key (or it is damaged).") from exc
        with tarfile.open(tar_path) as archive:
            archive.extractall(work / "x", filter="data")
        root = work / "x"
        manifest = json.loads((root / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError("This is not a Storyloom backup archive.")
        dump = root / "database" / f"{manifest['database']}.dump"
        if _sha256(dump) != manifest["database_sha256"]:
            raise BackupError("The database inside the archive is damaged.")
        for item in manifest["objects"]:
            local = root / "objects" / item["key"]
            if _sha256(local) != item["sha256"]:
                raise BackupError(f"The stored object {item['key']} inside the archive is damaged.")
        _restore_database(dump, manifest["database"])
        report("database restored")
        for item in manifest["objects"]:
            store.put_file(item["key"], root / "objects" / item["key"])
        report(f"{len(manifest['objects'])} stored objects restored")
        _erase_again(store, report)
        return manifest
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _erase_again(store, report) -> int:
    """Stories erased on this site after the archive was made come back with it (it holds their keys):
    erase them again, and destroy every key on the site's list of erased stories (core/shred.py)."""
    from sqlalchemy import select

    from core.shred import erased_key_ids, key_object
    from extensions import db
    from governance.erasure import erase_story
    from stories.models import Story

    gone = erased_key_ids()
    if not gone:
        return 0
    stories = db.session.scalars(select(Story).where(Story.key_id.in_(gone))).all()
    for story in stories:
        erase_story(story)
    for key_id in gone:
        store.delete(key_object(key_id))
    if stories:
        report(f"{len(stories)} stories erased since the backup was made were erased again")
    return len(stories)


def _restore_database(dump: Path, kind: str) -> None:
    here = "sqlite" if _is_sqlite() else "postgresql"
    if kind != here:
        raise BackupError(f"This archive holds a {kind} database; this site is configured for {here}.")
    db.session.remove()
    if kind == "sqlite":
        import sqlite3

        db.engine.dispose()
        source = sqlite3.connect(dump)
        target = sqlite3.connect(db.engine.url.database)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return
    db.engine.dispose()
    args, env = _pg_args(db.engine.url)
    subprocess.run(["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists", *args, str(dump)],
                   check=True, env=env, capture_output=True)
