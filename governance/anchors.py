"""Redactions anchored to the audio as well as to the text.

Once a stretch of audio has been judged identifying (a detector suggestion, an always-hide word,
a reviewer's selection), the redaction remembers it (`audio_start`/`audio_end`). Clips mute the
union of what the current text ranges cover and every applying redaction's audio stretch, so
retyping a name away ("a person on probation") never un-mutes the name: only a reviewer rejecting
the redaction does. Every muted range carries MUTE_PAD_S either side (word boundaries from Whisper
and alignment are good to about a tenth of a second).
"""
from __future__ import annotations

MUTE_PAD_S = 0.15


def anchor_rows(story, rows) -> int:
    """Give each applying, text-anchored row without an audio stretch the time of the words it covers."""
    from governance.clips import placed_words

    todo = [r for r in rows if r.applies and r.audio_start is None and r.end_char > r.start_char]
    if not todo:
        return 0
    words, unplaced = placed_words(story)
    done = 0
    for row in todo:
        touched = [(w["start"], w["end"]) for w in words if w["char_start"] < row.end_char and w["char_end"] > row.start_char]
        touched += [(s, e) for s, e, c0, c1 in unplaced if c0 < row.end_char and c1 > row.start_char]
        if touched:
            row.audio_start = round(min(t[0] for t in touched), 3)
            row.audio_end = round(max(t[1] for t in touched), 3)
            done += 1
    return done


def anchored_ranges(story) -> list[tuple[float, float]]:
    """The audio stretches of every applying redaction of the story, whatever its words now say."""
    from sqlalchemy import select

    from extensions import db
    from governance.models import Redaction

    rows = db.session.scalars(select(Redaction).where(
        Redaction.story_id == story.id, Redaction.state.in_(("proposed", "accepted")),
        Redaction.audio_start.is_not(None), Redaction.audio_end.is_not(None))).all()
    return [(float(r.audio_start), float(r.audio_end)) for r in rows if r.audio_end > r.audio_start]


def padded(ranges, pad: float = MUTE_PAD_S) -> list[tuple[float, float]]:
    from engines.redaction.spans import join_ranges

    return [(round(s, 3), round(e, 3)) for s, e in join_ranges([(max(0.0, s - pad), e + pad) for s, e in ranges])]
