"""Consent withdrawal: the story leaves every use at once."""
from __future__ import annotations

from audit.services import record
from core import signals
from core.timeutil import utcnow
from extensions import db
from governance.clips import purge_clips
from governance.errors import GovernanceError
from core.lifecycle import after_commit, announce
from stories.models import ConsentRecord, Story


def withdraw_consent(story: Story, actor=None, *, requested_by: str = "", reason: str = "") -> ConsentRecord:
    """Withdraw consent now: the story leaves analysis, workshops, quotes and managers' views at once.

    One transaction: every domain takes the story out of its own rows on `story_withdrawn`
    (themes: passages off the boards; workshops: packs retired), then it commits once.
    Who may withdraw is `governance.policy.may_withdraw`, checked by the caller.
    """
    consent = story.current_consent
    if consent is None or consent.withdrawn_at is not None:
        raise GovernanceError("Consent for this story is already withdrawn.")
    requested_by = (requested_by or "").strip() or "the storyteller"
    try:
        consent.withdrawn_at = utcnow()
        consent.withdrawn_by_id = getattr(actor, "id", None)
        consent.withdrawal_requested_by = requested_by[:200]
        consent.withdrawal_reason = (reason or "").strip()
        record("consent.withdrawn", story, actor=actor, summary="Consent withdrawn",
               before={"scopes": consent.scopes}, after={"scopes": []})
        left = announce(signals.story_withdrawn, story.id, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    purge_clips(story.id)
    after_commit(left)
    return consent
