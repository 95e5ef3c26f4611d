"""When governance takes a story out of use: retire or delete the packs that hold it; report its use.

Called by workshops/receivers.py on the story lifecycle signals (core/signals.py)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select

from audit.services import record
from extensions import db
from workshops.evidence import story_outcomes
from workshops.models import ActionEvidence, Workshop, WorkshopPack, WorkshopStory
from workshops.packs import PACK_JOB, _retire, pack_job
from workshops.planning import workshop_stories


def _packs_with_story(story_id: int, *, live_only: bool) -> list[WorkshopPack]:
    stmt = select(WorkshopPack).order_by(WorkshopPack.id)
    if live_only:
        stmt = stmt.where(WorkshopPack.retired_at.is_(None))
    return [p for p in db.session.scalars(stmt) if int(story_id) in {int(s) for s in (p.story_ids or [])}]


def _was_downloaded(pack: WorkshopPack) -> bool:
    from audit.models import AuditEntry

    return db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "workshop.pack_downloaded", AuditEntry.object_type == WorkshopPack.__tablename__,
        AuditEntry.object_id == str(pack.id)).limit(1)) is not None


def retire_packs_of_story(story_id: int) -> list[int]:
    """A story lost consent (or was restricted): every pack on the server that holds it is retired
    (file deleted, never served again). Flushes, never commits (governance commits once).
    Returns the workshops whose packs were retired, for `rebuild_packs_after_withdrawal` after the commit.

    A pack already downloaded is out of our hands: it is retired too, and the audit says a copy is out there.
    """
    packs = _packs_with_story(story_id, live_only=True)
    workshops = {}
    for pack in packs:
        _retire(pack, f"story {story_id} was withdrawn")
        if _was_downloaded(pack):
            record("workshop.pack_copy_outstanding", pack,
                   summary=f"pack {pack.id} was downloaded before story {story_id} was withdrawn: "
                           "ask whoever holds the copy to delete it")
        workshops[pack.workshop_id] = pack.workshop_id
    db.session.flush()
    return list(workshops)


def rebuild_packs_after_withdrawal(workshop_ids) -> dict:
    """Once the withdrawal is committed: queue a new pack for each workshop still to be held that has
    stories left; one with none left is blocked (recorded, nothing queued)."""
    outcome = {"rebuilding": [], "blocked": []}
    today = date.today()
    for workshop_id in workshop_ids:
        workshop = db.session.get(Workshop, workshop_id)
        if workshop is None or (workshop.date is not None and workshop.date < today):
            continue  # already held: nothing to rebuild
        if not workshop_stories(workshop):
            record("workshop.pack_blocked", workshop,
                   summary=f"workshop {workshop.id}: no story with workshop consent is left, so no new pack")
            db.session.commit()
            outcome["blocked"].append(workshop_id)
            continue
        job = pack_job(workshop)
        if job is None or job.status not in ("queued", "running"):
            from jobs.services import start_job

            record("workshop.pack_requested", workshop, summary=f"workshop {workshop.id}: rebuilt after a withdrawal")
            db.session.commit()
            start_job(PACK_JOB, subject_type="workshop", subject_id=workshop.id)
        outcome["rebuilding"].append(workshop_id)
    return outcome


def forget_story_packs(story_id: int) -> list[str]:
    """A story is being erased: delete every pack row that holds it, retired ones too, and the story's
    place in workshops; return the packs' media-store keys to delete after the commit. Flushes, never commits.
    Actions keep their evidence rows as placeholders."""
    packs = _packs_with_story(story_id, live_only=False)
    files = []
    for pack in packs:
        files.append(pack.path)
        record("workshop.pack_erased", pack,
               summary=f"pack {pack.id} of workshop {pack.workshop_id} deleted: a story in it was erased")
        db.session.delete(pack)
    db.session.execute(delete(WorkshopStory).where(WorkshopStory.story_id == story_id))
    db.session.flush()
    return files


def story_usage(story_id: int) -> dict:
    """Where a story was used in workshops: the workshops it was chosen for, the packs that held it,
    and the design actions citing it (as a story or through a quote). Ids and titles only."""
    outcomes = story_outcomes(story_id)
    cited = db.session.execute(
        select(ActionEvidence.action_id, ActionEvidence.kind, ActionEvidence.ref_id)
        .where(ActionEvidence.kind.in_(("story", "quote", "chosen")), ActionEvidence.story_id == story_id)
        .order_by(ActionEvidence.action_id, ActionEvidence.id)).all()
    by_action: dict = {}
    for action_id, kind, ref_id in cited:
        by_action.setdefault(action_id, []).append({"kind": kind, "ref_id": ref_id})
    return {
        "workshops": [{"id": w.id, "title": w.title, "date": w.date.isoformat() if w.date else None}
                      for w in outcomes["workshops"]],
        "packs": [{"id": p.id, "workshop_id": p.workshop_id, "built_at": p.built_at.isoformat(),
                   "retired_at": p.retired_at.isoformat() if p.retired_at else None}
                  for p in _packs_with_story(story_id, live_only=False)],
        "actions": [{"id": a.id, "title": a.title, "status": a.status, "cites": by_action.get(a.id, [])}
                    for a in outcomes["actions"]],
    }
