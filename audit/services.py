"""Writing and reading the audit log."""
from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from audit.models import AuditEntry
from extensions import db


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


def record(action: str, obj=None, *, summary: str = "", before=None, after=None, actor=None,
           object_type: str | None = None, object_id=None) -> AuditEntry:
    """Add an audit entry to the current transaction (the caller commits).

    `obj` is any model instance with an `id`; its table name becomes the object type.
    `actor` defaults to the signed-in user; None outside a request means the system.
    """
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if obj is not None:
        object_type = object_type or getattr(obj, "__tablename__", type(obj).__name__)
        if object_id is None:
            if obj.id is None:
                # Flush everything, not just `obj`: its foreign keys may point at
                # other new rows that must be inserted first.
                db.session.flush()
            object_id = obj.id
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        actor_label=getattr(actor, "email", None) or "system",
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        summary=summary,
        before=before,
        after=after,
        ip=(request.remote_addr or "") if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


def query_entries(*, action=None, object_type=None, object_id=None, actor=None, since=None, until=None):
    """A select() of audit entries, newest first, filtered by the given values."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == str(object_id))
    if actor:
        stmt = stmt.where(AuditEntry.actor_label.ilike(f"%{actor}%"))
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at <= until)
    return stmt


@event.listens_for(Session, "before_flush")
def guard_append_only(session, flush_context, instances):
    """No code path may update or delete an audit row."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def refuse_bulk_changes(orm_execute_state):
    """Nor may a bulk UPDATE or DELETE statement (which skips the flush guard above)."""
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    table = getattr(orm_execute_state.statement, "table", None)
    if getattr(table, "name", None) == AuditEntry.__tablename__:
        raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")
