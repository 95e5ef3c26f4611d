"""Stories in a language other than English: the automatic check reads English only.

Redaction detection (spaCy's English model, English word lists) cannot be trusted to find a
Polish or Welsh name, so when the check of such a story ends it leaves the scan state "person"
instead of "done". That state is one of the held scan states (`policy.HELD_SCAN_STATES`) and of
the stale ones (`freshness.STALE_SCAN_STATES`): like a check still running, it keeps the story
out of every use and every redacted view shows no words. Only the reporter sees it, with a
plain note, until someone who sees the words as spoken (the reporter, an admin, the
safeguarding lead) has decided every suggestion and said they checked the hidden details.
A later edit is checked again and waits for a person again.
"""
from __future__ import annotations

from audit.services import record
from extensions import db
from governance.errors import GovernanceError
from governance.models import Redaction
from governance.records import governance_for

PERSON = "person"
DETECTION_LANGUAGE = "en"


def needs_person(story) -> bool:
    """True when the story's words are (or may be) in a language the detector cannot read."""
    return (story.language or DETECTION_LANGUAGE) != DETECTION_LANGUAGE


def state_after_check(story) -> str:
    """The scan state an automatic check leaves: "done", or "person" for another language."""
    return PERSON if needs_person(story) else "done"


def waiting_for_person(story) -> bool:
    state = governance_for(story, create=False)
    return state is not None and state.scan_state == PERSON


def confirm_checked(story, actor) -> None:
    """A person says they checked every hidden detail of a non-English story: the hold ends.

    The route checks `policy.may_decide_suggestions`; here: the story must be waiting, and no
    suggestion may be left undecided (an undecided one would have no person behind it).
    """
    state = governance_for(story, create=False)
    if state is None or state.scan_state != PERSON or state.scanned_revision != (story.revision or 0):
        raise GovernanceError("This story is not waiting for that check (its words may have changed since).")
    undecided = db.session.scalar(db.select(db.func.count()).select_from(Redaction).where(
        Redaction.story_id == story.id, Redaction.state == "proposed"))
    if undecided:
        raise GovernanceError(f"Decide each suggestion first: {undecided} still waiting.")
    state.scan_state = "done"
    record("governance.language_checked", story, actor=actor,
           summary=f"hidden details checked by a person (story language {story.language or 'unknown'})")
    db.session.commit()
