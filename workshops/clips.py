"""Audio of quotes: where a browser can play a quote's redacted clip, and the clip file itself."""
from __future__ import annotations


from flask import url_for

from themes.read import quotable_ids


def story_has_audio(story) -> bool:
    return story.media_id is not None and story.source_kind != "text"


def clip_src(passage, *, offline: bool = False) -> str | None:
    """Where a browser can play a quote's redacted clip, or None (no audio, no times, no quote consent).

    offline=True (present mode) always uses our own clip route, inside the service worker's scope.
    """
    from governance import policy

    story = passage.story
    if passage.start is None or passage.end is None or not story_has_audio(story):
        return None
    if story.id not in quotable_ids():
        return None
    url = None if offline else policy.clip_url(story, passage.start, passage.end)
    if url:
        return url
    from governance.freshness import story_fingerprint

    # The fingerprint of the story's consent and redactions: a cached copy stops matching when they change.
    return url_for("workshops.clip", passage_id=passage.id, v=story_fingerprint(story))


def redacted_clip_path(passage) -> str:
    """The media-store key of the passage's sealed redacted clip: governance cuts it, with a tone over every
    redacted word (raises governance.clips.ClipRefused without `quote` consent)."""
    from governance.clips import redacted_clip_file

    return redacted_clip_file(passage.story, passage.start, passage.end)
