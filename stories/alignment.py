"""Edited words get their real times from the audio (forced alignment in the worker).

A save keeps the timing of every unchanged word and leaves each changed word without one
(`start`/`end` None, `edited` True): a made-up time would put the tone over a retyped phone
number in the wrong place. The job `stories.align` then asks Whisper where each word of the
segment is spoken (`engines.align`), gives the changed words those times, and runs the
governance check; until both have run the story is held. Segments with no audio, or longer than
Whisper's 30 s window, keep untimed words: their clips tone the whole segment wherever a
redaction touches it (governance.clips), so doubt always hides.
"""
from __future__ import annotations

import time

from flask import current_app

from extensions import db
from stories.models import Segment, Story

ALIGN = "stories.align"
EDGE_S = 0.1  # audio either side of the segment, so a first or last word is not clipped


def needs_alignment(story: Story) -> bool:
    return story.media_id is not None and any(_untimed(s) for s in story.segments)


def _untimed(segment: Segment) -> bool:
    return segment.start is not None and segment.end is not None and any(
        w.get("start") is None or w.get("end") is None for w in segment.words or [])


def place_aligned(tokens: list[str], aligned) -> list[tuple[float, float, float] | None]:
    """(start, end, probability) per token, from aligned words that cover its characters (linear)."""
    joined, spans, cursor = "", [], 0
    for token in tokens:
        spans.append((len(joined), len(joined) + len(token)))
        joined += token + " "
    out: list = [None] * len(tokens)
    k = 0
    for word in aligned:
        text = word.text.strip()
        at = joined.find(text, cursor) if text else -1
        if at < 0:
            continue
        cursor = at + len(text)
        while k < len(spans) and spans[k][1] <= at:
            k += 1
        j = k
        while j < len(spans) and spans[j][0] < cursor:
            old = out[j]
            out[j] = (word.start, word.end, word.probability) if old is None else (
                min(old[0], word.start), max(old[1], word.end), min(old[2], word.probability))
            j += 1
    return out


def align_segment(whisper, path, segment: Segment, language: str = "en") -> int:
    """Give the segment's untimed words their aligned times; returns how many were placed."""
    from engines.align import AlignmentError, align_words, read_span

    start, end = max(0.0, float(segment.start) - EDGE_S), float(segment.end) + EDGE_S
    try:
        aligned = align_words(whisper, read_span(path, start, end), segment.text, offset_s=start, language=language)
    except AlignmentError:
        return 0
    words = [dict(w) for w in segment.words or []]
    times = place_aligned([w.get("text", "") for w in words], aligned)
    placed = 0
    for word, found in zip(words, times):
        if (word.get("start") is None or word.get("end") is None) and found is not None:
            word["start"], word["end"], word["probability"] = found
            word["aligned"] = True
            placed += 1
    segment.words = words
    return placed


def align_story(story_id: int, report) -> dict:
    """Align every segment with untimed words (worker only: Whisper is loaded here)."""
    from engines.transcribe import get_transcriber
    from stories.media import local_media_path
    from stories.tasks import _whisper_language

    story = db.session.get(Story, story_id)
    if story is None or not needs_alignment(story):
        return {"segments": 0, "words": 0, "seconds": 0.0}
    whisper = get_transcriber(current_app.config.get("WHISPER_MODEL") or None).whisper
    todo = [s for s in story.segments if _untimed(s)]
    began, placed = time.perf_counter(), 0
    with local_media_path(story.media) as path:
        for index, segment in enumerate(todo):
            report(int(80 * index / len(todo)), f"Finding where the new words are spoken ({index + 1} of {len(todo)})")
            placed += align_segment(whisper, path, segment, _whisper_language(story.language))
    db.session.commit()  # the story stays held (scan pending) until the check that follows
    return {"segments": len(todo), "words": placed, "seconds": round(time.perf_counter() - began, 3)}
