"""Crypto-shredding: story words sealed under a key of the story's own, kept apart from the rows.

Every story has a random 256-bit data key. It lives in the media store (core/storage.py: the data
folder or a bucket), never in the database, at `keys/stories/<key id>`, itself sealed with the media
key (which is in neither). Columns that hold a story's words (core/sealed_columns.py) keep

    VERSION (1 byte) || key id (16 bytes) || nonce (12 bytes) || AES-256-GCM ciphertext and tag

so a value names the key it needs; the version and key id are the associated data. Erasing a story
deletes its key after the commit: whatever copies of the rows PostgreSQL still holds in table
files, WAL or a base backup are then ciphertext nobody can open.

Keys are cached per process (one unsealing per story per process, one AES-GCM object per key); an
erasure drops the key from this process's cache, and other processes' cached keys only open rows
that no longer exist.
"""
from __future__ import annotations

import os
import secrets
import threading
from collections import OrderedDict

from flask import current_app, has_app_context

from core.storage import StorageError, storage

VERSION = b"\x01"
KEY_MAGIC = b"SLSKEY1"
KEY_PREFIX = "keys/stories"
NONCE = 12
HEADER = len(VERSION) + 16 + NONCE
CACHE_SIZE = 20000

_cache: OrderedDict[tuple, object] = OrderedDict()  # (store object, key id) -> AES-GCM
_lock = threading.Lock()


class KeyDestroyed(Exception):
    """The story's key is gone (the story was erased): its words cannot be read any more."""


def key_object(key_id: str) -> str:
    """The media-store key of a story key."""
    return f"{KEY_PREFIX}/{check_key_id(key_id)}"


def _is_key_id(key_id) -> bool:
    return isinstance(key_id, str) and len(key_id) == 32 and all(c in "0123456789abcdef" for c in key_id)


def check_key_id(key_id: str) -> str:
    if not _is_key_id(key_id):
        raise ValueError(f"Not a story key id: {key_id!r}")
    return key_id


def _store():
    app = current_app._get_current_object()
    return app.extensions.get("storage") or storage(app)


def _aesgcm(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def _remember(key_id: str, cipher, store=None) -> None:
    slot = (store or _store(), key_id)
    with _lock:
        _cache[slot] = cipher
        _cache.move_to_end(slot)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def create_key() -> str:
    """A new story key, put (sealed with the media key) in the media store; returns its id."""
    from core.sealed import media_key

    store = _store()
    key_id, data_key, nonce = secrets.token_hex(16), secrets.token_bytes(32), os.urandom(NONCE)
    sealed = _aesgcm(media_key()).encrypt(nonce, data_key, KEY_MAGIC + key_id.encode())
    store.put_bytes(key_object(key_id), KEY_MAGIC + nonce + sealed)
    _remember(key_id, _aesgcm(data_key), store)
    return key_id


def _outside_app(key_id: str):
    """Opening a row outside any app context (an object refreshed after its context ended): only a
    key this process already holds will do."""
    with _lock:
        found = [cipher for (_, kid), cipher in _cache.items() if kid == key_id]
    if not found:
        raise KeyDestroyed(f"The key {key_id} is not loaded and there is no app to load it from.")
    return found[-1]


def _cipher(key_id: str):
    if not has_app_context():
        return _outside_app(key_id)
    store = _store()
    cipher = _cache.get((store, key_id))  # a dict read is atomic; writes take the lock
    if cipher is not None:
        return cipher
    from core.sealed import media_key

    try:
        blob = store.read_bytes(key_object(key_id))
    except (StorageError, FileNotFoundError) as exc:
        raise KeyDestroyed(f"The key {key_id} is gone: its story was erased.") from exc
    if not blob.startswith(KEY_MAGIC):
        raise KeyDestroyed(f"The stored key {key_id} is damaged.")
    body = blob[len(KEY_MAGIC):]
    data_key = _aesgcm(media_key()).decrypt(body[:NONCE], body[NONCE:], KEY_MAGIC + key_id.encode())
    cipher = _aesgcm(data_key)
    _remember(key_id, cipher, store)
    return cipher


def seal_bytes(key_id: str, plain: bytes) -> bytes:
    head = VERSION + bytes.fromhex(check_key_id(key_id))
    nonce = os.urandom(NONCE)
    return head + nonce + _cipher(key_id).encrypt(nonce, plain, head)


def is_sealed(value) -> bool:
    return isinstance(value, (bytes, bytearray, memoryview)) and len(value) >= HEADER + 16 \
        and bytes(value[:1]) == VERSION


def key_id_of(blob: bytes) -> str:
    return bytes(blob[1:17]).hex()


def open_bytes(blob: bytes) -> bytes:
    """The plaintext of a sealed value; KeyDestroyed once its story's key is gone."""
    blob = bytes(blob)
    if not is_sealed(blob):
        raise ValueError("Not a sealed value.")
    head, nonce = blob[:17], blob[17:HEADER]
    return _cipher(key_id_of(blob)).decrypt(nonce, blob[HEADER:], head)


def destroy_key(key_id: str | None, *, erased: bool = False) -> None:
    """Delete a story key from the store (every version of it) and from this process's cache.

    `erased`: the story itself was erased; its key id goes on the list beside the media key, so a
    restore of a backup made before the erasure destroys the key (and the story) again."""
    if not key_id:
        return
    store = _store()
    if erased:
        _note_erased(key_id)
    store.delete(key_object(key_id))
    with _lock:
        _cache.pop((store, key_id), None)


def sweep_unused(in_use: set[str], max_age_seconds: int = 24 * 3600) -> int:
    """Delete stored keys that no story names and that are older than `max_age_seconds` (a story
    whose creation rolled back leaves its key; a younger key may belong to a transaction still open).
    Returns how many went."""
    from datetime import datetime, timedelta, timezone

    store = _store()
    cutoff = datetime.now(timezone.utc) - timedelta(seconds=max_age_seconds)
    removed = 0
    for stored in store.list(KEY_PREFIX):
        key_id = stored.key.rsplit("/", 1)[-1]
        if key_id not in in_use and stored.modified < cutoff and _is_key_id(key_id):
            destroy_key(key_id)
            removed += 1
    return removed


ERASED_LIST = "erased-story-keys"


def erased_list_path(app=None):
    """Beside the media key (outside the database, the store and every archive): one key id a line."""
    from core.sealed import key_path

    return key_path(app).parent / ERASED_LIST


def _note_erased(key_id: str) -> None:
    if key_id in erased_key_ids():
        return
    path = erased_list_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, (check_key_id(key_id) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def erased_key_ids(app=None) -> set[str]:
    """Key ids of every story erased on this site (ids only: random, they say nothing of a story)."""
    path = erased_list_path(app)
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def forget_cached_keys() -> None:
    with _lock:
        _cache.clear()
