"""Governance jobs run by the worker: the redaction/safeguarding check, and retention."""
from __future__ import annotations

from huey import crontab

from jobs.registry import handles, periodic
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


@periodic("governance.retention", crontab(hour="3", minute="15"))
def retention(job, report):
    """Nightly: delete original audio and unredacted text past the retention period."""
    report(5, "Deleting originals past the retention period")
    changed = apply_retention()
    report(100, f"Originals deleted for {len(changed)} stories")
    return {"stories": changed}


def apply_retention() -> list[int]:
    """One retention pass now, inside an app context (the CLI and the job both call it)."""
    from governance.services import apply_retention as run

    return run()
