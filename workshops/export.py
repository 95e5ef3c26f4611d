"""`export json`: top-level "workshops" and "actions", with the ids of their evidence."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db


def _iso(value):
    return value.isoformat() if value is not None else None


def contribute(document: dict) -> None:
    from workshops.models import DesignAction, Workshop

    document["workshops"] = [{
        "id": w.id, "title": w.title, "date": _iso(w.date), "place": w.place, "purpose": w.purpose,
        "attendees": list(w.attendees or []), "theme_run_id": w.theme_run_id, "theme_ids": w.theme_ids,
        "story_ids": w.story_ids, "prompts": {str(t.theme_id): list(t.prompts or []) for t in w.themes},
        "created_at": _iso(w.created_at),
    } for w in db.session.scalars(select(Workshop).order_by(Workshop.id))]
    document["actions"] = [{
        "id": a.id, "workshop_id": a.workshop_id, "title": a.title, "description": a.description,
        "owner": a.owner, "due_date": _iso(a.due_date), "status": a.status, "status_reason": a.status_reason,
        "proposed_by": a.proposed_by, "disagreement": a.disagreement, "version": a.version,
        "theme_ids": a.theme_ids, "story_ids": a.story_ids, "quotes": a.quote_ids,
        "created_at": _iso(a.created_at), "updated_at": _iso(a.updated_at),
        "updates": [{"at": _iso(u.at), "author": u.author_label, "kind": u.kind, "from_status": u.from_status,
                     "to_status": u.to_status, "comment": u.comment} for u in a.updates],
    } for a in db.session.scalars(select(DesignAction).order_by(DesignAction.id))]
