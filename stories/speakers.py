"""Speakers in a story: naming the voices the machine found, and what other domains may ask about them.

A segment's `speaker` is the label people see ("Reporter", "Storyteller",
"Speaker 3", or a name someone typed). Labels are kept in every transcript
version like the words. Outside the story page only roles leave: `export json`
gives `reporter`, `storyteller` or `speaker N` (never a typed name).
"""
from __future__ import annotations

from typing import Sequence

REPORTER = "Reporter"
STORYTELLER = "Storyteller"


def speaker_name(index: int) -> str:
    return f"Speaker {index + 1}"


def label_segments(segments: Sequence[dict], speaking_time: dict[int, float], reporter_index: int | None) -> list[dict]:
    """Give each segment (with `speaker_index` from engines.diarize.assign_speakers) a label.

    - the enrolled reporter's voice is "Reporter";
    - one other voice is "Storyteller";
    - with two voices and no enrolment, the one who speaks less is taken to be the
      reporter asking questions (the editor can swap them in one click);
    - a single voice is the storyteller; a third or fourth voice is "Speaker N".
    """
    voices = sorted(speaking_time, key=lambda k: -speaking_time[k])
    names: dict[int, str] = {}
    if reporter_index is not None and reporter_index in speaking_time:
        names[reporter_index] = REPORTER
        others = [v for v in voices if v != reporter_index]
        if others:
            names[others[0]] = STORYTELLER
    elif len(voices) == 1:
        names[voices[0]] = STORYTELLER
    elif len(voices) == 2:
        names[voices[0]], names[voices[1]] = STORYTELLER, REPORTER
    elif voices:
        names[voices[0]] = STORYTELLER
    out = []
    for segment in segments:
        index = segment.get("speaker_index")
        label = "" if index is None else names.get(index, speaker_name(index))
        data = {k: v for k, v in segment.items() if k != "speaker_index"}
        data["speaker"] = label
        out.append(data)
    return out


def speaking_time(turns) -> dict[int, float]:
    out: dict[int, float] = {}
    for turn in turns:
        out[turn.speaker] = out.get(turn.speaker, 0.0) + (turn.end - turn.start)
    return out


def export_role(label: str, order: dict[str, int]) -> str | None:
    """The export form of a label: reporter, storyteller, or speaker N (N by first appearance)."""
    if not label:
        return None
    if label == REPORTER:
        return "reporter"
    if label == STORYTELLER:
        return "storyteller"
    order.setdefault(label, len(order) + 1)
    return f"speaker {order[label]}"


SHOWN_SPEAKER = r"^(Reporter|Storyteller|Speaker \d+)$"  # the only forms a speaker leaves the story page in


def shown_speaker(label: str, order: dict[str, int]) -> str | None:
    """A label as packs and present mode say it: Reporter, Storyteller or Speaker N, never a typed name."""
    role = export_role(label, order)
    return None if role is None else role[:1].upper() + role[1:]


def quote_speaker(story, start, end) -> str | None:
    """Who says the words [start, end] of a story (the voice with the most time in it), as
    `shown_speaker` says it (N numbered by first appearance in the story, as in `export json`);
    None when the quote has no times or nobody is labelled there."""
    if start is None or end is None:
        return None
    order: dict[str, int] = {}
    overlap: dict[str, float] = {}
    for segment in story.segments:
        shown = shown_speaker(segment.speaker or "", order)
        if shown and segment.start is not None and segment.end is not None:
            both = min(end, segment.end) - max(start, segment.start)
            if both > 0:
                overlap[shown] = overlap.get(shown, 0.0) + both
    return max(overlap, key=overlap.get) if overlap else None


def is_reporter(label: str) -> bool:
    return label == REPORTER


def storyteller_runs(segments: Sequence[dict]) -> list[list[dict]]:
    """Runs of consecutive segments not spoken by the reporter (so a passage never spans a question)."""
    runs: list[list[dict]] = [[]]
    for segment in segments:
        if is_reporter(segment.get("speaker") or ""):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append(segment)
    return [run for run in runs if run]


def spans_reporter(story, start: float, end: float) -> bool:
    """True when [start, end] (seconds) overlaps a segment the reporter speaks (a quote must not)."""
    return any(is_reporter(s.speaker or "") and s.start is not None and s.end is not None
               and s.start < end and s.end > start for s in story.segments)


def speaker_turns(story_id, segments: Sequence[dict]) -> list[dict]:
    """Character ranges of each speaker's turns in the joined text (as governance.policy.redacted_text
    joins `segments`: non-empty texts, one per line), for the REFI-QDA export's speaker cases."""
    turns: list[dict] = []
    order: dict[str, int] = {}
    offset = 0
    for segment in segments:
        text = (segment.get("text") or "").strip()
        if not text:
            continue
        role = export_role(segment.get("speaker") or "", order)
        if role:
            if turns and turns[-1]["speaker"] == role and turns[-1]["end"] + 1 == offset:
                turns[-1]["end"] = offset + len(text)
            else:
                turns.append({"story_id": str(story_id), "speaker": role, "start": offset, "end": offset + len(text)})
        offset += len(text) + 1
    return turns
