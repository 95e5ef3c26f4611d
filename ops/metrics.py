"""Prometheus metrics at /metrics.

Requests (by route, method and status, with latency) are counted in the process that
served them; with several gunicorn workers set PROMETHEUS_MULTIPROC_DIR to a shared empty
folder and every worker's counts are added up. Jobs, queue depth and audio hours are read
from the database when scraped, so they are the same whichever web process answers and
cover every worker machine.
"""
from __future__ import annotations

import os
import threading
import time

from flask import g, request

_REGISTRY = {}
_MAKING = threading.Lock()  # the first requests of a process may arrive together on several threads


def _request_metrics():
    if not _REGISTRY:
        with _MAKING:
            if not _REGISTRY:
                _REGISTRY.update(_make_request_metrics())
    return _REGISTRY


def _make_request_metrics() -> dict:
    from prometheus_client import Counter, Histogram

    return {
        "requests": Counter("storyloom_http_requests_total", "HTTP requests answered", ["route", "method", "status"]),
        "latency": Histogram("storyloom_http_request_duration_seconds", "Time to answer a request", ["route", "method"],
                             buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)),
    }


def install_request_metrics(app) -> None:
    @app.before_request
    def _start_clock():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def _count(response):
        started = g.get("metrics_started")
        if started is not None:
            route = request.url_rule.rule if request.url_rule else "(unmatched)"
            metrics = _request_metrics()
            metrics["requests"].labels(route, request.method, str(response.status_code)).inc()
            metrics["latency"].labels(route, request.method).observe(time.perf_counter() - started)
        return response


class DatabaseCollector:
    """Jobs by kind and status, job durations, queue depth and audio hours, read at scrape time."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
        from sqlalchemy import func, select

        from extensions import db
        from jobs.models import Job

        with self.app.app_context():
            jobs = GaugeMetricFamily("storyloom_jobs", "Jobs by kind and status (queued, running, failed…)",
                                     labels=["kind", "status"])
            for kind, status, count in db.session.execute(
                    select(Job.kind, Job.status, func.count()).group_by(Job.kind, Job.status)):
                jobs.add_metric([kind, status], count)
            yield jobs
            seconds = CounterMetricFamily("storyloom_job_duration_seconds", "Time spent on finished jobs",
                                          labels=["kind"])
            finished = CounterMetricFamily("storyloom_jobs_finished", "Finished jobs", labels=["kind"])
            rows = db.session.execute(select(Job.kind, Job.started_at, Job.finished_at).where(
                Job.finished_at.is_not(None), Job.started_at.is_not(None))).all()
            totals: dict[str, list[float]] = {}
            for kind, started, ended in rows:
                totals.setdefault(kind, []).append(max(0.0, (ended - started).total_seconds()))
            for kind, values in sorted(totals.items()):
                seconds.add_metric([kind], sum(values))
                finished.add_metric([kind], len(values))
            yield seconds
            yield finished
            depth = GaugeMetricFamily("storyloom_queue_depth", "Jobs waiting on the queue")
            depth.add_metric([], queue_depth(self.app))
            yield depth
            hours = CounterMetricFamily("storyloom_audio_hours_transcribed", "Hours of audio transcribed")
            hours.add_metric([], audio_hours_transcribed())
            yield hours
            db.session.remove()


def queue_depth(app) -> int:
    """Messages waiting on the queue (Huey), or queued Job rows when the queue cannot say."""
    from sqlalchemy import func, select

    from extensions import db
    from jobs.models import Job

    try:
        from jobs.queue import QUEUES, get_huey

        return sum(int(get_huey(app, queue).pending_count()) for queue in QUEUES)
    except Exception:
        return int(db.session.scalar(select(func.count()).select_from(Job).where(Job.status == "queued")) or 0)


def audio_hours_transcribed() -> float:
    from sqlalchemy import func, select

    from extensions import db
    from jobs.models import Job
    from stories.models import Story

    done = select(Job.story_id).where(Job.kind == "stories.transcribe", Job.status == "succeeded").distinct()
    seconds = db.session.scalar(select(func.coalesce(func.sum(Story.duration_s), 0)).where(Story.id.in_(done)))
    return round(float(seconds or 0) / 3600, 4)


def render_metrics(app) -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client import REGISTRY as DEFAULT

    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(DEFAULT)
    db_registry = CollectorRegistry()
    db_registry.register(DatabaseCollector(app))
    return body + generate_latest(db_registry), CONTENT_TYPE_LATEST
