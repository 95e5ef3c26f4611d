"""Speech to text for uploaded stories (see pipeline.py for the configuration and why)."""
from .guards import flag_segment, is_repetition_loop, longest_repeat, speech_overlap, words_look_invented
from .pipeline import (
    Transcriber,
    TranscriptionError,
    default_model_path,
    get_transcriber,
    pcm_windows,
)
from .results import POSSIBLE_HALLUCINATION, REPETITION_LOOP, Segment, TranscriptResult, Word

__all__ = [
    "POSSIBLE_HALLUCINATION", "REPETITION_LOOP", "Segment", "TranscriptResult", "Transcriber",
    "TranscriptionError", "Word", "default_model_path", "flag_segment", "get_transcriber",
    "is_repetition_loop", "longest_repeat", "pcm_windows", "speech_overlap", "words_look_invented",
]
