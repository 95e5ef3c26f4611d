"""Resumable uploads: a recording arrives in chunks, so a dropped connection loses at most one.

    POST /api/v1/uploads                 -> {id, received: 0}
    PUT  /api/v1/uploads/<id>?offset=N   body = the next bytes; N must equal `received`
    GET  /api/v1/uploads/<id>            -> {received}: where to carry on after a failure
    POST /api/v1/uploads/<id>/finish     story details + consent -> the new story

Parts live in DATA_DIR/uploads/<id>.part; sessions untouched for UPLOAD_ABANDON_SECONDS are removed.
"""
from __future__ import annotations

import errno
import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import abort, current_app
from sqlalchemy import select

from core.timeutil import utcnow
from extensions import db
from stories.media import MediaError, too_large_message
from stories.models import UploadSession

ABANDON_SECONDS = 24 * 3600
BLOCK = 256 * 1024


def _folder() -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def part_path(session: UploadSession) -> Path:
    return _folder() / f"{session.id}.part"


def create_session(user, filename: str, content_type: str = "") -> UploadSession:
    cleanup_abandoned()
    session = UploadSession(id=secrets.token_hex(16), user_id=user.id, filename=(filename or "recording.webm")[:255],
                            content_type=(content_type or "")[:120], received=0)
    fd = os.open(part_path(session), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    db.session.add(session)
    db.session.commit()
    return session


def get_session(user, upload_id: str) -> UploadSession:
    session = db.session.get(UploadSession, upload_id)
    if session is None or session.user_id != user.id:
        abort(404)
    return session


def append_chunk(session: UploadSession, offset: int, stream) -> int:
    """Append the request body at `offset`; returns the bytes now held.

    An offset that is not where we are raises MediaError(409): the client asks
    GET for `received` and sends from there.
    """
    path = part_path(session)
    held = path.stat().st_size if path.exists() else 0
    if held != session.received:  # a chunk cut off half way: keep what arrived whole
        session.received = held
        db.session.commit()
    if offset != session.received:
        raise MediaError(f"Expected the upload to carry on from byte {session.received}.", 409)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    written = 0
    try:
        with open(path, "ab") as fh:
            while True:
                block = stream.read(BLOCK)
                if not block:
                    break
                if session.received + written + len(block) > limit:
                    fh.truncate(session.received)
                    raise MediaError(too_large_message(limit), 413)
                fh.write(block)
                written += len(block)
    except OSError as exc:
        with open(path, "ab") as fh:
            fh.truncate(session.received)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise MediaError("The server has run out of space. Nothing more was saved.", 507) from exc
        raise MediaError("Part of the upload did not arrive. It will try again.", 400) from exc
    session.received += written
    db.session.commit()
    return session.received


def discard(session: UploadSession) -> None:
    part_path(session).unlink(missing_ok=True)
    db.session.delete(session)
    db.session.commit()


def cleanup_abandoned(max_age_seconds: int | None = None) -> int:
    """Remove upload sessions (and their parts) nobody has touched for a day."""
    age = max_age_seconds if max_age_seconds is not None else current_app.config.get("UPLOAD_ABANDON_SECONDS", ABANDON_SECONDS)
    cutoff = utcnow() - timedelta(seconds=int(age))
    stale = db.session.scalars(select(UploadSession).where(UploadSession.updated_at < cutoff)).all()
    for session in stale:
        part_path(session).unlink(missing_ok=True)
        db.session.delete(session)
    known = {s for s in db.session.scalars(select(UploadSession.id))}
    import time

    for part in _folder().glob("*.part"):
        # Orphans only, and not brand-new ones (another process may be committing its session).
        if part.stem not in known and part.stat().st_mtime < time.time() - 3600:
            part.unlink(missing_ok=True)
    db.session.commit()
    return len(stale)
