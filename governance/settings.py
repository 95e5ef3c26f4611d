"""Site-wide governance settings: the retention period and the always-hide list.

Audit entries never copy a term's words (a staff name is itself sensitive).
"""
from __future__ import annotations

from sqlalchemy import select

from audit.services import record
from extensions import db
from governance.errors import GovernanceError
from governance.models import AlwaysRedactTerm, GovernanceSetting

DEFAULT_RETENTION_MONTHS = 24


def get_setting(key: str, default=None):
    row = db.session.get(GovernanceSetting, key)
    return default if row is None or row.value is None else row.value


def retention_months() -> int:
    return int(get_setting("retention_months", DEFAULT_RETENTION_MONTHS))


def set_retention_months(months: int, actor=None) -> None:
    if not 1 <= int(months) <= 240:
        raise GovernanceError("Choose between 1 and 240 months.")
    before = retention_months()
    row = db.session.get(GovernanceSetting, "retention_months") or GovernanceSetting(key="retention_months")
    row.value = int(months)
    db.session.add(row)
    record("governance.retention_set", object_type="governance_settings", object_id="retention_months",
           summary=f"Originals kept for {int(months)} months", before={"months": before},
           after={"months": int(months)}, actor=actor)
    db.session.commit()


def always_redact_terms() -> list[AlwaysRedactTerm]:
    return db.session.scalars(select(AlwaysRedactTerm).order_by(AlwaysRedactTerm.term)).all()


def add_always_term(term: str, kind: str = "name", actor=None) -> AlwaysRedactTerm:
    from engines.redaction.spans import KINDS

    term = " ".join((term or "").split())
    if not term:
        raise GovernanceError("Type the name or place to hide.")
    if kind not in KINDS:
        raise GovernanceError("Choose what kind of detail it is.")
    if db.session.scalar(select(AlwaysRedactTerm).where(AlwaysRedactTerm.term.ilike(term))):
        raise GovernanceError("That is already on the list.")
    row = AlwaysRedactTerm(term=term, kind=kind, added_by_id=getattr(actor, "id", None))
    db.session.add(row)
    # The term itself is sensitive (a staff name): the audit keeps its kind, not its words.
    record("governance.term_added", row, summary=f"A {kind} added to the always-hide list", actor=actor)
    from governance.recheck import hold_stories_for_term, start_term_recheck

    held = hold_stories_for_term(term)  # out of every view from this commit until checked again
    db.session.commit()
    start_term_recheck(held, actor)
    return row


def remove_always_term(row: AlwaysRedactTerm, actor=None) -> None:
    record("governance.term_removed", row, summary=f"A {row.kind} removed from the always-hide list", actor=actor)
    db.session.delete(row)
    db.session.commit()
