"""The governance rows kept beside each story, read by every governance module."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from governance.errors import GovernanceError
from governance.models import Redaction, SafeguardingFlag, StoryGovernance
from stories.models import Story


def governance_for(story: Story | int, create: bool = True) -> StoryGovernance | None:
    from governance.freshness import governance_row

    story_id = story if isinstance(story, int) else story.id
    row = db.session.get(StoryGovernance, story_id) if create else governance_row(story_id)
    if row is None and create:
        row = StoryGovernance(story_id=story_id)
        db.session.add(row)
    return row


def story_or_error(story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    if story is None:
        raise GovernanceError(f"There is no story {story_id}.")
    return story


def redactions_for(story: Story, field: str | None = "transcript") -> list[Redaction]:
    """The story's redactions in one text (`field`: transcript, title or notes; None: all of them)."""
    from governance.policy_text import prefetched_redactions

    known = prefetched_redactions(story.id, field) if story.id is not None else None
    if known is not None:
        return known
    stmt = select(Redaction).where(Redaction.story_id == story.id)
    if field is not None:
        stmt = stmt.where(Redaction.field == field)
    return db.session.scalars(stmt.order_by(Redaction.start_char, Redaction.id)).all()


def flags_for(story: Story) -> list[SafeguardingFlag]:
    return db.session.scalars(
        select(SafeguardingFlag).where(SafeguardingFlag.story_id == story.id).order_by(SafeguardingFlag.segment_position)
    ).all()
