"""Job kinds and the functions that run them.

Each domain's `tasks.py` registers its handlers with `@handles("kind")`. A
handler receives the Job row and a `report(percent, message)` callable. The
worker imports `TASK_MODULES`; the web process only ever names kinds.
"""
from __future__ import annotations

import importlib
from typing import Callable

TASK_MODULES = ("jobs.tasks", "stories.tasks", "themes.tasks", "workshops.tasks", "governance.tasks")

_handlers: dict[str, Callable] = {}


def handles(kind: str):
    def register(func):
        _handlers[kind] = func
        return func

    return register


def load_handlers() -> dict[str, Callable]:
    for name in TASK_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A domain without tasks yet is fine; a missing dependency inside one is not.
            if not (name == exc.name or name.startswith(f"{exc.name}.")):
                raise
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
