"""Redacted audio clips: a tone over every redacted word, cached sealed in the media store
(core.storage, clips/<story id>/<key>.mp3.sealed) so every web and worker process shares them
and the store only sees ciphertext.

Words are placed in the transcript text by finding each word's text in its
segment, in order. When a segment's words cannot all be placed (the transcript
was edited, or it has no word timings) and a redaction touches that segment,
the whole segment is toned: when in doubt, hide.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from contextlib import contextmanager
from pathlib import Path

from flask import current_app

_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


class ClipRefused(Exception):
    """The story has no audio, or no consent to be heard outside its own page."""


def clips_prefix(story_id: int) -> str:
    return f"clips/{int(story_id)}"


def purge_clips(story_id: int) -> None:
    """Delete every cached clip of a story, every stored version (after a redaction change, withdrawal or erasure)."""
    from core.storage import storage

    storage().delete_prefix(clips_prefix(story_id))


@contextmanager
def media_path(media):
    """A plaintext path of `media`, through the stories helper's encrypted store when it is there."""
    try:
        from stories.media import local_media_path
    except ImportError as exc:
        if getattr(exc, "name", None) not in ("stories.media", None) and "local_media_path" not in str(exc):
            raise
        local_media_path = None
    if local_media_path is not None:
        with local_media_path(media) as path:
            yield Path(path)
        return
    if media.encrypted:
        raise ClipRefused("The media store is not available to read this encrypted file.")
    yield Path(current_app.config["DATA_DIR"]) / media.storage_path


def placed_words(story) -> tuple[list[dict], list[tuple[float, float, int, int]]]:
    """(words with char_start/char_end in Story.transcript_text, segments whose words could not be placed).

    The second list holds (start_s, end_s, char_start, char_end) per unplaced segment.
    """
    from governance.policy import segment_offsets

    words, unplaced = [], []
    for segment, seg_start, seg_end in segment_offsets(story):
        text = segment.text.strip()
        lowered = text.lower()
        cursor, ok, mine = 0, bool(segment.words), []
        for word in segment.words or []:
            surface = (word.get("text") or "").strip().lower()
            if not surface:
                continue
            index = lowered.find(surface, cursor)
            if index < 0:
                bare = _PUNCT.sub("", surface)
                index = lowered.find(bare, cursor) if bare else -1
                surface = bare
            if index < 0 or word.get("start") is None or word.get("end") is None:
                ok = False
                break
            mine.append({"start": float(word["start"]), "end": float(word["end"]),
                         "char_start": seg_start + index, "char_end": seg_start + index + len(surface)})
            cursor = index + len(surface)
        if ok:
            words.extend(mine)
        elif segment.start is not None and segment.end is not None:
            unplaced.append((float(segment.start), float(segment.end), seg_start, seg_end))
        else:
            # No timing at all: it cannot be placed in the audio; mark the whole recording.
            unplaced.append((0.0, float(story.duration_s or 10**6), seg_start, seg_end))
    return words, unplaced


def mute_ranges(story) -> list[tuple[float, float]]:
    """Audio ranges (seconds) to cover with a tone so that no redacted word can be heard."""
    from engines.redaction.spans import time_ranges_for_spans
    from governance.policy import applied_spans

    from governance.freshness import ranges_are_current

    if not ranges_are_current(story):
        raise ClipRefused("This story's words are being checked; its clips play again once that is done.")
    from governance.anchors import anchored_ranges, padded

    spans = applied_spans(story)
    ranges = anchored_ranges(story)  # where identifying words were heard, whatever the text says now
    if spans:
        words, unplaced = placed_words(story)
        ranges += list(time_ranges_for_spans(spans, words, pad=0.0))
        ranges += [(start, end) for start, end, char_start, char_end in unplaced
                   if any(s.start_char < char_end and s.end_char > char_start for s in spans)]
    return padded(ranges)


def redacted_clip_file(story, start: float, end: float) -> str:
    """The media-store key of the sealed redacted clip of [start, end] of the story's audio, an MP3 (cached).

    Raises ClipRefused when the story has no audio or no `quote` consent in force.
    The cache key holds the story, the range, the media's hash and the mute
    ranges, so any change of redaction makes a new clip.
    """
    from governance.policy import is_quotable

    if story.media is None:
        raise ClipRefused("This story has no audio.")
    if not is_quotable(story):
        raise ClipRefused("This story's words may not be quoted or played.")
    start, end = round(float(start), 3), round(float(end), 3)
    if end <= start:
        raise ClipRefused("The clip must end after it starts.")
    mutes = mute_ranges(story)
    key = hashlib.sha256(json.dumps(
        {"story": story.id, "range": [start, end], "media": story.media.sha256, "mutes": mutes}
    ).encode()).hexdigest()[:32]
    from core import sealed
    from core.storage import storage
    from engines.audio import cut_clip
    from stories.media import tmp_dir

    object_key = f"{clips_prefix(story.id)}/{key}.mp3.sealed"
    store = storage()
    if store.exists(object_key):
        return object_key
    partial = tmp_dir() / f"clip-{key}-{secrets.token_hex(4)}.mp3"
    try:
        with media_path(story.media) as source:
            cut_clip(source, start, end, partial, mutes=[m for m in mutes if m[1] > start and m[0] < end])
        sealed.put_sealed(store, object_key, partial, tmp_dir())
    finally:
        partial.unlink(missing_ok=True)
    return object_key
