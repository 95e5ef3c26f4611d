"""Audio files in and out: check an upload is real audio, stream it as PCM, cut quote clips.

Everything here streams frame by frame through PyAV, so memory stays bounded
however long the recording is. Errors carry a plain-English `message` that the
web side can show to a reporter as-is.

The parts: `errors` (messages and lengths in words), `decode` (opening and
streaming PCM), `probe` (checking an upload), `clips` (cutting quote clips).
"""
from engines.audio.clips import TONE_HZ, TONE_LEVEL, apply_mutes, cut_clip
from engines.audio.decode import MAX_CONSECUTIVE_DECODE_ERRORS, _open, _read_span, _resampled, iter_pcm
from engines.audio.errors import (AudioError, CorruptAudioError, LengthMismatchError, NotAudioError,
                                  TooLongError, spoken_length)
from engines.audio.probe import MIN_AUDIO_SECONDS, AudioInfo, header_duration, probe

__all__ = [
    "AudioError", "AudioInfo", "CorruptAudioError", "LengthMismatchError", "MAX_CONSECUTIVE_DECODE_ERRORS",
    "MIN_AUDIO_SECONDS", "NotAudioError", "TONE_HZ", "TONE_LEVEL", "TooLongError", "apply_mutes",
    "cut_clip", "header_duration", "iter_pcm", "probe", "spoken_length", "_open", "_read_span", "_resampled",
]
