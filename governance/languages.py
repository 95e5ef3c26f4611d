"""Stories in a language other than English: the automatic check reads English only.

Redaction detection (spaCy's English model, English word lists) cannot be trusted to find a
Polish or Welsh name, so when the check of such a story ends it leaves the scan state "person"
instead of "done". In that state (`policy.ENGLISH_ONLY_SCAN_STATES`) the story is in use as its
consent allows, but others meet only its redacted English version (`Story.english_segments`):
every redacted view of the words as spoken is empty (`freshness.STALE_SCAN_STATES`), and no
quote, clip, export or public page uses it (`policy.SPOKEN_WORD_SCOPES`). Its reporter, admins
and the safeguarding lead see and hear it as recorded; the reporter gets a plain note, until
one of them has decided every suggestion and said they checked the hidden details.
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
