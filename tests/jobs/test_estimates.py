"""The time left shown for a running job never grows: it comes from the measured speed, and when
the job is slower than first measured the estimate is held, then says "working" instead of rising."""
from __future__ import annotations

from datetime import datetime, timedelta

from jobs.estimate import next_finish, shown_seconds

T0 = datetime(2026, 12, 2, 9, 0, 0)


def _shown(reports: list[tuple[float, int]], polls_per_report: int = 3) -> list[int | None]:
    """What a page polling between reports would show, for (seconds since start, percent) reports."""
    finish, shown = None, []
    for k, (at, percent) in enumerate(reports):
        now = T0 + timedelta(seconds=at)
        finish = next_finish(finish, T0, now, percent)
        later = reports[k + 1][0] if k + 1 < len(reports) else at + 5
        for step in range(polls_per_report):
            shown.append(shown_seconds(finish, now + timedelta(seconds=(later - at) * step / polls_per_report)))
    return shown


def _never_grows(values):
    numbers, seen_working_after_number = [], False
    for v in values:
        if v is None:
            seen_working_after_number = bool(numbers)
            continue
        assert not seen_working_after_number, f"a number came back after 'working': {values}"
        numbers.append(v)
    assert all(a >= b for a, b in zip(numbers, numbers[1:])), values
    return numbers


def test_a_steady_job_counts_down_from_its_measured_speed():
    numbers = _never_grows(_shown([(s, s) for s in range(5, 100, 5)]))  # 1 % a second
    assert 90 <= numbers[0] <= 96 and numbers[-1] <= 6


def test_a_stall_and_a_slow_down_never_make_the_time_left_grow():
    reports = [(5, 10), (10, 20), (15, 30), (40, 31), (80, 32), (85, 40), (90, 60), (95, 90)]
    shown = _shown(reports)
    _never_grows(shown)
    assert shown[-1] is None or shown[-1] <= 5  # old arithmetic said 40 s left at 32 % after 80 s: growing


def test_a_job_that_cannot_estimate_yet_says_working():
    assert shown_seconds(next_finish(None, T0, T0 + timedelta(seconds=0.5), 50), T0) is None  # too soon to measure
    assert shown_seconds(next_finish(None, T0, T0 + timedelta(seconds=30), 0), T0 + timedelta(seconds=30)) is None


def test_the_old_arithmetic_grew_during_a_stall():
    """The estimate these replace (elapsed x left / done) rises while progress stands still."""
    def old(at, percent):
        return at * (100 - percent) / percent
    assert old(80, 31) > old(15, 30)


def test_a_jobs_reported_progress_gives_a_time_left_that_never_grows(app_context):
    """Through the Job row the worker writes and the API reads (Job.record_progress / eta_seconds)."""
    from extensions import db
    from jobs.models import Job

    job = Job(kind="stories.transcribe", status="running", started_at=T0)
    db.session.add(job)
    db.session.flush()
    shown = []
    for at, percent in [(5, 10), (10, 20), (15, 30), (40, 31), (80, 32), (85, 40), (95, 90)]:
        now = T0 + timedelta(seconds=at)
        job.record_progress(percent, "Typing up", now=now)
        shown += [job.eta_seconds(now), job.eta_seconds(now + timedelta(seconds=2))]
    _never_grows(shown)
    assert shown[0] is not None and shown[0] > 30
    job.status = "succeeded"
    assert job.eta_seconds(T0) is None
