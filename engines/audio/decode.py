"""Opening a media file and decoding it frame by frame through PyAV: PCM chunks and spans.

Memory stays bounded by one chunk however long the recording is.
"""
from __future__ import annotations

import gc
import os
from typing import Iterator

import numpy as np

from engines.audio.errors import CorruptAudioError, NotAudioError

# Consecutive undecodable packets before we call the file corrupt (isolated bad
# packets are normal in phone recordings and are skipped, as faster-whisper does).
MAX_CONSECUTIVE_DECODE_ERRORS = 50


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
        # PyAV resampler buffers were once freed only by the cycle collector (faster-whisper #390): the young
        # generations are collected here, where such a cycle lives. Not a full collection: that walks every
        # object of the process, ~0.1 s a file in a web or test process (and once per clip a pack cuts),
        # and reading a file 400 times keeps the process's size without it (tests/engines/test_audio.py).
        gc.collect(1)


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
