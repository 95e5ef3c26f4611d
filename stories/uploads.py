"""Resumable uploads: a recording arrives in chunks, so a dropped connection loses at most one.

    POST /api/v1/uploads                 -> {id, received: 0}
    PUT  /api/v1/uploads/<id>?offset=N   body = the next bytes; N must equal `received`
    GET  /api/v1/uploads/<id>            -> {received}: where to carry on after a failure
    POST /api/v1/uploads/<id>/finish     story details + consent -> the new story

Parts live in the media store (core.storage: DATA_DIR or an S3 bucket) as one object
per received piece, uploads/<id>/<index>, each encrypted as it arrives with the media
key (which is outside the database and the store), so neither a copied data folder nor
the bucket holds plaintext even mid-upload, and any web process can take the next piece.
A PUT body is cut into records of at most RECORD bytes; each record object is

    12-byte nonce | AES-256-GCM ciphertext + 16-byte tag

with associated data PART_MAGIC + upload id + record index, so records cannot be moved
between uploads or reordered. Objects are written whole (rename / PUT), so a crash
leaves no torn record; a last record whose tag does not check is dropped all the same.
`received` (the offset) is the plaintext bytes in the records 0..n-1 present. On finish
the records are decrypted in order into a temp file under DATA_DIR/tmp, which is deleted
once the media store has the sealed original.
Sessions untouched for UPLOAD_ABANDON_SECONDS are removed.
"""
from __future__ import annotations

import errno
import os
import secrets
import struct
from contextlib import contextmanager
from datetime import timedelta, timezone
from typing import BinaryIO, Iterator

from flask import abort, current_app
from sqlalchemy import select
from werkzeug.exceptions import ClientDisconnected

from core.storage import storage
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


def part_prefix(session_or_id) -> str:
    upload_id = getattr(session_or_id, "id", session_or_id)
    return f"uploads/{upload_id}"


def record_key(upload_id: str, index: int) -> str:
    return f"uploads/{upload_id}/{index:08d}"


def _aad(upload_id: str, index: int) -> bytes:
    return PART_MAGIC + upload_id.encode() + struct.pack(">Q", index)


def _aes(key: bytes | None = None):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key or media_key())


def _record(aes, upload_id: str, index: int, plain: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return nonce + aes.encrypt(nonce, plain, _aad(upload_id, index))


def scan_part(upload_id: str, aes=None) -> tuple[int, int, list[str]]:
    """(records, plaintext bytes, keys to drop) of the whole records 0..n-1 of an upload.

    Reads the listing, then checks the tag of the last record, so a last record that was
    damaged (or copied from another upload) is not counted; records after a gap are dropped.
    Every record is checked again when the upload is finished.
    """
    store = storage()
    aes = aes or _aes()
    objects = store.list(part_prefix(upload_id))
    good = []
    for index, obj in enumerate(objects):
        size_ok = NONCE + TAG < obj.size <= NONCE + RECORD + TAG
        if obj.key != record_key(upload_id, index) or not size_ok:
            break
        good.append(obj)
    if good:
        blob = store.read_bytes(good[-1].key)
        try:
            aes.decrypt(blob[:NONCE], blob[NONCE:], _aad(upload_id, len(good) - 1))
        except Exception:  # InvalidTag: drop the record
            good.pop()
    kept = {o.key for o in good}
    plain = sum(o.size - NONCE - TAG for o in good)
    return len(good), plain, [o.key for o in objects if o.key not in kept]


def sync(session: UploadSession, aes=None) -> int:
    """Drop records that do not count and make `received` match them; returns the number of records."""
    records, plain, doomed = scan_part(session.id, aes)
    for key in doomed:
        storage().delete(key)
    if plain != session.received:
        session.received = plain
        db.session.commit()
    return records


def create_session(user, filename: str, content_type: str = "") -> UploadSession:
    cleanup_abandoned()
    session = UploadSession(id=secrets.token_hex(16), user_id=user.id, filename=(filename or "recording.webm")[:255],
                            content_type=(content_type or "")[:120], received=0)
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


class _Piece:
    """One PUT body, encrypted into records of at most RECORD bytes as it is read."""

    def __init__(self, session: UploadSession, aes, records: int):
        self.session, self.aes, self.store = session, aes, storage()
        self.records, self.kept = records, session.received  # whole records stored, their plaintext bytes
        self.start = (records, session.received)
        self.buffer = bytearray()
        self.body = 0  # bytes of this body read so far

    def add(self, block: bytes, limit: int, cap: int) -> None:
        self.body += len(block)
        if self.start[1] + self.body > limit:
            raise MediaError(too_large_message(limit), 413)
        if self.body > cap:
            raise PieceTooLarge(f"This piece of the upload is too large: send at most {human_size(cap)} "
                                f"at a time. The server has the first {self.kept} bytes; carry on from there.", 413)
        self.buffer += block
        while len(self.buffer) >= RECORD:
            rest = bytes(self.buffer[RECORD:])
            del self.buffer[RECORD:]
            self.flush()
            self.buffer += rest

    def flush(self) -> None:
        upload_id = self.session.id
        self.store.put_bytes(record_key(upload_id, self.records), _record(self.aes, upload_id, self.records,
                                                                         bytes(self.buffer)))
        self.records += 1
        self.kept += len(self.buffer)
        self.buffer.clear()

    def settle(self, to_records: int, to_received: int) -> None:
        """Keep the records before `to_records` and say `to_received` bytes arrived."""
        for index in range(to_records, self.records):
            self.store.delete(record_key(self.session.id, index))
        self.session.received = to_received
        db.session.commit()

    def read(self, stream, expected: int | None) -> None:
        limit, cap = current_app.config["MAX_UPLOAD_BYTES"], put_limit()
        while block := stream.read(BLOCK):
            self.add(block, limit, cap)
        if expected is not None and self.body < expected:
            raise ClientDisconnected()
        if self.buffer:
            self.flush()


def append_chunk(session: UploadSession, offset: int, stream, expected: int | None = None) -> int:
    """Encrypt the request body and store it from `offset`; returns the plaintext bytes now held.

    An offset that is not where we are raises MediaError(409): the client asks
    GET for `received` and sends from there. The body is encrypted in records of at
    most RECORD bytes as it is read, so memory stays bounded; whole records stored
    before a dropped connection (or a body over the per-PUT cap) are kept;
    `expected` (the Content-Length) tells a body cut short from a whole one.
    """
    aes = _aes()
    records = sync(session, aes)
    if offset != session.received:
        raise MediaError(f"Expected the upload to carry on from byte {session.received}.", 409)
    piece = _Piece(session, aes, records)
    try:
        piece.read(stream, expected)
    except PieceTooLarge:
        piece.settle(piece.records, piece.kept)  # the whole records before the cap stay; carry on from `received`
        raise
    except MediaError:
        piece.settle(*piece.start)  # over the whole-file limit: nothing of this piece is kept
        raise
    except (OSError, ClientDisconnected) as exc:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            piece.settle(*piece.start)
            raise MediaError("The server has run out of space. Nothing more was saved.", 507) from exc
        piece.settle(piece.records, piece.kept)  # the connection dropped: keep the whole records that arrived
        raise MediaError("Part of the upload did not arrive. It will try again.", 400) from exc
    session.received = piece.kept
    db.session.commit()
    return session.received


def iter_plain_part(upload_id: str, key: bytes | None = None) -> Iterator[bytes]:
    """The plaintext of an upload, record by record (raises MediaError if a record does not decrypt)."""
    from cryptography.exceptions import InvalidTag

    aes = _aes(key)
    store = storage()
    for index, obj in enumerate(store.list(part_prefix(upload_id))):
        blob = store.read_bytes(obj.key) if obj.key == record_key(upload_id, index) else b""
        if len(blob) <= NONCE + TAG:
            raise MediaError("This upload is damaged. Please record or upload it again.", 400)
        try:
            yield aes.decrypt(blob[:NONCE], blob[NONCE:], _aad(upload_id, index))
        except InvalidTag as exc:
            raise MediaError("This upload is damaged. Please record or upload it again.", 400) from exc


@contextmanager
def open_plain(session: UploadSession) -> Iterator[BinaryIO]:
    """The upload's plaintext as a readable file under DATA_DIR/tmp, deleted when the block ends."""
    sync(session)
    tmp_path = None
    try:
        try:
            tmp_path, fh = _open_temp("part")
            with fh:
                for plain in iter_plain_part(session.id):
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
    storage().delete_prefix(part_prefix(session))
    db.session.delete(session)
    db.session.commit()


def cleanup_abandoned(max_age_seconds: int | None = None) -> int:
    """Remove upload sessions (and their parts) nobody has touched for a day."""
    age = max_age_seconds if max_age_seconds is not None else current_app.config.get("UPLOAD_ABANDON_SECONDS", ABANDON_SECONDS)
    cutoff = utcnow() - timedelta(seconds=int(age))
    store = storage()
    stale = db.session.scalars(select(UploadSession).where(UploadSession.updated_at < cutoff)).all()
    for session in stale:
        store.delete_prefix(part_prefix(session))
        db.session.delete(session)
    db.session.commit()
    known = set(db.session.scalars(select(UploadSession.id)))
    recent = utcnow().replace(tzinfo=timezone.utc) - timedelta(hours=1)
    for obj in store.list("uploads"):
        upload_id = obj.key.split("/")[1]
        # Orphans only, and not brand-new ones (another process may be committing its session).
        if upload_id not in known and obj.modified < recent:
            store.delete(obj.key)
    return len(stale)
