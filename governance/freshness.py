"""Whether a story's redaction ranges fit its words right now.

Redactions are character ranges of the transcript as it was checked. From the commit that changes
the words (an edit, a retype, a restore, a new transcription, a new site-wide "always hide" word)
until the worker's check has run again, those ranges belong to other words: applied to the new
text they would cut "My na[name]Marcus". While that is so, every view other than the reporter's
shows no words at all (the story is also held out of every use by `policy.held_story_ids`).
The web process never runs spaCy, so the check cannot run inside the save; the save marks the
scan pending instead, in the same commit.
"""
from __future__ import annotations

from extensions import db
from governance.models import StoryGovernance

STALE_SCAN_STATES = ("pending", "failed", "person")  # "person": only the English version shows (languages.py)
BEING_CHECKED = "These words are being checked for names and places. They show here again once the check is done."


def governance_row(story_id):
    """The story's StoryGovernance row (None: none), read once per GET request."""
    from governance.policy_text import request_prefetch

    if story_id is None:
        return None
    g = request_prefetch()
    prefetched = g.get("prefetched_governance", {}) if g is not None else {}
    if story_id in prefetched:
        return prefetched[story_id]
    row = db.session.get(StoryGovernance, story_id)
    if g is not None:  # kept for the rest of the request (hold label, panel, freshness ask in turn)
        g.prefetched_governance = {**prefetched, story_id: row}
    return row


def ranges_are_current(story) -> bool:
    """False while the story's words changed after its last check (or the check failed).

    A story with no governance row has never been transcribed or checked by this site (test data,
    an old import): there is nothing stale to apply.
    """
    state = governance_row(story.id)
    if state is None:
        return True
    if state.scan_state in STALE_SCAN_STATES:
        return False
    return state.scanned_revision is None or state.scanned_revision == (story.revision or 0)


def story_fingerprint(story) -> str:
    """A short hash of everything that decides what of a story may be heard: the consent in force
    (scopes, expiry, withdrawal), its checks and safeguarding state, its redactions (text ranges and
    audio stretches), its words' revision and its recording. Clip URLs carry it, so a clip saved
    offline stops matching the moment any of these changes."""
    import hashlib
    import json

    from sqlalchemy import select

    from governance.models import Redaction

    consent = story.current_consent
    state = db.session.get(StoryGovernance, story.id)
    rows = db.session.execute(select(Redaction.id, Redaction.state, Redaction.start_char, Redaction.end_char,
                                     Redaction.audio_start, Redaction.audio_end)
                              .where(Redaction.story_id == story.id).order_by(Redaction.id)).all()
    facts = {
        "scopes": sorted(story.consent_scopes()),
        "consent": [consent.id, str(consent.expires_on), str(consent.withdrawn_at)] if consent else None,
        "check": [state.scan_state, state.scanned_revision, state.safeguarding_state] if state else None,
        "redactions": [list(r) for r in rows],
        "revision": story.revision,
        "media": story.media.sha256 if story.media is not None else None,
    }
    return hashlib.sha256(json.dumps(facts, default=str).encode()).hexdigest()[:16]
