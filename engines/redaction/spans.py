"""Redaction spans: the Span record, merging overlaps, applying tags, and audio ranges.

Plain Python only. A Span is a half-open character range [start_char, end_char)
of the story text with the kind of identifying detail it holds.
"""
from __future__ import annotations

from dataclasses import dataclass

# Tag written in place of each kind of span.
TAGS: dict[str, str] = {
    "name": "[name]",
    "place": "[place]",
    "organisation": "[organisation]",
    "date_of_birth": "[date]",
    "phone": "[phone]",
    "email": "[email]",
    "postcode": "[postcode]",
    "address": "[address]",
    "ni_number": "[ni number]",
    "prison_number": "[prison number]",
}
KINDS = tuple(TAGS)

# When spans of equal length overlap, the more specific kind names the merged
# span: a pattern match is more certain than a named-entity guess.
_PRIORITY = {
    kind: rank
    for rank, kind in enumerate(
        [
            "email",
            "ni_number",
            "prison_number",
            "phone",
            "postcode",
            "date_of_birth",
            "address",
            "name",
            "organisation",
            "place",
        ]
    )
}


@dataclass(frozen=True)
class Span:
    """One detail to redact: text[start_char:end_char] is `text`, of `kind`, found by `source`."""

    start_char: int
    end_char: int
    kind: str
    text: str
    source: str

    def __len__(self) -> int:
        return self.end_char - self.start_char


def _wins(candidate: Span, current: Span) -> bool:
    """True if `candidate`'s kind should name a merged span over `current`'s."""
    if len(candidate) != len(current):
        return len(candidate) > len(current)
    return _PRIORITY.get(candidate.kind, 99) < _PRIORITY.get(current.kind, 99)


def merge_spans(spans, text: str | None = None) -> list[Span]:
    """Merge overlapping or adjacent spans into one; the longest (then most specific) kind wins.

    Adjacent means touching, or (for spans of one kind) separated only by whitespace. With `text` given,
    merged spans carry the exact text between their new bounds.
    """
    ordered = sorted(spans, key=lambda s: (s.start_char, -s.end_char))
    merged: list[Span] = []
    # Per merged span, the constituent that decides its kind.
    deciding: list[Span] = []
    for span in ordered:
        if merged:
            last = merged[-1]
            gap_text = _gap(last, span, text)
            # Whitespace-separated spans join only when they are of one kind:
            # "Sarah" + "Jones" is one name, "Leeds" + "LS1 4AB" stay a place and a postcode.
            touching = span.start_char <= last.end_char
            same_kind_neighbour = (
                span.kind == deciding[-1].kind and gap_text is not None and gap_text.strip() == ""
            )
            if touching or same_kind_neighbour:
                start, end = last.start_char, max(last.end_char, span.end_char)
                winner = span if _wins(span, deciding[-1]) else deciding[-1]
                sources = "+".join(sorted(set(last.source.split("+")) | set(span.source.split("+"))))
                merged[-1] = Span(start, end, winner.kind, _slice(text, last, span, start, end), sources)
                deciding[-1] = winner
                continue
        merged.append(span)
        deciding.append(span)
    return merged


def _gap(left: Span, right: Span, text: str | None) -> str | None:
    """Text between two non-overlapping spans, or None if it cannot be known or is too long."""
    if right.start_char <= left.end_char:
        return ""
    if right.start_char - left.end_char > 2:
        return None
    if text is not None:
        return text[left.end_char : right.start_char]
    # Without the text, a one-character gap is taken to be a space: spans from
    # one detector are never split by a single letter.
    return " " if right.start_char - left.end_char == 1 else None


def _slice(text: str | None, left: Span, right: Span, start: int, end: int) -> str:
    if text is not None:
        return text[start:end]
    if right.end_char <= left.end_char:
        return left.text
    gap = " " * max(0, right.start_char - left.end_char)
    overlap = max(0, left.end_char - right.start_char)
    return left.text + gap + right.text[overlap:]


def apply_redactions(text: str, spans) -> str:
    """Return `text` with each (merged) span replaced by its tag, e.g. "[name]"."""
    pieces: list[str] = []
    cursor = 0
    for span in merge_spans(spans, text):
        pieces.append(text[cursor : span.start_char])
        pieces.append(TAGS.get(span.kind, "[redacted]"))
        cursor = span.end_char
    pieces.append(text[cursor:])
    return "".join(pieces)


def time_ranges_for_spans(spans, words, pad: float = 0.05) -> list[tuple[float, float]]:
    """Audio ranges (seconds) to mute so that no redacted span can be heard.

    `words` are dicts {start, end, char_start, char_end} placing each transcribed
    word in time and in the text. Every word overlapping a span is muted, so a
    span crossing a segment boundary still mutes both parts. Ranges are padded
    by `pad` seconds each side (never below 0), sorted, and overlapping ones joined.
    """
    ranges: list[tuple[float, float]] = []
    for span in spans:
        touched = [
            w for w in words if w["char_start"] < span.end_char and w["char_end"] > span.start_char
        ]
        if not touched:
            continue
        start = min(float(w["start"]) for w in touched)
        end = max(float(w["end"]) for w in touched)
        ranges.append((max(0.0, start - pad), end + pad))
    return [(round(s, 3), round(e, 3)) for s, e in join_ranges(ranges)]


def join_ranges(ranges) -> list[tuple[float, float]]:
    """Sort time ranges and join those that overlap or touch."""
    joined: list[tuple[float, float]] = []
    for start, end in sorted(ranges):
        if joined and start <= joined[-1][1]:
            joined[-1] = (joined[-1][0], max(joined[-1][1], end))
        else:
            joined.append((start, end))
    return joined
