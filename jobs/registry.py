"""Job kinds and the functions that run them.

Each domain's `tasks.py` registers its handlers with `@handles("kind")`
(`queue="heavy"` for work that holds a large model for minutes) and declares
its periodic work with `@periodic("kind", crontab(...))`: a periodic job runs
as an ordinary, visible Job row on the light queue, created once per time slot
however many workers are running. A handler receives the Job row and a
`report(percent, message)` callable. The worker imports every domain's `tasks`
module; the web process only ever names kinds.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from core.modules import optional_import

_handlers: dict[str, Callable] = {}
_queues: dict[str, str] = {}
_periodic: dict[str, "PeriodicJob"] = {}


@dataclass(frozen=True)
class PeriodicJob:
    kind: str
    schedule: Callable  # a huey crontab(...)
    description: str


def handles(kind: str, queue: str = "light"):
    if queue not in ("heavy", "light"):
        raise ValueError(f"queue must be heavy or light, not {queue!r}")

    def register(func):
        _handlers[kind] = func
        _queues[kind] = queue
        return func

    return register


def periodic(kind: str, schedule):
    """Declare `kind` as periodic work run on `schedule` (a huey `crontab`); also its handler."""

    def register(func):
        handles(kind)(func)
        _periodic[kind] = PeriodicJob(kind, schedule, (func.__doc__ or "").strip().split("\n")[0])
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


def queue_for(kind: str) -> str:
    """"heavy" or "light"; an unknown kind goes to light (where it fails visibly)."""
    load_handlers()
    return _queues.get(kind, "light")


def periodic_jobs() -> list[PeriodicJob]:
    load_handlers()
    return list(_periodic.values())
