"""Speech to text for uploaded stories (see pipeline.py for the configuration and why)."""
from types import ModuleType as _ModuleType

from .guards import flag_segment, is_repetition_loop, longest_repeat, speech_overlap, words_look_invented
from .pipeline import (
    Transcriber,
    TranscriptionError,
    default_model_path,
    get_transcriber,
    pcm_windows,
)
from .results import POSSIBLE_HALLUCINATION, REPETITION_LOOP, Segment, TranscriptResult, Word

# The public names are the ones imported above; importing the parts binds their modules here too.
__all__ = sorted(name for name, value in globals().items()
                 if not name.startswith("_") and not isinstance(value, _ModuleType))
