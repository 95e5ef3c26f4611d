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
