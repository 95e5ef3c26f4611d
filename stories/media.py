"""Media files: streamed in, checked, stored once by content hash, encrypted before they are stored.

    media = store_upload(stream, "interview.m4a", max_bytes=...)
    with local_media_path(media) as path:   # a plaintext copy, deleted afterwards
        ...

Originals live in the media store (core.storage: DATA_DIR or an S3 bucket) at
media/<sha[:2]>/<sha>, sealed by core.sealed (AES-256-GCM in 1 MB chunks), so the
store only sees ciphertext and playback decrypts only the chunks a range needs.
The key lives outside the database and the store (DATA_DIR/keys/media.key or
MEDIA_KEY_FILE, mode 600).
"""
from __future__ import annotations

import errno
import hashlib
import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from flask import current_app
from sqlalchemy import select

from core import sealed
from core.sealed import CHUNK, HEADER, MAGIC, NONCE, TAG, encrypt_file  # noqa: F401  (the format, for callers)
from core.storage import storage
from extensions import db
from stories.models import MediaFile, Story

READ_BLOCK = 256 * 1024


class MediaError(Exception):
    """A file could not be stored; `message` is plain English for the reporter."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


def tmp_dir() -> Path:
    folder = data_dir() / "tmp"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def media_key() -> bytes:
    """The 256-bit media key (core.sealed), created on first use."""
    return sealed.media_key()


def iter_plain(media: MediaFile, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Plaintext bytes of a stored file (inclusive range), decrypted as they are read (ranged reads).

    Everything that needs the app (store, key) is read now, so the returned iterator
    can be streamed as a response after the request context is gone.
    """
    store = storage()
    if media.encrypted:
        return sealed.decrypt_stream(store, media.storage_path, media.bytes, start, end, media_key())
    return _read_plain(store, media.storage_path, start, media.bytes - 1 if end is None else end)


def _read_plain(store, key: str, start: int, end: int) -> Iterator[bytes]:
    with store.open_range(key, start, end) as body:
        while True:
            block = body.read(READ_BLOCK)
            if not block:
                return
            yield block


def absolute_path(media: MediaFile) -> Path:
    """Where a stored file lies when the media store is the data folder (the default)."""
    return data_dir() / media.storage_path


def stored(media: MediaFile) -> bool:
    return storage().exists(media.storage_path)


@contextmanager
def local_media_path(media: MediaFile) -> Iterator[Path]:
    """A readable plaintext copy of the media under DATA_DIR/tmp, deleted when the block ends."""
    from core.scratch import scratch_prefix

    suffix = Path(media.original_filename).suffix.lower()[:10]
    target = tmp_dir() / f"{scratch_prefix('plain', media_sha=media.sha256 or '')}{secrets.token_hex(8)}{suffix}"
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            for block in iter_plain(media):
                fh.write(block)
        yield target
    finally:
        target.unlink(missing_ok=True)


def _disk_full(exc: OSError) -> MediaError:
    return MediaError("The server has run out of space to keep this file. Nothing was saved. "
                      "Please tell your administrator.", 507)


def _open_temp(prefix: str) -> tuple[Path, BinaryIO]:
    path = tmp_dir() / f"{prefix}-{secrets.token_hex(8)}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return path, os.fdopen(fd, "wb")


def too_large_message(max_bytes: int) -> str:
    return f"This file is too large. The most we can take is {human_size(max_bytes)}."


def human_size(n: int) -> str:
    for unit, size in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.0f} {unit}" if n % size == 0 else f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def _stream_error(exc: OSError) -> MediaError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return _disk_full(exc)
    return MediaError("The upload stopped before the whole file arrived. Please try again.")


def _spool(stream: BinaryIO, fh: BinaryIO, max_bytes: int) -> tuple[int, str]:
    """Copy `stream` into `fh` while hashing it: (bytes, sha256). MediaError past `max_bytes` or if it is empty."""
    digest = hashlib.sha256()
    total = 0
    try:
        with fh:
            while block := stream.read(READ_BLOCK):
                total += len(block)
                if total > max_bytes:
                    raise MediaError(too_large_message(max_bytes), 413)
                digest.update(block)
                fh.write(block)
    except OSError as exc:
        raise _stream_error(exc) from exc
    if total == 0:
        raise MediaError("The file is empty (0 bytes). Please record or upload it again.")
    return total, digest.hexdigest()


def _probe_audio(path: Path):
    """The decoded file's AudioInfo (engines.audio.probe), or MediaError in plain words."""
    from engines.audio import AudioError, LengthMismatchError, TooLongError, probe

    try:
        info = probe(path, max_seconds=float(current_app.config["MAX_STORY_SECONDS"]))
    except (TooLongError, LengthMismatchError) as exc:
        raise MediaError(exc.message, 422) from exc
    except AudioError as exc:
        raise MediaError(exc.message) from exc
    if info.truncated:
        raise MediaError("This file seems to be cut short: part of the recording is missing. "
                         "Please upload the whole file again.")
    return info


def _seal(path: Path, relative: str) -> None:
    try:
        sealed.put_sealed(storage(), relative, path, tmp_dir(), media_key())
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise _disk_full(exc) from exc
        raise


def store_upload(stream: BinaryIO, original_filename: str, *, max_bytes: int, kind: str = "audio",
                 content_type: str = "") -> MediaFile:
    """Stream `stream` to disk while hashing it, check it, encrypt it into the media store.

    kind="audio" decodes the whole file once (engines.audio.probe) and records its
    duration; kind="document" (a signed consent form) only checks it is not empty.
    Returns a MediaFile added to the session (not committed); an identical file
    already stored is reused. Raises MediaError and leaves nothing behind on any failure.
    """
    from werkzeug.utils import secure_filename

    # Only the kind of file: a name in the file's name stays in the story's sealed source_filename.
    display_name = "upload" + Path(secure_filename(original_filename or "")).suffix.lower()[:10]
    tmp_path = None
    try:
        try:
            tmp_path, fh = _open_temp("upload")
        except OSError as exc:
            raise _stream_error(exc) from exc
        total, sha = _spool(stream, fh, max_bytes)
        info = _probe_audio(tmp_path) if kind == "audio" else None
        existing = db.session.scalars(select(MediaFile).where(MediaFile.sha256 == sha)).first()
        if existing is not None and stored(existing):
            return existing
        relative = f"media/{sha[:2]}/{sha}"
        _seal(tmp_path, relative)
        media = MediaFile(
            sha256=sha, storage_path=relative, original_filename=display_name,
            content_type=(content_type or "")[:120], bytes=total, encrypted=True,
            duration_s=info.duration_s if info else None,
            codec=(info.codec if info else "")[:40], container=(info.container if info else "")[:40],
        )
        db.session.add(media)
        return media
    finally:
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)


def sweep_unused_keys(max_age_seconds: int = 24 * 3600) -> int:
    """Delete story keys left by stories whose creation rolled back (core/shred.py)."""
    from core import shred

    in_use = set(db.session.scalars(select(Story.key_id).where(Story.key_id.is_not(None))))
    return shred.sweep_unused(in_use, max_age_seconds)


def cleanup_tmp(max_age_seconds: int = 24 * 3600) -> int:
    """Remove plaintext temp files left behind by a crashed process."""
    import time

    removed = 0
    cutoff = time.time() - max_age_seconds
    for path in tmp_dir().glob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            pass
    return removed

