"""Workshops' part of the story lifecycle (core/signals.py): packs that held a story, its place in workshops."""
from __future__ import annotations

from core import signals


@signals.story_withdrawn.connect
@signals.story_restricted.connect
def _retire_packs(story_id: int, *, after_commit: list, **_) -> None:
    """Packs holding the story are retired now; new packs are queued once the withdrawal is committed."""
    from workshops.lifecycle import rebuild_packs_after_withdrawal, retire_packs_of_story

    workshop_ids = retire_packs_of_story(story_id)
    if workshop_ids:
        after_commit.append(lambda: rebuild_packs_after_withdrawal(workshop_ids))


@signals.story_erasing.connect
def _forget_packs(story_id: int, *, files: list, **_) -> None:
    from workshops.lifecycle import forget_story_packs

    files.extend(forget_story_packs(story_id))


@signals.story_usage.connect
def _workshop_usage(story_id: int, **_) -> dict:
    from workshops.lifecycle import story_usage

    return {"workshops": story_usage(story_id)}
