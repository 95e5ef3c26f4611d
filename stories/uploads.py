"""Resumable uploads: a recording arrives in chunks, so a dropped connection loses at most one.

    POST /api/v1/uploads                 -> {id, received: 0}
    PUT  /api/v1/uploads/<id>?offset=N   body = the next bytes; N must equal `received`
    GET  /api/v1/uploads/<id>            -> {received}: where to carry on after a failure
    POST /api/v1/uploads/<id>/finish     story details + consent -> the new story

Parts live in DATA_DIR/uploads/<id>.part, encrypted as they arrive with the media key
(which is outside the database), so a copied data folder holds no plaintext even
mid-upload. The part is a sequence of records, one per received piece (a PUT body is
cut into records of at most RECORD bytes):

    4-byte big-endian length L | 12-byte nonce | AES-256-GCM ciphertext + 16-byte tag (L bytes in all)

with associated data PART_MAGIC + upload id + record index, so records cannot be moved
between uploads or reordered. `received` (the offset) is the plaintext bytes in complete
records. A record cut short by a crash (or whose tag does not check) is cut off and the
offset reported from the last whole record. On finish the records are decrypted in order
into a temp file under DATA_DIR/tmp, which is deleted once the media store has it.
Sessions untouched for UPLOAD_ABANDON_SECONDS are removed.
"""
from __future__ import annotations

import errno
import os
import secrets
import struct
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Iterator

from flask import abort, current_app
from sqlalchemy import select
from werkzeug.exceptions import ClientDisconnected

from core.timeutil import utcnow
from extensions import db
from stories.media import NONCE, TAG, MediaError, _disk_full, _open_temp, human_size, media_key, too_large_message
from stories.models import UploadSession

ABANDON_SECONDS = 24 * 3600
BLOCK = 256 * 1024
RECORD = 1024 * 1024  # plaintext bytes per record at most (memory held per request)
PUT_MAX_BYTES = 8 * 1024 * 1024  # one PUT body at most (UPLOAD_PUT_MAX_BYTES overrides)
PART_MAGIC = b"SLPART1"
LEN = struct.Struct(">I")


class PieceTooLarge(MediaError):
    """One PUT body over the per-piece cap: the whole records before it are kept."""


def _folder() -> Path:
    folder = Path(current_app.config["DATA_DIR"]) / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def part_path(session: UploadSession) -> Path:
    return _folder() / f"{session.id}.part"


def _aad(upload_id: str, index: int) -> bytes:
    return PART_MAGIC + upload_id.encode() + struct.pack(">Q", index)


def _aes(key: bytes | None = None):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key or media_key())


def _record(aes, upload_id: str, index: int, plain: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    body = nonce + aes.encrypt(nonce, plain, _aad(upload_id, index))
    return LEN.pack(len(body)) + body


def scan_part(path: Path, upload_id: str, aes=None) -> tuple[int, int, int]:
    """(records, plaintext bytes, file position) of the whole records at the start of a part.

    Reads only the length prefixes, then checks the tag of the last record, so a record
    torn by a crash (short, or with bytes that never reached the disk) is not counted.
    """
    aes = aes or _aes()
    records = plain = pos = 0
    last = None
    size = path.stat().st_size
    with open(path, "rb") as fh:
        while pos + LEN.size <= size:
            fh.seek(pos)
            (length,) = LEN.unpack(fh.read(LEN.size))
            if length < NONCE + TAG or length > NONCE + RECORD + TAG or pos + LEN.size + length > size:
                break
            last = (pos, length)
            records += 1
            plain += length - NONCE - TAG
            pos += LEN.size + length
        if last is not None:
            fh.seek(last[0] + LEN.size)
            blob = fh.read(last[1])
            try:
                aes.decrypt(blob[:NONCE], blob[NONCE:], _aad(upload_id, records - 1))
            except Exception:  # InvalidTag: a torn write; drop the record
                records -= 1
                plain -= last[1] - NONCE - TAG
                pos = last[0]
    return records, plain, pos


def sync(session: UploadSession, aes=None) -> tuple[int, int]:
    """Cut off a partly written record and make `received` match the part; returns (records, file position)."""
    path = part_path(session)
    if not path.exists():
        abort(404)
    records, plain, pos = scan_part(path, session.id, aes)
    if path.stat().st_size != pos:
        with open(path, "r+b") as fh:
            fh.truncate(pos)
    if plain != session.received:
        session.received = plain
        db.session.commit()
    return records, pos


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


def put_limit() -> int:
    return int(current_app.config.get("UPLOAD_PUT_MAX_BYTES", PUT_MAX_BYTES))


def append_chunk(session: UploadSession, offset: int, stream, expected: int | None = None) -> int:
    """Encrypt the request body and append it at `offset`; returns the plaintext bytes now held.

    An offset that is not where we are raises MediaError(409): the client asks
    GET for `received` and sends from there. The body is encrypted in records of at
    most RECORD bytes as it is read, so memory stays bounded; whole records that
    reached the disk before a dropped connection (or a body over the per-PUT cap) are kept;
    `expected` (the Content-Length) tells a body cut short from a whole one.
    """
    aes = _aes()
    records, pos = sync(session, aes)
    if offset != session.received:
        raise MediaError(f"Expected the upload to carry on from byte {session.received}.", 409)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    cap = put_limit()
    start_pos, start_received = pos, session.received
    kept_pos, kept = pos, session.received  # the last whole record on disk
    buffer = bytearray()
    body = 0
    path = part_path(session)

    def settle(to_pos: int, to_received: int) -> None:
        with open(path, "r+b") as fh:
            fh.truncate(to_pos)
        session.received = to_received
        db.session.commit()

    try:
        with open(path, "r+b") as fh:
            fh.seek(pos)

            def flush() -> None:
                nonlocal records, kept_pos, kept
                fh.write(_record(aes, session.id, records, bytes(buffer)))
                records += 1
                kept += len(buffer)
                kept_pos = fh.tell()
                buffer.clear()

            while True:
                block = stream.read(BLOCK)
                if not block:
                    break
                body += len(block)
                if start_received + body > limit:
                    raise MediaError(too_large_message(limit), 413)
                if body > cap:
                    fh.flush()
                    os.fsync(fh.fileno())
                    raise PieceTooLarge(f"This piece of the upload is too large: send at most {human_size(cap)} "
                                        f"at a time. The server has the first {kept} bytes; carry on from there.", 413)
                buffer += block
                while len(buffer) >= RECORD:
                    rest = bytes(buffer[RECORD:])
                    del buffer[RECORD:]
                    flush()
                    buffer += rest
            if expected is not None and body < expected:
                fh.flush()
                raise ClientDisconnected()
            if buffer:
                flush()
            fh.flush()
            os.fsync(fh.fileno())
    except PieceTooLarge:
        settle(kept_pos, kept)  # the whole records before the cap stay; the client carries on from `received`
        raise
    except MediaError:
        settle(start_pos, start_received)  # over the whole-file limit: nothing of this piece is kept
        raise
    except (OSError, ClientDisconnected) as exc:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            settle(start_pos, start_received)
            raise MediaError("The server has run out of space. Nothing more was saved.", 507) from exc
        settle(kept_pos, kept)  # the connection dropped: keep the whole records that arrived
        raise MediaError("Part of the upload did not arrive. It will try again.", 400) from exc
    session.received = kept
    db.session.commit()
    return session.received


def iter_plain_part(path: Path, upload_id: str, key: bytes | None = None) -> Iterator[bytes]:
    """The plaintext of a part, record by record (raises MediaError if a record does not decrypt)."""
    from cryptography.exceptions import InvalidTag

    aes = _aes(key)
    index = 0
    with open(path, "rb") as fh:
        while True:
            prefix = fh.read(LEN.size)
            if not prefix:
                return
            (length,) = LEN.unpack(prefix) if len(prefix) == LEN.size else (0,)
            blob = fh.read(length) if NONCE + TAG <= length <= NONCE + RECORD + TAG else b""
            if len(blob) != length or not blob:
                raise MediaError("This upload is damaged. Please record or upload it again.", 400)
            try:
                yield aes.decrypt(blob[:NONCE], blob[NONCE:], _aad(upload_id, index))
            except InvalidTag as exc:
                raise MediaError("This upload is damaged. Please record or upload it again.", 400) from exc
            index += 1


@contextmanager
def open_plain(session: UploadSession) -> Iterator[BinaryIO]:
    """The upload's plaintext as a readable file under DATA_DIR/tmp, deleted when the block ends."""
    sync(session)
    tmp_path = None
    try:
        try:
            tmp_path, fh = _open_temp("part")
            with fh:
                for plain in iter_plain_part(part_path(session), session.id):
                    fh.write(plain)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _disk_full(exc) from exc
            raise
        with open(tmp_path, "rb") as stream:
            yield stream
    finally:
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)


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
