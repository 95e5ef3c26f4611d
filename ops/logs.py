"""Structured logs: JSON lines when LOG_FORMAT=json, every line with the request id.

A request takes the caller's `X-Request-ID` (when it looks like one) or makes one, sends it
back in the response, stores it on any job it starts (`Job.request_id`), and the worker
binds it again while it runs that job, so one id joins the page, the queue and the worker.
Log lines carry ids, routes, statuses and timings — never a story's words: no request
bodies, no query strings, no transcript text.
"""
from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from flask import g, request

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
job_id_var: ContextVar[int | None] = ContextVar("job_id", default=None)
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_FIELDS = ("method", "route", "status", "duration_ms", "kind", "outcome", "worker")


def current_request_id() -> str:
    return request_id_var.get()


class ContextFilter(logging.Filter):
    """Adds request_id and job_id to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.job_id = job_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or None,
            "job_id": getattr(record, "job_id", None),
        }
        for field in _FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["error"] = record.exc_info[0].__name__ if record.exc_info[0] else None
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


_installed_format: list[str] = []


def configure_logging(fmt: str) -> None:
    """One stderr handler on the root logger, JSON or plain, with the context filter (once per process)."""
    if _installed_format == [fmt]:
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_storyloom", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._storyloom = True
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    _installed_format[:] = [fmt]


def install_logging(app) -> None:
    fmt = str(app.config.get("LOG_FORMAT") or "text").lower()
    if fmt == "json" or app.config.get("LOG_STRUCTURED", not app.testing):
        configure_logging(fmt)
        from flask.logging import default_handler

        app.logger.removeHandler(default_handler)  # the root handler prints it, once
    requests_log = logging.getLogger("storyloom.requests")

    @app.before_request
    def _bind_request_id():
        offered = request.headers.get("X-Request-ID", "")
        rid = offered if _VALID_ID.match(offered) else secrets.token_hex(8)
        g.request_id = rid
        g.request_started = time.perf_counter()
        request_id_var.set(rid)

    @app.after_request
    def _log_request(response):
        rid = g.get("request_id")
        if rid:
            response.headers["X-Request-ID"] = rid
            ms = round((time.perf_counter() - g.request_started) * 1000, 1)
            route = request.url_rule.rule if request.url_rule else "(unmatched)"
            requests_log.info("%s %s %s", request.method, route, response.status_code,
                              extra={"method": request.method, "route": route, "status": response.status_code,
                                     "duration_ms": ms})
        return response

    @app.teardown_request
    def _unbind(_exc=None):
        request_id_var.set("")


@contextmanager
def job_context(job_id: int):
    """Bind the job's id and the request id that started it while a worker runs it; log start and end."""
    from extensions import db
    from jobs.models import Job

    job = db.session.get(Job, job_id)
    rid_token = request_id_var.set(getattr(job, "request_id", "") or "")
    job_token = job_id_var.set(job_id)
    log = logging.getLogger("storyloom.jobs")
    kind = job.kind if job else "?"
    started = time.perf_counter()
    log.info("job %s started", kind, extra={"kind": kind})
    try:
        yield
    finally:
        outcome = db.session.get(Job, job_id)
        log.info("job %s %s", kind, outcome.status if outcome else "gone",
                 extra={"kind": kind, "outcome": outcome.status if outcome else "gone",
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
        request_id_var.reset(rid_token)
        job_id_var.reset(job_token)
