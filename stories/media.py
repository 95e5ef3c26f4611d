"""Media files on disk: streamed in, checked, stored once by content hash, encrypted at rest.

    media = store_upload(stream, "interview.m4a", max_bytes=...)
    with local_media_path(media) as path:   # a plaintext copy, deleted afterwards
        ...

File format on disk (DATA_DIR/media/<sha[:2]>/<sha>): the header MAGIC + chunk size
(4 bytes, big-endian), then for each chunk of plaintext: a 12-byte nonce and the
AES-256-GCM ciphertext with its 16-byte tag. The associated data of each chunk is
MAGIC + its index + whether it is the last chunk, so chunks cannot be reordered,
dropped or the file cut short without decryption failing. The key lives outside
the database (DATA_DIR/keys/media.key or MEDIA_KEY_FILE, mode 600).
"""
from __future__ import annotations

import errno
import hashlib
import os
import secrets
import struct
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

from flask import current_app
from sqlalchemy import select

from extensions import db
from stories.models import MediaFile

MAGIC = b"SLMEDIA1"
CHUNK = 1024 * 1024
NONCE = 12
TAG = 16
READ_BLOCK = 256 * 1024
HEADER = len(MAGIC) + 4


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


def _key_path() -> Path:
    configured = current_app.config.get("MEDIA_KEY_FILE")
    return Path(configured) if configured else data_dir() / "keys" / "media.key"


def media_key() -> bytes:
    """The 256-bit media key, created (mode 600) on first use."""
    path = _key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(secrets.token_bytes(32))
    key = path.read_bytes()
    if len(key) != 32:
        raise RuntimeError(f"The media key at {path} is not 32 bytes long.")
    return key


def _aad(index: int, last: bool) -> bytes:
    return MAGIC + struct.pack(">QB", index, 1 if last else 0)


def encrypt_file(src: Path, dest: Path, key: bytes) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes = AESGCM(key)
    size = src.stat().st_size
    chunks = max(1, -(-size // CHUNK))
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        fout.write(MAGIC + struct.pack(">I", CHUNK))
        for index in range(chunks):
            plain = fin.read(CHUNK)
            nonce = os.urandom(NONCE)
            fout.write(nonce + aes.encrypt(nonce, plain, _aad(index, index == chunks - 1)))


def decrypt_range(path: Path, size: int, start: int = 0, end: int | None = None, key: bytes | None = None) -> Iterator[bytes]:
    """Yield plaintext bytes [start, end] (inclusive) of an encrypted media file, decrypting only the chunks needed."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes = AESGCM(key or media_key())
    end = size - 1 if end is None else min(end, size - 1)
    chunks = max(1, -(-size // CHUNK))
    with open(path, "rb") as fh:
        header = fh.read(HEADER)
        if header[: len(MAGIC)] != MAGIC or struct.unpack(">I", header[len(MAGIC):])[0] != CHUNK:
            raise MediaError("This stored file is damaged.", 500)
        first, last = start // CHUNK, end // CHUNK
        for index in range(first, last + 1):
            fh.seek(HEADER + index * (NONCE + CHUNK + TAG))
            blob = fh.read(NONCE + CHUNK + TAG)
            plain = aes.decrypt(blob[:NONCE], blob[NONCE:], _aad(index, index == chunks - 1))
            lo = start - index * CHUNK if index == first else 0
            hi = end - index * CHUNK + 1 if index == last else len(plain)
            yield plain[lo:hi]


def absolute_path(media: MediaFile) -> Path:
    return data_dir() / media.storage_path


def iter_plain(media: MediaFile, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Plaintext bytes of a stored file (inclusive range), decrypted as they are read.

    Everything that needs the app (path, key) is read now, so the returned iterator
    can be streamed as a response after the request context is gone.
    """
    path, size = absolute_path(media), media.bytes
    if media.encrypted:
        return decrypt_range(path, size, start, end, media_key())
    return _read_plain(path, start, (size if end is None else end + 1) - start)


def _read_plain(path: Path, start: int, remaining: int) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        fh.seek(start)
        while remaining > 0:
            block = fh.read(min(READ_BLOCK, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block


@contextmanager
def local_media_path(media: MediaFile) -> Iterator[Path]:
    """A readable plaintext copy of the media under DATA_DIR/tmp, deleted when the block ends."""
    suffix = Path(media.original_filename).suffix.lower()[:10]
    target = tmp_dir() / f"plain-{secrets.token_hex(8)}{suffix}"
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


def store_upload(stream: BinaryIO, original_filename: str, *, max_bytes: int, kind: str = "audio",
                 content_type: str = "") -> MediaFile:
    """Stream `stream` to disk while hashing it, check it, encrypt it into the media store.

    kind="audio" decodes the whole file once (engines.audio.probe) and records its
    duration; kind="document" (a signed consent form) only checks it is not empty.
    Returns a MediaFile added to the session (not committed); an identical file
    already stored is reused. Raises MediaError and leaves nothing behind on any failure.
    """
    from werkzeug.utils import secure_filename

    display_name = (secure_filename(original_filename or "") or "upload")[:255]
    digest = hashlib.sha256()
    total = 0
    tmp_path = None
    try:
        try:
            tmp_path, fh = _open_temp("upload")
            with fh:
                while True:
                    block = stream.read(READ_BLOCK)
                    if not block:
                        break
                    total += len(block)
                    if total > max_bytes:
                        raise MediaError(too_large_message(max_bytes), 413)
                    digest.update(block)
                    fh.write(block)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _disk_full(exc) from exc
            raise MediaError("The upload stopped before the whole file arrived. Please try again.") from exc
        if total == 0:
            raise MediaError("The file is empty (0 bytes). Please record or upload it again.")
        info = None
        if kind == "audio":
            from engines.audio import AudioError, probe

            try:
                info = probe(tmp_path)
            except AudioError as exc:
                raise MediaError(exc.message) from exc
            if info.truncated:
                raise MediaError("This file seems to be cut short: part of the recording is missing. "
                                 "Please upload the whole file again.")
        sha = digest.hexdigest()
        existing = db.session.scalars(select(MediaFile).where(MediaFile.sha256 == sha)).first()
        if existing is not None and absolute_path(existing).exists():
            return existing
        relative = Path("media") / sha[:2] / sha
        final = data_dir() / relative
        final.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = final.with_name(final.name + f".{secrets.token_hex(4)}.partial")
        try:
            encrypt_file(tmp_path, partial, media_key())
            os.chmod(partial, 0o600)
            partial.replace(final)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _disk_full(exc) from exc
            raise
        media = MediaFile(
            sha256=sha, storage_path=str(relative), original_filename=display_name,
            content_type=(content_type or "")[:120], bytes=total, encrypted=True,
            duration_s=info.duration_s if info else None,
            codec=(info.codec if info else "")[:40], container=(info.container if info else "")[:40],
        )
        db.session.add(media)
        return media
    finally:
        if tmp_path is not None:
            tmp_path.unlink(missing_ok=True)


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

