"""Worker jobs for workshops: building a workshop pack."""
from __future__ import annotations

from extensions import db
from jobs.registry import handles
from jobs.runner import JobError


@handles("workshops.pack")
def build_workshop_pack(job, report):
    """Build the pack zip (PDF, clips, offline viewer, manifest) for job.subject_id."""
    from workshops.models import Workshop
    from workshops.errors import WorkshopError
    from workshops.packs import build_and_store_pack

    workshop = db.session.get(Workshop, job.subject_id)
    if workshop is None:
        raise JobError("That workshop no longer exists.")
    try:
        pack = build_and_store_pack(workshop, job=job, report=report)
    except WorkshopError as exc:
        raise JobError(str(exc)) from None
    report(100, f"Pack ready: {len(pack.story_ids)} stories, {pack.clip_count} clips")
    return {"pack_id": pack.id, "bytes": pack.bytes, "clips": pack.clip_count, "stories": len(pack.story_ids)}
