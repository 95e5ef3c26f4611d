"""Detectors for Whisper's known failure modes; they mark segments, they never delete them.

- repetition_loop: the decoder got stuck repeating a phrase ("I went I went I went ...")
  or produced text so repetitive it compresses too well (Whisper's own 2.4 gzip rule).
- possible_hallucination: text where there was no speech: Whisper's own silence rule
  (high no_speech_prob with low avg_logprob), a segment with (almost) no VAD speech
  under it, or words whose timings/probabilities look like invented text.
"""
from __future__ import annotations

import re
import string
from typing import Sequence

from .results import POSSIBLE_HALLUCINATION, REPETITION_LOOP, Segment, Word

COMPRESSION_RATIO_LIMIT = 2.4  # Whisper's compression_ratio_threshold default
NO_SPEECH_PROB_LIMIT = 0.6  # Whisper's no_speech_threshold default
LOG_PROB_LIMIT = -1.0  # Whisper's log_prob_threshold default
MIN_SPEECH_OVERLAP = 0.2  # share of a segment's span that must be VAD speech
LOW_WORD_PROBABILITY = 0.5  # below this a word is shown as uncertain
# Consecutive repeats that count as a loop: single words repeat naturally a bit
# ("no, no, no") so they need more; any phrase of 2+ words repeated 4 times is a loop.
MIN_REPEATS_SINGLE_WORD = 6
MIN_REPEATS_PHRASE = 4
MAX_NGRAM = 8

_WORD_RE = re.compile(r"[a-z0-9']+")


def longest_repeat(text: str, max_ngram: int = MAX_NGRAM) -> tuple[int, int]:
    """Return (n, repeats) for the n-gram repeated most times back to back in `text`."""
    tokens = _WORD_RE.findall(text.lower())
    best = (0, 0)
    for n in range(1, max_ngram + 1):
        for i in range(0, len(tokens) - 2 * n + 1):
            repeats = 1
            while tokens[i + repeats * n: i + (repeats + 1) * n] == tokens[i: i + n]:
                repeats += 1
            if repeats > best[1]:
                best = (n, repeats)
    return best


def is_repetition_loop(text: str, compression_ratio: float | None = None) -> bool:
    """True when the text repeats a word/phrase like a stuck decoder, or compresses too well."""
    if compression_ratio is not None and compression_ratio > COMPRESSION_RATIO_LIMIT:
        return True
    n, repeats = longest_repeat(text)
    if n == 1:
        return repeats >= MIN_REPEATS_SINGLE_WORD
    return n > 1 and repeats >= MIN_REPEATS_PHRASE


def word_anomaly_score(word: Word) -> float:
    """faster-whisper's hallucination score for one word: improbable, too short or too long."""
    duration = word.end - word.start
    score = 0.0
    if word.probability < 0.15:
        score += 1.0
    if duration < 0.133:
        score += (0.133 - duration) * 15
    if duration > 2.0:
        score += duration - 2.0
    return score


def words_look_invented(words: Sequence[Word]) -> bool:
    """faster-whisper's is_segment_anomaly on the first 8 real words of a segment."""
    real = [w for w in words if w.text.strip() not in string.punctuation][:8]
    if not real:
        return False
    score = sum(word_anomaly_score(w) for w in real)
    return score >= 3 or score + 0.01 >= len(real)


def speech_overlap(start: float, end: float, speech: Sequence[tuple[float, float]]) -> float:
    """Share (0..1) of [start, end] covered by the VAD speech regions."""
    span = end - start
    if span <= 0:
        # A zero-length segment is speech only if it sits inside a region.
        return 1.0 if any(a <= start <= b for a, b in speech) else 0.0
    covered = sum(max(0.0, min(end, b) - max(start, a)) for a, b in speech)
    return min(1.0, covered / span)


def is_silence_text(avg_logprob: float, no_speech_prob: float) -> bool:
    """Whisper's own rule for 'this window was silence but text came out anyway'."""
    return no_speech_prob > NO_SPEECH_PROB_LIMIT and avg_logprob < LOG_PROB_LIMIT


def flag_segment(segment: Segment, speech: Sequence[tuple[float, float]] | None) -> Segment:
    """Set segment.flags and each word's low_confidence in place; returns the segment.

    `speech` None means VAD regions are unknown, so the overlap check is skipped.
    """
    flags: list[str] = []
    for word in segment.words:
        word.low_confidence = word.probability < LOW_WORD_PROBABILITY
    if is_repetition_loop(segment.text, segment.compression_ratio):
        flags.append(REPETITION_LOOP)
    if (
        is_silence_text(segment.avg_logprob, segment.no_speech_prob)
        or (speech is not None and speech_overlap(segment.start, segment.end, speech) < MIN_SPEECH_OVERLAP)
        or words_look_invented(segment.words)
    ):
        flags.append(POSSIBLE_HALLUCINATION)
    segment.flags = flags
    return segment
