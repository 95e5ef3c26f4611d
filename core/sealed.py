"""Sealed objects: files encrypted by the app before the media store sees them.

Format (the same for originals, clips, packs and enrolment samples): MAGIC + chunk
size (4 bytes, big-endian), then for each chunk of plaintext a 12-byte nonce and the
AES-256-GCM ciphertext with its 16-byte tag. The associated data of each chunk is
MAGIC + its index + whether it is the last chunk, so chunks cannot be reordered,
dropped or the file cut short without decryption failing. Chunks have a fixed size,
so a plaintext byte range maps to one ranged read of the stored object.

The key lives outside the database and outside the store (DATA_DIR/keys/media.key
or MEDIA_KEY_FILE, mode 600); backups never include it.
"""
from __future__ import annotations

import os
import secrets
import struct
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

MAGIC = b"SLMEDIA1"
CHUNK = 1024 * 1024
NONCE = 12
TAG = 16
HEADER = len(MAGIC) + 4
BLOCK = NONCE + CHUNK + TAG


class SealError(Exception):
    """A sealed object is damaged or was not written by this format."""


def key_path(app=None) -> Path:
    from flask import current_app

    app = app or current_app
    configured = app.config.get("MEDIA_KEY_FILE")
    return Path(configured) if configured else Path(app.config["DATA_DIR"]) / "keys" / "media.key"


def media_key(app=None) -> bytes:
    """The 256-bit media key, created (mode 600) on first use."""
    path = key_path(app)
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


def chunks_for(size: int) -> int:
    return max(1, -(-size // CHUNK))


def sealed_size(plain: int) -> int:
    return HEADER + plain + chunks_for(plain) * (NONCE + TAG)


def plain_size(sealed: int) -> int:
    """Plaintext bytes of a sealed object of `sealed` bytes."""
    chunks = max(1, -(-(sealed - HEADER) // BLOCK))
    return sealed - HEADER - chunks * (NONCE + TAG)


def encrypt_file(src: Path, dest: Path, key: bytes) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes = AESGCM(key)
    size = Path(src).stat().st_size
    chunks = chunks_for(size)
    with open(src, "rb") as fin, open(dest, "wb") as fout:
        fout.write(MAGIC + struct.pack(">I", CHUNK))
        for index in range(chunks):
            plain = fin.read(CHUNK)
            nonce = os.urandom(NONCE)
            fout.write(nonce + aes.encrypt(nonce, plain, _aad(index, index == chunks - 1)))


def seal_bytes(plain: bytes, key: bytes | None = None) -> bytes:
    """The sealed form of a small plaintext held in memory (it never touches the disk in the clear)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes = AESGCM(key or media_key())
    chunks = chunks_for(len(plain))
    out = [MAGIC + struct.pack(">I", CHUNK)]
    for index in range(chunks):
        nonce = os.urandom(NONCE)
        out.append(nonce + aes.encrypt(nonce, plain[index * CHUNK:(index + 1) * CHUNK], _aad(index, index == chunks - 1)))
    return b"".join(out)


def decrypt_stream(store, object_key: str, size: int, start: int = 0, end: int | None = None,
                   key: bytes | None = None) -> Iterator[bytes]:
    """Yield plaintext bytes [start, end] (inclusive) of a sealed object of `size` plaintext bytes,
    with one ranged read covering only the chunks needed."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes = AESGCM(key or media_key())
    end = size - 1 if end is None else min(end, size - 1)
    if size == 0 or start > end:
        return
    chunks = chunks_for(size)
    with store.open_range(object_key, 0, HEADER - 1) as body:
        header = body.read(HEADER)
    if header[: len(MAGIC)] != MAGIC or struct.unpack(">I", header[len(MAGIC):])[0] != CHUNK:
        raise SealError("This stored file is damaged.")
    first, last = start // CHUNK, end // CHUNK
    with store.open_range(object_key, HEADER + first * BLOCK, HEADER + (last + 1) * BLOCK - 1) as body:
        for index in range(first, last + 1):
            blob = _read_exactly(body, BLOCK if index < chunks - 1 else NONCE + TAG + size - index * CHUNK)
            plain = aes.decrypt(blob[:NONCE], blob[NONCE:], _aad(index, index == chunks - 1))
            lo = start - index * CHUNK if index == first else 0
            hi = end - index * CHUNK + 1 if index == last else len(plain)
            yield plain[lo:hi]


def _read_exactly(body, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        piece = body.read(n - got)
        if not piece:
            raise SealError("This stored file is cut short.")
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def put_sealed(store, object_key: str, src: Path, tmp_dir: Path, key: bytes | None = None) -> int:
    """Encrypt the plaintext file `src` and put it at `object_key`; returns its plaintext size."""
    sealed = Path(tmp_dir) / f"sealed-{secrets.token_hex(8)}"
    try:
        encrypt_file(src, sealed, key or media_key())
        store.put_file(object_key, sealed)
    finally:
        sealed.unlink(missing_ok=True)
    return Path(src).stat().st_size


def sealed_plain_size(store, object_key: str) -> int | None:
    size = store.size(object_key)
    return None if size is None else plain_size(size)


def iter_sealed(store, object_key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
    """Plaintext of a sealed object (its size read from the store), decrypted as it is read."""
    size = sealed_plain_size(store, object_key)
    if size is None:
        raise SealError(f"No stored object {object_key}")
    return decrypt_stream(store, object_key, size, start, end, media_key())


@contextmanager
def plain_copy(store, object_key: str, tmp_dir: Path, size: int | None = None, suffix: str = "") -> Iterator[Path]:
    """A plaintext copy of a sealed object under tmp_dir (mode 600), deleted when the block ends."""
    size = sealed_plain_size(store, object_key) if size is None else size
    if size is None:
        raise SealError(f"No stored object {object_key}")
    target = Path(tmp_dir) / f"plain-{secrets.token_hex(8)}{suffix}"
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            for block in decrypt_stream(store, object_key, size, key=media_key()):
                fh.write(block)
        yield target
    finally:
        target.unlink(missing_ok=True)


def write_plain(store, object_key: str, dest: Path) -> int:
    """Decrypt a sealed object into `dest` (mode 600); returns its plaintext size."""
    size = sealed_plain_size(store, object_key)
    if size is None:
        raise SealError(f"No stored object {object_key}")
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        for block in decrypt_stream(store, object_key, size, key=media_key()):
            fh.write(block)
    return size
