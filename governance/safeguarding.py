"""The safeguarding lead's queue and decisions."""
from __future__ import annotations

from sqlalchemy import select

from audit.services import record
from core import signals
from core.timeutil import utcnow
from extensions import db
from governance.clips import purge_clips
from core.lifecycle import after_commit, announce
from governance.errors import GovernanceError
from governance.models import DECISIONS, StoryGovernance
from governance.records import flags_for, governance_for
from stories.models import Story


def safeguarding_queue() -> list[tuple[Story, StoryGovernance]]:
    rows = db.session.execute(
        select(Story, StoryGovernance).join(StoryGovernance, StoryGovernance.story_id == Story.id)
        .where((StoryGovernance.safeguarding_state == "awaiting") | (StoryGovernance.scan_state == "failed"))
        .order_by(StoryGovernance.flagged_at, Story.id)
    ).all()
    return [(s, g) for s, g in rows]


def recent_decisions(limit: int = 20) -> list[tuple[Story, StoryGovernance]]:
    rows = db.session.execute(
        select(Story, StoryGovernance).join(StoryGovernance, StoryGovernance.story_id == Story.id)
        .where(StoryGovernance.safeguarding_state.in_(DECISIONS))
        .order_by(StoryGovernance.decided_at.desc()).limit(limit)
    ).all()
    return [(s, g) for s, g in rows]


def decide_safeguarding(story: Story, decision: str, note: str = "", actor=None) -> StoryGovernance:
    """The safeguarding lead's decision. "restricted" keeps the story out of analysis for good."""
    if decision not in DECISIONS:
        raise GovernanceError("Choose no action, action taken or restricted.")
    gov = governance_for(story)
    if gov.safeguarding_state == "restricted":
        raise GovernanceError("This story is restricted for good; the decision cannot be changed.")
    before = gov.safeguarding_state
    gov.safeguarding_state = decision
    gov.decided_at = utcnow()
    gov.decided_by_id = getattr(actor, "id", None)
    gov.decision_note = (note or "").strip()
    if gov.scan_state == "failed" and decision != "restricted":
        gov.scan_state = "done"  # the lead read it in place of the failed check
    # The note may carry the story's words: it stays on the governance row, not in the audit log.
    record("safeguarding.decided", story, actor=actor, summary=f"Safeguarding decision: {decision}",
           before={"state": before}, after={"state": decision})
    left = announce(signals.story_restricted, story.id, actor=actor) if decision == "restricted" else None
    db.session.commit()
    if left is not None:
        purge_clips(story.id)
        after_commit(left)
    return gov


def record_unredacted_view(user, story: Story, where: str = "story page") -> None:
    """Audit one view of a story's unredacted transcript (call on every such page view)."""
    record("story.viewed_unredacted", story, actor=user, summary=f"Unredacted transcript viewed ({where})")
    db.session.commit()


def safeguarding_export(story: Story) -> dict:
    gov = governance_for(story, create=False)
    return {
        "state": gov.safeguarding_state if gov else "none",
        "scan_state": gov.scan_state if gov else "never",
        "flags": [{"category": f.category, "score": f.score, "segment_position": f.segment_position}
                  for f in flags_for(story)],
        "decided_at": gov.decided_at.isoformat() if gov and gov.decided_at else None,
    }
