"""Redacted audio clips: a tone over every redacted word, cached under DATA_DIR/clips/<story id>/.

Words are placed in the transcript text by finding each word's text in its
segment, in order. When a segment's words cannot all be placed (the transcript
was edited, or it has no word timings) and a redaction touches that segment,
the whole segment is toned: when in doubt, hide.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

from flask import current_app

from stories.media import local_media_path

_PUNCT = re.compile(r"^[^\w]+|[^\w]+$")


class ClipRefused(Exception):
    """The story has no audio, or no consent to be heard outside its own page."""


def clips_dir(story_id: int | None = None) -> Path:
    base = Path(current_app.config["DATA_DIR"]) / "clips"
    return base / str(story_id) if story_id is not None else base


def purge_clips(story_id: int) -> None:
    """Delete every cached clip of a story (after a redaction change, withdrawal or erasure)."""
    shutil.rmtree(clips_dir(story_id), ignore_errors=True)


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
    from engines.redaction.spans import join_ranges, time_ranges_for_spans
    from governance.policy import applied_spans

    spans = applied_spans(story)
    if not spans:
        return []
    words, unplaced = placed_words(story)
    ranges = list(time_ranges_for_spans(spans, words))
    for start, end, char_start, char_end in unplaced:
        if any(s.start_char < char_end and s.end_char > char_start for s in spans):
            ranges.append((max(0.0, start - 0.05), end + 0.05))
    return join_ranges(ranges)


def redacted_clip_file(story, start: float, end: float) -> Path:
    """The redacted clip of [start, end] of the story's audio, as an MP3 (cached).

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
    dest = clips_dir(story.id) / f"{key}.mp3"
    if dest.exists():
        return dest
    from engines.audio import cut_clip

    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(f"{key}.partial.mp3")
    with local_media_path(story.media) as source:
        cut_clip(source, start, end, partial, mutes=[m for m in mutes if m[1] > start and m[0] < end])
    partial.replace(dest)
    return dest
