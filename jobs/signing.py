"""What travels on the queue: signed JSON, never a pickle.

Huey pickles its messages by default, so anyone who can write to the broker
(Redis reachable from another machine, a writable queue.db) could make every
worker run code of their choosing. Here a message is a small JSON document —
the task name and plain arguments (a job id) — followed by an HMAC-SHA256 of
it. A worker checks the signature before it parses anything, accepts only the
task names it registered and only numbers, text and lists as arguments, and
logs and drops everything else.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging

from huey.registry import Message
from huey.serializer import Serializer

log = logging.getLogger("storyloom.queue")
SEPARATOR = b"."
PLAIN_TYPES = (int, float, str, bool, type(None))


class RefusedMessage(ValueError):
    """A queue message that is not signed by us or not shaped like our messages."""


def queue_key(secret: str) -> bytes:
    """The signing key: derived from the configured secret, never the secret itself."""
    return hmac.new(secret.encode(), b"storyloom queue signing v1", hashlib.sha256).digest()


def _plain(value, depth: int = 0):
    if isinstance(value, PLAIN_TYPES):
        return value
    if isinstance(value, (list, tuple)) and depth < 3:
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, dict) and depth < 3:
        return {str(k): _plain(v, depth + 1) for k, v in value.items()}
    raise TypeError(f"only plain values travel on the queue, not {type(value).__name__}")


def _when(value):
    return value.isoformat() if isinstance(value, dt.datetime) else None


class SignedJSONSerializer(Serializer):
    """Huey serializer: JSON + HMAC. `allowed_names` is filled as tasks register."""

    def __init__(self, key: bytes, allowed_names: set[str]):
        super().__init__()
        self.key = key
        self.allowed_names = allowed_names

    def _sign(self, body: bytes) -> bytes:
        return hmac.new(self.key, body, hashlib.sha256).hexdigest().encode()

    def _serialize(self, data) -> bytes:
        if isinstance(data, Message):
            if data.on_complete or data.on_error or data.chord_config:
                raise TypeError("pipelines and chords are not used by Storyloom")
            document = {"m": {"id": data.id, "name": data.name, "eta": _when(data.eta),
                              "retries": data.retries or 0, "retry_delay": data.retry_delay or 0,
                              "priority": data.priority, "args": _plain(list(data.args or ())),
                              "kwargs": _plain(dict(data.kwargs or {})), "timeout": data.timeout}}
        else:  # task results and Huey's own bookkeeping values
            document = {"v": _plain(data)}
        body = json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
        return body + SEPARATOR + self._sign(body)

    def _deserialize(self, data: bytes):
        try:
            return self._check(data)
        except RefusedMessage as exc:
            log.warning("dropped a queue message: %s (%d bytes)", exc, len(data or b""))
            raise

    def _check(self, data: bytes):
        if not isinstance(data, (bytes, bytearray)) or SEPARATOR not in data:
            raise RefusedMessage("not a signed message")
        body, signature = bytes(data).rsplit(SEPARATOR, 1)
        if not hmac.compare_digest(signature, self._sign(body)):
            raise RefusedMessage("bad signature")
        try:
            document = json.loads(body)
        except ValueError:
            raise RefusedMessage("not JSON") from None
        if not isinstance(document, dict):
            raise RefusedMessage("not a message")
        if "v" in document:
            return document["v"]
        message = document.get("m")
        if not isinstance(message, dict) or message.get("name") not in self.allowed_names:
            raise RefusedMessage("unknown task")
        if not all(isinstance(a, PLAIN_TYPES) for a in message.get("args") or []):
            raise RefusedMessage("arguments must be plain values")
        eta = message.get("eta")
        return Message(
            id=str(message.get("id")), name=message["name"],
            eta=dt.datetime.fromisoformat(eta) if eta else None,
            retries=int(message.get("retries") or 0), retry_delay=int(message.get("retry_delay") or 0),
            priority=message.get("priority"), args=tuple(message.get("args") or ()),
            kwargs=dict(message.get("kwargs") or {}), timeout=message.get("timeout"),
        )
