"""Second chance for repetition loops: decode that stretch again before anyone is asked to fix it.

A loop ("-vant-vant-vant…") comes from the decoder feeding on its own output. The
batched pipeline decodes each 30 s chunk once at temperature 0, so the stretch
under a looping segment is decoded again by the sequential decoder with
`condition_on_previous_text=False` (nothing earlier to feed on) and Whisper's
temperature fallback (0.0 → 1.0 whenever the text compresses too well or is
improbable). The new segments replace the loop only if they are not a loop
themselves; otherwise the original stays, flagged, for a person.
"""
from __future__ import annotations

import numpy as np

from .guards import flag_segment
from .results import REPETITION_LOOP, Segment

SAMPLE_RATE = 16000
PAD_SECONDS = 0.3
TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
REDECODED = "redecoded"  # a flag kept on segments that replaced a loop (shown nowhere, kept for the record)


def redecode_loops(whisper, samples: np.ndarray, offset: float, segments: list[Segment],
                   speech, language: str | None, task: str, convert) -> list[Segment]:
    """`segments` with every repetition-loop segment decoded again (see module doc); others untouched."""
    out: list[Segment] = []
    for segment in segments:
        if REPETITION_LOOP not in segment.flags:
            out.append(segment)
            continue
        replacement = _decode_again(whisper, samples, offset, segment, speech, language, task, convert)
        out.extend(replacement or [segment])
    return out


def _decode_again(whisper, samples, offset, segment, speech, language, task, convert) -> list[Segment] | None:
    start = max(0, int((segment.start - offset - PAD_SECONDS) * SAMPLE_RATE))
    end = min(samples.size, int((segment.end - offset + PAD_SECONDS) * SAMPLE_RATE))
    if end - start < SAMPLE_RATE // 10:
        return None
    pieces, _info = whisper.transcribe(
        samples[start:end], language=language, task=task, beam_size=5, temperature=list(TEMPERATURES),
        condition_on_previous_text=False, compression_ratio_threshold=2.4, log_prob_threshold=-1.0,
        word_timestamps=True, vad_filter=False,
    )
    fresh = [flag_segment(convert(p, offset + start / SAMPLE_RATE), speech) for p in pieces]
    fresh = [s for s in fresh if s.text.strip()]
    if not fresh or any(REPETITION_LOOP in s.flags for s in fresh):
        return None
    for s in fresh:
        s.flags = [*s.flags, REDECODED]
    return fresh
