"""Running one job inside a worker: status, progress, heartbeat, errors."""
from __future__ import annotations

import os
import socket
import threading
import traceback

from flask import current_app
from sqlalchemy import update

from core import scratch
from core.timeutil import utcnow
from extensions import db
from jobs.models import Job
from jobs.registry import find_handler, handler_for


class JobError(Exception):
    """A failure with a message meant for the person who started the job."""


UNEXPECTED = "Something went wrong while doing this. An admin can see what happened and try it again."


def _heartbeat(app, job_id: int, stop: threading.Event, every: float) -> None:
    # A separate connection, so the heartbeat goes on while the job's own
    # transaction is busy (e.g. during a long model call).
    with app.app_context():
        while not stop.wait(every):
            try:
                with db.engine.begin() as conn:
                    conn.execute(update(Job).where(Job.id == job_id, Job.status == "running").values(heartbeat_at=utcnow()))
            except Exception:  # a missed beat is not fatal; the lease allows several
                current_app.logger.warning("heartbeat for job %s failed", job_id, exc_info=True)


def run_job(job_id: int) -> str:
    """Run job `job_id` to the end; returns its final status."""
    job = db.session.get(Job, job_id)
    if job is None or job.status not in ("queued",):
        return job.status if job else "missing"
    job.status = "running"
    job.attempts += 1
    job.started_at = job.heartbeat_at = utcnow()
    job.finish_estimate = None  # a new attempt measures its own speed
    job.worker = f"{socket.gethostname()}:{os.getpid()}"
    job.message = "Started"
    db.session.commit()

    def report(percent: int, message: str = "") -> None:
        job.record_progress(percent, message)
        db.session.commit()

    app = current_app._get_current_object()
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(app, job_id, stop, max(1.0, app.config["JOB_LEASE_SECONDS"] / 4)), daemon=True
    )
    beat.start()
    scratch_token = scratch.set_job(job_id)  # plaintext scratch made by this job carries its id
    try:
        result = handler_for(job.kind)(job, report)
        db.session.refresh(job)
        job.status = "succeeded"
        job.progress = 100
        job.result = result if isinstance(result, dict) else None
        job.message = job.message if job.message and job.message != "Started" else "Done"
    except Exception as exc:  # every failure is recorded on the row, never lost
        db.session.rollback()
        job = db.session.get(Job, job_id)
        job.status = "failed"
        job.error = str(exc) if isinstance(exc, JobError) else UNEXPECTED
        job.error_detail = f"{type(exc).__name__}: {exc}"[:4000]
        current_app.logger.error("job %s (%s) failed\n%s", job_id, job.kind, traceback.format_exc())
        on_failure = getattr(find_handler(job.kind), "on_failure", None)
        if on_failure:
            on_failure(job, job.error)
    finally:
        stop.set()
        scratch.reset_job(scratch_token)
        scratch.sweep(scratch.folders(), job_id=job_id)  # whatever the job left, finished or failed
    job.finished_at = utcnow()
    db.session.commit()
    return job.status
