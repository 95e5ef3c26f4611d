"""Subject access for a person: everything held about one account, as a ZIP (a story's is
governance/subject_access.py). Other domains add what they hold through `core.signals.person_data`."""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import or_, select

from accounts.models import ApiToken, User
from audit.models import AuditEntry
from audit.services import record
from core import signals
from core.signals import values_from_signal
from core.timeutil import utcnow
from extensions import db


README = """Everything Storyloom holds about account {id}, exported {at}Z.
account.json: the account, its roles and API tokens (never passwords or token secrets).
audit.json: recorded actions about this person and by them.
stories.json: the stories they reported (each story's own download has its words and audio).
voice.json: their voice enrolment, if any, and the voice embedding learned from it.
"""


def _moment(value) -> str | None:
    return value.isoformat() + "Z" if value else None


def _account(user: User) -> dict:
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)).all()
    return {"id": user.id, "email": user.email, "name": user.name, "roles": user.role_names, "active": user.active,
            "created_at": _moment(user.created_at),
            "deactivated_at": _moment(user.deactivated_at),
            "api_tokens": [{"name": t.name, "created_at": _moment(t.created_at), "revoked_at": _moment(t.revoked_at)}
                           for t in tokens]}


def _audit(user: User) -> list[dict]:
    """Entries about the account and entries of what they did (ids and neutral words only)."""
    entries = db.session.scalars(select(AuditEntry).where(or_(
        (AuditEntry.object_type == "users") & (AuditEntry.object_id == str(user.id)),
        AuditEntry.actor_id == user.id)).order_by(AuditEntry.id)).all()
    return [{"at": _moment(e.at), "actor": e.actor_label, "action": e.action, "object_type": e.object_type,
             "object_id": e.object_id, "summary": e.summary} for e in entries]


def person_zip(user: User, actor) -> bytes:
    """Everything held about `user`: account, audit entries, and what each domain holds (their stories, voice)."""
    parts = {"account.json": _account(user), "audit.json": _audit(user)}
    for held in values_from_signal(signals.person_data.send(user.id)):
        parts.update(held)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, value in parts.items():
            archive.writestr(name, json.dumps(value, indent=2, ensure_ascii=False, default=str))
        archive.writestr("README.txt", README.format(id=user.id, at=utcnow().isoformat()))
    record("user.subject_access_exported", user, actor=actor, summary="Everything held about the person exported")
    db.session.commit()
    return buffer.getvalue()
