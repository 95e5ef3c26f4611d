"""Time left for a running job, from its measured speed, that never grows.

The plain estimate (time so far x what is left / what is done) rises whenever progress stalls:
a page said "2 min left", then "3 min left". Here each report gives a predicted finish time
from the speed measured so far, and the job keeps the earliest one it was ever given. The time
shown is that finish minus now, so it only counts down; if the job runs past it, the page says
"working" rather than raise the number again.
"""
from __future__ import annotations

from datetime import datetime, timedelta

MIN_PROGRESS = 1  # percent done before a speed can be measured
MIN_ELAPSED_S = 2.0  # the first second is start-up, not speed


def measured_seconds_left(started_at: datetime, now: datetime, progress: int) -> float | None:
    """Seconds left at the speed measured since the start; None while nothing can be measured."""
    elapsed = (now - started_at).total_seconds()
    if progress < MIN_PROGRESS or progress >= 100 or elapsed < MIN_ELAPSED_S:
        return None
    return elapsed * (100 - progress) / progress


def next_finish(previous: datetime | None, started_at: datetime, now: datetime, progress: int) -> datetime | None:
    """The predicted finish after a progress report: never later than the one given before."""
    left = measured_seconds_left(started_at, now, progress)
    if left is None:
        return previous
    candidate = now + timedelta(seconds=left)
    return candidate if previous is None or candidate < previous else previous


def shown_seconds(finish: datetime | None, now: datetime) -> int | None:
    """Whole seconds left to show, or None ("working") when there is no estimate or the job ran past it."""
    if finish is None:
        return None
    left = (finish - now).total_seconds()
    return int(round(left)) if left >= 1 else None
