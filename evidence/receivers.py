"""Evidence's part of the story lifecycle (core/signals.py): a story's cached "you said, we did" speech."""
from __future__ import annotations

from core import signals


@signals.story_withdrawn.connect
@signals.story_restricted.connect
@signals.story_erasing.connect
def _forget_speech(story_id: int, *, after_commit: list, **_) -> None:
    """The story's summary read aloud goes from the media store once the change is committed."""
    from evidence.yousaid import purge_speech

    after_commit.append(lambda: purge_speech(story_id))
