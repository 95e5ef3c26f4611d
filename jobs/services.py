"""Creating jobs, putting them on the queue, and recovering from dead workers."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from jobs.models import Job
from jobs.queue import enqueue_job_id
from jobs.registry import queue_for
from ops.logs import current_request_id


def start_job(kind: str, *, story_id=None, subject_type="", subject_id=None, params=None, user=None) -> Job:
    """Create a queued Job row, commit it, and put its id on the queue."""
    job = Job(
        kind=kind,
        story_id=story_id,
        subject_type=subject_type,
        subject_id=subject_id,
        params=params or {},
        created_by_id=getattr(user, "id", None),
        request_id=current_request_id(),
    )
    db.session.add(job)
    db.session.commit()
    _enqueue(job)
    db.session.refresh(job)
    return job


def _enqueue(job: Job) -> None:
    enqueue_job_id(current_app._get_current_object(), job.id, queue_for(job.kind))


def start_periodic_job(kind: str, now=None) -> Job | None:
    """Create and queue this minute's job of periodic `kind`, unless another
    worker already did (the slot key is unique); returns the job or None."""
    slot = (now or utcnow()).strftime("%Y-%m-%dT%H:%M")
    job = Job(kind=kind, params={"slot": slot}, slot_key=f"{kind}@{slot}", message="Queued by the schedule")
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return None
    _enqueue(job)
    return job


def retry_job(job: Job, user=None) -> Job:
    """Queue a failed job again, keeping its history in the audit log."""
    if job.status not in ("failed", "cancelled"):
        raise ValueError("Only a failed job can be retried.")
    job.status = "queued"
    job.progress = 0
    job.error = job.error_detail = ""
    job.message = "Queued again"
    job.finished_at = None
    record("job.retried", job, summary=f"{job.kind} queued again", actor=user)
    db.session.commit()
    _enqueue(job)
    return job


def latest_job(kind: str, story_id=None, subject_type="", subject_id=None) -> Job | None:
    stmt = select(Job).where(Job.kind == kind).order_by(Job.id.desc()).limit(1)
    if story_id is not None:
        stmt = stmt.where(Job.story_id == story_id)
    if subject_id is not None:
        stmt = stmt.where(Job.subject_type == subject_type, Job.subject_id == subject_id)
    return db.session.scalars(stmt).first()


def requeue_stale_jobs() -> list[int]:
    """Find running jobs whose worker stopped reporting, and queue them again.

    A worker killed mid-job leaves its row "running" with an old heartbeat.
    After `JOB_MAX_ATTEMPTS` tries the job is marked failed instead.
    """
    lease = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    cutoff = utcnow() - lease
    stale = db.session.scalars(
        select(Job).where(Job.status == "running", Job.heartbeat_at < cutoff).with_for_update(skip_locked=True)
    ).all()
    requeued = []
    for job in stale:
        if job.attempts >= current_app.config["JOB_MAX_ATTEMPTS"]:
            job.status = "failed"
            job.error = f"The worker stopped {job.attempts} times while doing this job."
            job.finished_at = utcnow()
        else:
            job.status = "queued"
            job.message = "The worker stopped; queued again"
            requeued.append(job.id)
    db.session.commit()
    for job in stale:
        if job.status == "queued":
            _enqueue(job)
    return requeued
