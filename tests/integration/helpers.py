"""Helpers for the cross-domain tests: audit counts and a world of stories, themes and a workshop."""
from __future__ import annotations

from sqlalchemy import func, select

from audit.models import AuditEntry
from extensions import db


def audit_count(action: str, object_id=None) -> int:
    stmt = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action)
    if object_id is not None:
        stmt = stmt.where(AuditEntry.object_id == str(object_id))
    return db.session.scalar(stmt)


def user(ref):
    from accounts.models import User

    return db.session.get(User, ref.id)


def discovery_job(facilitator):
    """A new theme run and its queued `themes.discover` Job, committed; returns (run, job)."""
    from jobs.models import Job
    from themes import services as themes

    run = themes._new_run([], 2, facilitator, {})
    job = Job(kind="themes.discover", subject_type="theme_run", subject_id=run.id, params={"run_id": run.id})
    db.session.add(job)
    db.session.commit()
    return run, job
