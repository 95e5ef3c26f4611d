"""Cutting quote clips: a span of the recording, mute ranges overwritten, encoded as MP3 or Ogg."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from engines.audio.decode import _read_span
from engines.audio.errors import NotAudioError

TONE_HZ = 1000.0
TONE_LEVEL = 0.2  # about -14 dBFS: clearly audible, not painful


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
