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

STALE_SCAN_STATES = ("pending", "failed")
BEING_CHECKED = "These words are being checked for names and places. They show here again once the check is done."


def ranges_are_current(story) -> bool:
    """False while the story's words changed after its last check (or the check failed).

    A story with no governance row has never been transcribed or checked by this site (test data,
    an old import): there is nothing stale to apply.
    """
    state = db.session.get(StoryGovernance, story.id) if story.id is not None else None
    if state is None:
        return True
    if state.scan_state in STALE_SCAN_STATES:
        return False
    return state.scanned_revision is None or state.scanned_revision == (story.revision or 0)
