"""Audio errors whose `message` a reporter can read as-is, and how lengths are said in words."""
from __future__ import annotations

class AudioError(Exception):
    """Base class: `message` is safe to show to a reporter."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotAudioError(AudioError):
    """The file is empty, not a media file, has no sound, or is too broken to play."""


class CorruptAudioError(AudioError):
    """The file started fine but could not be decoded further on."""


class TooLongError(AudioError):
    """The recording is longer than a story may be."""


class LengthMismatchError(AudioError):
    """The file's header and its decoded sound disagree about how long it is."""


def spoken_length(seconds: float) -> str:
    """"10 hours", "1 hour 5 minutes", "1 minute", "2 seconds"."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    hours, minutes = divmod(seconds // 60, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def _length_slack(seconds: float) -> float:
    # Encoder padding and rounded headers differ by a fraction of a second; a
    # real mismatch is seconds and tens of per cent.
    return max(2.0, 0.1 * seconds)


def _too_long(max_seconds: float, actual: float | None = None) -> TooLongError:
    said = f"This recording is {spoken_length(actual)} long" if actual else \
        f"This recording is longer than {spoken_length(max_seconds)}"
    return TooLongError(f"{said}. A story can be at most {spoken_length(max_seconds)}: "
                        "please cut it into shorter parts and upload each one.")


def _mismatch(claimed: float, decoded: float, more: bool) -> LengthMismatchError:
    what = "more sound than that" if more else f"only {spoken_length(decoded)} of sound"
    return LengthMismatchError(f"This file says it is {spoken_length(claimed)} long but holds {what}. "
                               "It may be damaged: please save or export it again from the recorder.")
