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


def apply_retention() -> list[int]:
    """The scheduled retention run (jobs/queue.py calls this daily inside an app context)."""
    from governance.services import apply_retention as run

    return run()
