"""Audio files in and out: check an upload is real audio, stream it as PCM, cut quote clips.

Everything here streams frame by frame through PyAV, so memory stays bounded
however long the recording is. Errors carry a plain-English `message` that the
web side can show to a reporter as-is.
"""
from __future__ import annotations

import gc
import os
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

# Anything shorter than this after decoding is treated as "no usable sound".
MIN_AUDIO_SECONDS = 0.1
# Consecutive undecodable packets before we call the file corrupt (isolated bad
# packets are normal in phone recordings and are skipped, as faster-whisper does).
MAX_CONSECUTIVE_DECODE_ERRORS = 50
TONE_HZ = 1000.0
TONE_LEVEL = 0.2  # about -14 dBFS: clearly audible, not painful


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


def _open(path):
    """Open a media file, turning PyAV's errors into NotAudioError."""
    import av

    path = str(path)
    if not os.path.exists(path):
        raise NotAudioError("The file could not be found.")
    if os.path.getsize(path) == 0:
        raise NotAudioError("The file is empty (0 bytes). Please record or upload it again.")
    try:
        container = av.open(path, mode="r", metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise NotAudioError(
            "This does not look like an audio or video file, so it cannot be played."
        ) from exc
    if not container.streams.audio:
        container.close()
        raise NotAudioError("This file has no sound in it (it may be a picture or a document).")
    return container


def _decoded_frames(container, stream) -> Iterator:
    """Decode audio frames, skipping isolated bad packets; raise CorruptAudioError on a run of them.

    Yields (frame, error_count_so_far).
    """
    import av

    errors = consecutive = 0
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError as exc:
            # The container itself breaks down (e.g. Ogg pages of random bytes).
            raise CorruptAudioError("Part of this recording is damaged and cannot be played.") from exc
        try:
            frames = packet.decode()
        except av.FFmpegError as exc:
            errors += 1
            consecutive += 1
            if consecutive >= MAX_CONSECUTIVE_DECODE_ERRORS:
                raise CorruptAudioError(
                    "Part of this recording is damaged and cannot be played."
                ) from exc
            continue
        consecutive = 0
        for frame in frames:
            yield frame, errors


def _too_long(max_seconds: float, actual: float | None = None) -> TooLongError:
    said = f"This recording is {spoken_length(actual)} long" if actual else \
        f"This recording is longer than {spoken_length(max_seconds)}"
    return TooLongError(f"{said}. A story can be at most {spoken_length(max_seconds)}: "
                        "please cut it into shorter parts and upload each one.")


def _mismatch(claimed: float, decoded: float, more: bool) -> LengthMismatchError:
    what = "more sound than that" if more else f"only {spoken_length(decoded)} of sound"
    return LengthMismatchError(f"This file says it is {spoken_length(claimed)} long but holds {what}. "
                               "It may be damaged: please save or export it again from the recorder.")


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


def _to_float(frame) -> np.ndarray:
    return frame.to_ndarray().reshape(-1).astype(np.float32) / 32768.0


def _resampled(path, sample_rate: int, seek_to_s: float = 0.0) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (source_time_of_first_sample, float32 mono block) resampled to `sample_rate`.

    With seek_to_s > 0 the container seeks to a keyframe at or before that time; the
    returned start time says where decoding really began.
    """
    import av

    container = _open(path)
    # s16 then /32768, exactly as faster_whisper.decode_audio does, so our transcripts are
    # bit-for-bit what faster-whisper would produce on the same file.
    resampler = av.AudioResampler(format="s16", layout="mono", rate=sample_rate)
    try:
        stream = container.streams.audio[0]
        start_time = 0.0
        if seek_to_s > 0 and stream.time_base:
            container.seek(int(seek_to_s / stream.time_base), stream=stream, backward=True, any_frame=False)
        first = True
        for frame, _errors in _decoded_frames(container, stream):
            if first:
                first = False
                if seek_to_s > 0 and frame.time is not None:
                    start_time = max(0.0, float(frame.time))
                yield start_time, np.empty(0, dtype=np.float32)
            # The resampler checks timestamps; gaps from skipped packets must not stop it.
            frame.pts = None
            try:
                converted = resampler.resample(frame)
            except ValueError as exc:
                # Sample rate or channel layout changing mid-stream: in an uploaded
                # recording that is damaged data decoding into garbage frames.
                raise CorruptAudioError("Part of this recording is damaged and cannot be played.") from exc
            for out in converted:
                yield start_time, _to_float(out)
        for out in resampler.resample(None):  # flush
            yield start_time, _to_float(out)
    finally:
        container.close()
        del resampler
        # PyAV resampler buffers are only freed by the cycle collector (faster-whisper #390).
        gc.collect()


def iter_pcm(path, sample_rate: int = 16000, chunk_seconds: float = 30.0) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (offset_s, float32 mono array) chunks of `chunk_seconds` (last one shorter).

    Memory is bounded by one chunk however long the file is. Raises NotAudioError
    for unusable files and CorruptAudioError if decoding breaks down part way.
    """
    chunk_len = max(1, int(round(chunk_seconds * sample_rate)))
    pending: list[np.ndarray] = []
    pending_len = 0
    emitted = 0
    for _start, block in _resampled(path, sample_rate):
        if not block.size:
            continue
        pending.append(block)
        pending_len += block.size
        while pending_len >= chunk_len:
            joined = np.concatenate(pending)
            yield emitted / sample_rate, joined[:chunk_len]
            emitted += chunk_len
            rest = joined[chunk_len:]
            pending, pending_len = ([rest], rest.size) if rest.size else ([], 0)
    if pending_len:
        yield emitted / sample_rate, np.concatenate(pending)


def _read_span(src, start_s: float, end_s: float, sample_rate: int) -> np.ndarray:
    """Decode [start_s, end_s) of `src` as float32 mono at `sample_rate` (seeking near the start)."""
    want = max(0, int(round((end_s - start_s) * sample_rate)))
    pieces: list[np.ndarray] = []
    have = 0
    position = None  # source time of the next sample we receive
    for begun_at, block in _resampled(src, sample_rate, seek_to_s=max(0.0, start_s - 1.0)):
        if position is None:
            position = begun_at
        if not block.size:
            continue
        block_start, position = position, position + block.size / sample_rate
        if position <= start_s:
            continue
        skip = max(0, int(round((start_s - block_start) * sample_rate)))
        block = block[skip:]
        pieces.append(block)
        have += block.size
        if have >= want:
            break
    audio = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return audio[:want]


def apply_mutes(audio: np.ndarray, sample_rate: int, clip_start_s: float,
                mutes: Sequence[tuple[float, float]], mute_with: str = "tone") -> np.ndarray:
    """Overwrite each mute range (absolute source seconds) with a 1 kHz tone or silence.

    The original samples in the range are replaced, not attenuated.
    """
    if mute_with not in ("tone", "silence"):
        raise ValueError("mute_with must be 'tone' or 'silence'")
    audio = audio.copy()
    for mute_start, mute_end in mutes:
        a = max(0, int(round((mute_start - clip_start_s) * sample_rate)))
        b = min(audio.size, int(round((mute_end - clip_start_s) * sample_rate)))
        if b <= a:
            continue
        if mute_with == "silence":
            audio[a:b] = 0.0
        else:
            t = np.arange(b - a, dtype=np.float64) / sample_rate
            audio[a:b] = (TONE_LEVEL * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)
    return audio


# dest suffix -> (container format, encoder preference list, output sample rate)
_CLIP_FORMATS = {
    ".mp3": ("mp3", ["libmp3lame", "mp3"], 44100),
    ".ogg": ("ogg", ["libvorbis", "libopus", "vorbis", "opus"], 48000),
}


def _encode_with_pyav(audio: np.ndarray, dest: Path, fmt: str, codec: str, rate: int) -> None:
    import av

    with av.open(str(dest), mode="w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        if codec in ("vorbis", "opus"):
            stream.codec_context.options = {"strict": "experimental"}
        frame = av.AudioFrame.from_ndarray(audio.reshape(1, -1).astype(np.float32), format="fltp", layout="mono")
        frame.sample_rate = rate
        frame.pts = 0
        # PyAV re-chunks a long frame into the encoder's frame size internally.
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def _encode_with_ffmpeg(audio: np.ndarray, dest: Path, rate: int) -> None:
    """Fallback when PyAV's build lacks an encoder: write WAV, let the ffmpeg binary convert."""
    import av

    ffmpeg = shutil.which("ffmpeg")
    if not ffmpeg:
        raise RuntimeError(f"No encoder available for {dest.suffix} clips (PyAV lacks it, no ffmpeg binary).")
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "clip.wav"
        with av.open(str(wav), mode="w", format="wav") as out:
            stream = out.add_stream("pcm_s16le", rate=rate, layout="mono")
            frame = av.AudioFrame.from_ndarray(
                (np.clip(audio, -1, 1) * 32767).astype(np.int16).reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
        subprocess.run([ffmpeg, "-loglevel", "error", "-y", "-i", str(wav), str(dest)], check=True)


def cut_clip(src, start_s: float, end_s: float, dest, mutes: Sequence[tuple[float, float]] = (),
             mute_with: str = "tone") -> Path:
    """Write [start_s, end_s] of `src` to `dest` (.mp3 or .ogg), with mute ranges replaced.

    `mutes` are (start, end) in absolute source seconds; each becomes a 1 kHz tone
    (mute_with="tone") or digital silence ("silence"). Returns the dest path.
    """
    import av

    dest = Path(dest)
    if dest.suffix.lower() not in _CLIP_FORMATS:
        raise ValueError("Clips can be written as .mp3 or .ogg only")
    if end_s <= start_s:
        raise ValueError("Clip end must be after its start")
    fmt, encoders, rate = _CLIP_FORMATS[dest.suffix.lower()]
    audio = _read_span(src, start_s, end_s, rate)
    if audio.size == 0:
        raise NotAudioError("There is no sound in that part of the recording.")
    audio = apply_mutes(audio, rate, start_s, mutes, mute_with)
    dest.parent.mkdir(parents=True, exist_ok=True)
    available = av.codecs_available
    codec = next((name for name in encoders if name in available), None)
    if codec is None:
        _encode_with_ffmpeg(audio, dest, rate)
    else:
        try:
            _encode_with_pyav(audio, dest, fmt, codec, rate)
        except av.FFmpegError:
            _encode_with_ffmpeg(audio, dest, rate)
    return dest
