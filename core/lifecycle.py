"""Sending a lifecycle signal (core/signals.py: a story's or a person's) inside one transaction.

`announce` runs every domain's receivers (they flush, never commit) and
returns what they left for after the commit; the caller commits once and then
calls `after_commit`. A receiver that raises makes the caller roll back: the
change lands in every domain or in none.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Leftovers:
    files: list = field(default_factory=list)       # media-store keys to delete once the change is committed
    callbacks: list = field(default_factory=list)   # work to run once it is committed (queue a rebuild…)


def announce(signal, sender_id: int, *, actor=None) -> Leftovers:
    left = Leftovers()
    signal.send(int(sender_id), actor=actor, files=left.files, after_commit=left.callbacks)
    return left


def after_commit(left: Leftovers) -> None:
    """Delete the objects the receivers left (every version, where the store keeps versions), then run the callbacks."""
    from core.storage import storage

    store = storage() if left.files else None
    for key in left.files:
        store.delete(key)
    for callback in left.callbacks:
        callback()
