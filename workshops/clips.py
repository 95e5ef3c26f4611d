"""Audio of quotes: whether a quote has a clip, its signed URL, and the redacted clip file.

Clips are always governance's redacted ones (a tone over every redacted word). Present
mode plays them through the `workshops.clip` route, inside its service worker's scope;
templates build that URL (services never call url_for).
"""
from __future__ import annotations

from governance import policy
from themes.read import quotable_ids


def story_has_audio(story) -> bool:
    return story.media_id is not None and story.source_kind != "text"


def has_clip(passage, quotable: set[int] | None = None) -> bool:
    """True when the quote can be heard: it has times, its story has audio and `quote` consent."""
    if passage.start is None or passage.end is None or not story_has_audio(passage.story):
        return False
    return passage.story_id in (quotable_ids() if quotable is None else quotable)


def clip_url(passage) -> str | None:
    """A signed, short-lived URL of the quote's redacted clip (governance), or None when it has none."""
    if not has_clip(passage):
        return None
    return policy.clip_url(passage.story, passage.start, passage.end)


def clip_version(passage) -> str:
    """The fingerprint of the story's consent and redactions: present mode's cached clip stops matching when
    they change (templates put it in the `workshops.clip` URL as `v`)."""
    from governance.freshness import story_fingerprint

    return story_fingerprint(passage.story)


def redacted_clip_path(passage) -> str:
    """The media-store key of the passage's sealed redacted clip (governance cuts and caches it)."""
    return policy.redacted_clip_file(passage.story, passage.start, passage.end)
