"""Governance jobs run by the worker: the redaction/safeguarding check, and retention."""
from __future__ import annotations

from jobs.registry import handles
from jobs.runner import JobError


@handles("governance.scan")
def scan(job, report):
    """Detect redactions and safeguarding risks in one story (job.story_id)."""
    from governance.services import GovernanceError, scan_story

    try:
        return scan_story(job.story_id, report=report)
    except GovernanceError as exc:
        raise JobError(str(exc)) from exc


@handles("governance.recheck_terms")
def recheck_terms(job, report):
    """Check again the stories that may hold a word just added to the always-hide list."""
    from governance.recheck import recheck_stories

    return recheck_stories(list(job.params.get("story_ids") or []), report)


@handles("governance.retention")
def retention(job, report):
    report(5, "Deleting originals past the retention period")
    changed = apply_retention()
    return {"stories": changed}


def apply_retention() -> list[int]:
    """The scheduled retention run (jobs/queue.py calls this daily inside an app context)."""
    from governance.services import apply_retention as run

    return run()
