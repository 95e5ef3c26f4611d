"""Job kinds and the functions that run them.

Each domain's `tasks.py` registers its handlers with `@handles("kind")`. A
handler receives the Job row and a `report(percent, message)` callable. The
worker imports every domain's `tasks` module; the web process only ever names kinds.
"""
from __future__ import annotations

from typing import Callable

from core.modules import optional_import

_handlers: dict[str, Callable] = {}


def handles(kind: str):
    def register(func):
        _handlers[kind] = func
        return func

    return register


def load_handlers() -> dict[str, Callable]:
    from app import DOMAINS

    for domain in DOMAINS:
        optional_import(f"{domain}.tasks")
    return _handlers


def handler_for(kind: str) -> Callable:
    load_handlers()
    try:
        return _handlers[kind]
    except KeyError:
        raise LookupError(f"no handler for job kind {kind!r}") from None


def find_handler(kind: str) -> Callable | None:
    load_handlers()
    return _handlers.get(kind)
