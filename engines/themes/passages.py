"""Split a transcript (timed segments) or a typed story into short playable passages.

A passage is a few consecutive sentences. Theme discovery works on passages
rather than whole stories because one story usually touches several themes,
and a facilitator wants to play back the exact 20-second clip behind a quote.
"""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import asdict, dataclass

# A sentence ends at . ! ? (optionally followed by a closing quote/bracket) and whitespace.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")


@dataclass
class Passage:
    """A few sentences of one story; start/end are seconds into the audio, or None for typed text."""

    index: int
    start: float | None
    end: float | None
    text: str

    def to_dict(self) -> dict:
        return asdict(self)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences in `text`, whitespace trimmed."""
    spans, cursor = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((cursor, match.start() + len(match.group(0).rstrip())))
        cursor = match.end()
    if cursor < len(text):
        spans.append((cursor, len(text)))
    trimmed = []
    for start, end in spans:
        piece = text[start:end]
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            trimmed.append((start + lead, start + lead + len(piece.strip())))
    return trimmed


def _group_sentences(word_counts: list[int], max_sentences: int, max_words: int) -> list[tuple[int, int]]:
    """Group consecutive sentences into balanced runs [i, j) within both limits.

    Balanced, because a 4-sentence story split 3+1 leaves a one-sentence
    fragment that carries too little meaning to place in a theme; 2+2 does not.
    """
    groups, i, n = [], 0, len(word_counts)
    while i < n:
        remaining = n - i
        n_groups = math.ceil(remaining / max_sentences)
        size = math.ceil(remaining / n_groups)
        j, words = i, 0
        while j < i + size and (j == i or words + word_counts[j] <= max_words):
            words += word_counts[j]
            j += 1
        groups.append((i, j))
        i = j
    return groups


class _Timeline:
    """Maps a character offset in the joined transcript to seconds, interpolating inside segments."""

    def __init__(self, segments: list[dict]):
        self.char_starts, self.pieces = [], []
        self.timed = bool(segments) and all(
            seg.get("start") is not None and seg.get("end") is not None for seg in segments
        )
        parts, offset = [], 0
        for seg in segments:
            text = (seg.get("text") or "").strip()
            if not text:
                continue
            self.char_starts.append(offset)
            self.pieces.append((offset, offset + len(text), seg.get("start"), seg.get("end")))
            parts.append(text)
            offset += len(text) + 1  # the joining space
        self.text = " ".join(parts)

    def seconds_at(self, char_offset: int, at_end: bool = False) -> float | None:
        if not self.timed or not self.pieces:
            return None
        # At a passage end we want the segment holding the last character, not the next one.
        probe = max(char_offset - 1, 0) if at_end else char_offset
        k = max(bisect.bisect_right(self.char_starts, probe) - 1, 0)
        c0, c1, t0, t1 = self.pieces[k]
        share = min(max((char_offset - c0) / max(c1 - c0, 1), 0.0), 1.0)
        return round(float(t0) + share * (float(t1) - float(t0)), 2)


def split_passages(segments: list[dict], max_sentences: int = 3, max_words: int = 80) -> list[Passage]:
    """Split transcript segments {start, end, text} into passages of <= max_sentences / ~max_words.

    Sentences may cross segment boundaries (speech recognisers cut on pauses,
    not full stops), so the segments are joined first and each passage's
    start/end is read off the segment timeline by character position. Typed
    stories (start/end None) give passages with start/end None.
    """
    timeline = _Timeline(segments or [])
    text = timeline.text
    spans = _sentence_spans(text)
    if not spans:
        return []
    word_counts = [len(text[a:b].split()) for a, b in spans]
    passages = []
    for index, (i, j) in enumerate(_group_sentences(word_counts, max_sentences, max_words)):
        start_char, end_char = spans[i][0], spans[j - 1][1]
        passages.append(
            Passage(
                index=index,
                start=timeline.seconds_at(start_char),
                end=timeline.seconds_at(end_char, at_end=True),
                text=text[start_char:end_char],
            )
        )
    return passages
