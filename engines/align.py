"""Forced alignment: real times for words a person typed, from the audio, with the Whisper model
the worker already holds.

This is the routine faster-whisper uses for its own word timestamps (`WhisperModel.find_alignment`,
which calls CTranslate2's `Whisper.align`: cross-attention of the given tokens over the encoded
audio, median-filtered, then a dynamic-time-warping path). Given the audio of a segment and the
words it now has, it returns where each word is spoken. Plain Python, no Flask; faster-whisper is
imported by the caller's model object only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
MAX_WINDOW_S = 30.0  # Whisper's encoder sees 30 s at most


class AlignmentError(Exception):
    """The words could not be placed in this audio (too long a window, or no audio)."""


@dataclass
class AlignedWord:
    text: str
    start: float
    end: float
    probability: float


def align_words(whisper, audio: np.ndarray, text: str, offset_s: float = 0.0, language: str = "en") -> list[AlignedWord]:
    """Where each word of `text` is spoken in `audio` (16 kHz mono float32, at most 30 s).

    `whisper` is a loaded faster_whisper.WhisperModel; times are absolute (offset_s added).
    Words are split the way Whisper's tokenizer splits them (punctuation stays with its word).
    """
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer

    if not text.strip():
        return []
    if audio.size == 0:
        raise AlignmentError("There is no audio to place these words in.")
    if audio.size > MAX_WINDOW_S * SAMPLE_RATE:
        raise AlignmentError("This stretch of audio is longer than 30 seconds.")
    tokenizer = Tokenizer(whisper.hf_tokenizer, whisper.model.is_multilingual, task="transcribe", language=language)
    features = whisper.feature_extractor(audio)
    num_frames = min(features.shape[-1], whisper.feature_extractor.nb_max_frames)
    encoder_output = whisper.encode(pad_or_trim(features))
    tokens = tokenizer.encode(" " + " ".join(text.split()))
    [alignment] = whisper.find_alignment(tokenizer, [tokens], encoder_output, num_frames)
    limit = audio.size / SAMPLE_RATE
    return [AlignedWord(w["word"].strip(), round(offset_s + min(float(w["start"]), limit), 3),
                        round(offset_s + min(float(w["end"]), limit), 3), round(float(w["probability"]), 4))
            for w in alignment if w["word"].strip()]


def read_span(path, start_s: float, end_s: float) -> np.ndarray:
    """[start_s, end_s) of an audio file as 16 kHz mono float32."""
    from engines.audio import _read_span

    return _read_span(path, max(0.0, start_s), end_s, SAMPLE_RATE)
