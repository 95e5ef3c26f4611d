"""Audio of quotes: where a browser can play a quote's redacted clip, and the clip file itself."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, url_for

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


def redacted_clip_path(passage) -> Path:
    """A redacted audio file of the passage (cached under DATA_DIR/packs/clips)."""
    from governance import policy

    story = passage.story
    helper = getattr(policy, "redacted_clip_file", None)
    if helper is not None:
        return Path(helper(story, passage.start, passage.end))
    # Fallback while governance has no redacted_clip_file: cut it ourselves (no mutes applied).
    from engines.audio import cut_clip
    from stories.media import local_media_path

    cache = Path(current_app.config["DATA_DIR"]) / "packs" / "clips"
    key = f"{story.id}-{story.revision}-{story.media.sha256[:12]}-{passage.start:.2f}-{passage.end:.2f}"
    target = cache / f"{key}.mp3"
    if not target.exists():
        cache.mkdir(parents=True, exist_ok=True)
        with local_media_path(story.media) as source:
            partial = target.with_name(target.name + ".partial.mp3")
            cut_clip(source, passage.start, passage.end, partial)
            partial.replace(target)
    return target
