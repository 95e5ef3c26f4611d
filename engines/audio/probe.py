"""Proving an upload is real audio and measuring its length by decoding it once."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from engines.audio.decode import _decoded_frames, _open
from engines.audio.errors import (CorruptAudioError, NotAudioError, _length_slack, _mismatch,
                                  _too_long)

# Anything shorter than this after decoding is treated as "no usable sound".
MIN_AUDIO_SECONDS = 0.1



@dataclass(frozen=True)
class AudioInfo:
    """What `probe` measured by decoding the whole audio stream."""

    duration_s: float
    codec: str
    container: str
    sample_rate: int
    channels: int
    decode_errors: int = 0  # packets skipped because they would not decode
    # The header promised clearly more than could be decoded: an upload cut short.
    truncated: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def probe(path, max_seconds: float | None = None) -> AudioInfo:
    """Decode the audio stream once to prove it is real audio and measure its duration.

    The length is the decoded sound, never the header's word for it, and the
    work is bounded: a header claiming more than `max_seconds` is refused
    before decoding, and decoding stops as soon as the sound passes
    `max_seconds` or clearly passes what the header claimed. Raises
    NotAudioError, TooLongError or LengthMismatchError with a plain-English message.
    """
    import av

    container = _open(path)
    try:
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        claimed = _claimed_duration(container, stream) or None
        declared = _declared_wav_seconds(path) if container.format.name == "wav" else None
        if max_seconds and claimed and claimed > max_seconds + _length_slack(max_seconds):
            raise _too_long(max_seconds, claimed)
        stop_at = min(x for x in (max_seconds, claimed and claimed + _length_slack(claimed), float("inf")) if x)
        samples_seconds = 0.0
        errors = good_frames = 0
        try:
            for frame, errors in _decoded_frames(container, stream):
                good_frames += 1
                samples_seconds += frame.samples / float(frame.sample_rate or ctx.sample_rate)
                if samples_seconds > stop_at:
                    if max_seconds and samples_seconds > max_seconds:
                        raise _too_long(max_seconds)
                    raise _mismatch(claimed, samples_seconds, more=True)
        except CorruptAudioError as exc:
            # At upload time a file that stops decoding part way is rejected outright.
            raise NotAudioError("This file is damaged: its sound could not be played all the way through.") from exc
        except av.FFmpegError as exc:  # demuxer errors on a broken header or container
            raise NotAudioError("This file is damaged: its sound could not be played.") from exc
        if errors > good_frames:
            # Random bytes (a renamed program, say) half-decode as MPEG audio; real audio does not.
            raise NotAudioError("This does not look like an audio file: most of it could not be played.")
        if samples_seconds < MIN_AUDIO_SECONDS:
            raise NotAudioError(
                "This file has no sound that can be played (it may be cut short or damaged)."
            )
        if declared and abs(declared - samples_seconds) > _length_slack(samples_seconds):
            raise _mismatch(declared, samples_seconds, more=declared < samples_seconds)
        return AudioInfo(
            truncated=bool(claimed and claimed > samples_seconds + max(2.0, 0.1 * claimed)),
            duration_s=round(samples_seconds, 3),
            codec=ctx.name,
            container=container.format.name,
            sample_rate=int(ctx.sample_rate or 0),
            channels=int(ctx.layout.nb_channels if ctx.layout else 0),
            decode_errors=errors,
        )
    finally:
        container.close()


def _claimed_duration(container, stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000.0  # AV_TIME_BASE is microseconds
    return None


def _declared_wav_seconds(path) -> float | None:
    """The length a WAV's own header declares (data size / byte rate). FFmpeg
    quietly trusts the file size instead, so a lying header needs reading here."""
    import struct

    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, None
    while pos + 8 <= len(head):
        chunk, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if chunk == b"fmt " and pos + 16 <= len(head):
            byte_rate = struct.unpack("<I", head[pos + 16:pos + 20])[0]
        if chunk == b"data":
            if not byte_rate or size in (0, 0xFFFFFFFF):  # streaming writers leave it unknown
                return None
            return size / byte_rate
        pos += 8 + size + (size & 1)
    return None


def header_duration(path) -> float | None:
    """Duration the file's header claims (cheap, no decoding); None if it does not say."""
    try:
        container = _open(path)
    except NotAudioError:
        return None
    try:
        return _claimed_duration(container, container.streams.audio[0])
    finally:
        container.close()
