"""Aligning who-spoke-when turns to a transcript's word timings (plain Python, no models)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from engines.diarize import Turn


def speaker_at(start: float, end: float, turns: Sequence[Turn]) -> int | None:
    """The speaker covering most of [start, end]; the nearest turn when none overlaps."""
    if not turns:
        return None
    overlap: dict[int, float] = {}
    for turn in turns:
        shared = min(end, turn.end) - max(start, turn.start)
        if shared > 0:
            overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + shared
    if overlap:
        return max(overlap, key=overlap.get)
    middle = (start + end) / 2
    return min(turns, key=lambda t: 0.0 if t.start <= middle <= t.end else min(abs(t.start - middle), abs(t.end - middle))).speaker


def assign_speakers(segments: Sequence[dict], turns: Sequence[Turn]) -> list[dict]:
    """Segments (TranscriptResult.to_dict()["segments"]) with a `speaker_index`, split where the speaker changes.

    Each word takes the speaker covering most of it; a segment whose words change
    speaker becomes one segment per run of words (quality scores copied to each part).
    """
    out: list[dict] = []
    for segment in segments:
        words = list(segment.get("words") or [])
        if not words:
            out.append({**segment, "speaker_index": speaker_at(segment["start"], segment["end"], turns)})
            continue
        runs: list[tuple[int | None, list[dict]]] = []
        for word in words:
            who = speaker_at(word["start"], word["end"], turns)
            if runs and runs[-1][0] == who:
                runs[-1][1].append(word)
            else:
                runs.append((who, [word]))
        if len(runs) == 1:
            out.append({**segment, "speaker_index": runs[0][0]})
            continue
        for k, (who, run) in enumerate(runs):
            out.append({**segment, "speaker_index": who, "words": run,
                        "start": segment["start"] if k == 0 else run[0]["start"],
                        "end": segment["end"] if k == len(runs) - 1 else run[-1]["end"],
                        "text": " ".join(w["text"].strip() for w in run).strip()})
    return out
