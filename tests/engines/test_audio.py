"""engines.audio on real files made with espeak-ng / ffmpeg in a temp dir."""
from __future__ import annotations

import shutil
import subprocess
import tracemalloc

import numpy as np
import pytest

from engines import audio

SPEECH = "The bus to the probation office costs me nearly five pounds return."


def _ffmpeg(*args):
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """A spoken wav plus the same speech in every upload format, and some non-audio files."""
    d = tmp_path_factory.mktemp("media")
    raw = d / "speech_raw.wav"
    subprocess.run(["espeak-ng", "-w", str(raw), SPEECH], check=True)
    wav = d / "speech.wav"
    # 1 s of silence either side so clip/mute tests have room.
    subprocess.run(["sox", "-q", "-R", str(raw), "-r", "16000", str(wav), "pad", "1", "1"], check=True)
    files = {"wav": wav}
    for ext in ["mp3", "m4a", "ogg", "opus", "webm", "flac"]:
        files[ext] = d / f"speech.{ext}"
        _ffmpeg("-i", str(wav), str(files[ext]))
    files["mp4"] = d / "video.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=duration=2:size=64x64:rate=10", "-i", str(wav),
            "-shortest", "-c:v", "libx264", "-c:a", "aac", str(files["mp4"]))
    files["empty"] = d / "empty.m4a"
    files["empty"].write_bytes(b"")
    files["text"] = d / "notes.mp3"
    files["text"].write_text("This is a text file pretending to be audio.\n" * 50)
    files["exe"] = d / "program.mp3"
    shutil.copy("/bin/ls", files["exe"])
    files["png"] = d / "picture.m4a"
    _ffmpeg("-f", "lavfi", "-i", "color=c=red:s=32x32", "-frames:v", "1", "-f", "image2", str(files["png"]))
    for ext in ["mp3", "m4a"]:
        cut = d / f"header_only.{ext}"
        cut.write_bytes(files[ext].read_bytes()[:300])
        files[f"cut_{ext}"] = cut
    files["duration"] = float(subprocess.run(["soxi", "-D", str(wav)], capture_output=True, text=True,
                                             check=True).stdout)
    return files


@pytest.mark.parametrize("ext", ["wav", "mp3", "m4a", "ogg", "opus", "webm", "flac", "mp4"])
def test_probe_measures_every_upload_format(media, ext):
    info = audio.probe(media[ext])
    expected = 2.0 if ext == "mp4" else media["duration"]
    # Lossy codecs add encoder padding of a few tens of milliseconds.
    assert abs(info.duration_s - expected) < 0.15
    assert info.channels >= 1 and info.sample_rate >= 8000 and info.codec and info.container
    assert not info.truncated
    assert set(info.to_dict()) >= {"duration_s", "codec", "container", "sample_rate", "channels"}


@pytest.mark.parametrize("kind,phrase", [
    ("empty", "empty"), ("text", "does not look like"), ("exe", ""), ("png", "no sound"),
    ("cut_mp3", ""), ("cut_m4a", ""),
])
def test_probe_rejects_non_audio_with_plain_message(media, kind, phrase):
    with pytest.raises(audio.NotAudioError) as caught:
        audio.probe(media[kind])
    assert phrase in caught.value.message
    assert "Errno" not in caught.value.message and "ffmpeg" not in caught.value.message.lower()


def test_probe_flags_file_cut_short(media, tmp_path):
    data = media["flac"].read_bytes()
    cut = tmp_path / "cut.flac"
    cut.write_bytes(data[: len(data) // 3])
    info = audio.probe(cut)
    assert info.truncated and info.duration_s < media["duration"] * 0.6


def test_iter_pcm_chunks_cover_file(media):
    chunks = list(audio.iter_pcm(media["ogg"], sample_rate=16000, chunk_seconds=1.0))
    assert [round(offset, 3) for offset, _ in chunks] == [float(i) for i in range(len(chunks))]
    assert all(c.dtype == np.float32 and c.ndim == 1 for _, c in chunks)
    assert all(c.size == 16000 for _, c in chunks[:-1]) and 0 < chunks[-1][1].size <= 16000
    total = sum(c.size for _, c in chunks) / 16000
    assert abs(total - media["duration"]) < 0.1
    assert max(np.abs(c).max() for _, c in chunks) > 0.05  # real signal, not zeros


@pytest.mark.slow
def test_iter_pcm_memory_is_bounded_on_long_file(tmp_path):
    long_file = tmp_path / "long.flac"
    # 20 minutes of noise: 77 MB as float32 if it were loaded whole.
    _ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=1200:c=pink:r=16000:a=0.3", "-ac", "1", str(long_file))
    tracemalloc.start()
    seen = 0.0
    for offset, chunk in audio.iter_pcm(long_file, chunk_seconds=30.0):
        seen = offset + chunk.size / 16000
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert abs(seen - 1200) < 0.5
    assert peak < 15 * 1024 * 1024  # a few 30 s chunks (1.9 MB each), not the whole file


def _decode(path, rate):
    return np.concatenate([c for _, c in audio.iter_pcm(path, sample_rate=rate, chunk_seconds=60)])


def _tone_share(x, rate):
    """Share of the signal's energy within 50 Hz of 1 kHz."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size))) ** 2
    freqs = np.fft.rfftfreq(x.size, 1 / rate)
    return spectrum[(freqs > 950) & (freqs < 1050)].sum() / spectrum.sum()


@pytest.mark.parametrize("suffix,rate", [(".mp3", 44100), (".ogg", 48000)])
def test_cut_clip_replaces_muted_speech_with_tone(media, tmp_path, suffix, rate):
    start, end, mute = 1.0, 3.0, (1.6, 2.4)
    dest = audio.cut_clip(media["wav"], start, end, tmp_path / f"clip{suffix}", mutes=[mute])
    assert abs(audio.probe(dest).duration_s - (end - start)) < 0.1
    out = _decode(dest, rate)
    original = _decode(media["wav"], rate)
    margin = int(0.05 * rate)  # lossy codecs smear a few ms across the edges
    a, b = int((mute[0] - start) * rate) + margin, int((mute[1] - start) * rate) - margin
    muted = out[a:b]
    assert _tone_share(muted, rate) > 0.95
    assert 0.05 < np.sqrt(np.mean(muted ** 2)) < 0.3
    # Outside the mute the speech is still there and is not tone.
    kept = out[margin:int((mute[0] - start) * rate) - margin]
    assert np.sqrt(np.mean(kept ** 2)) > 0.01 and _tone_share(kept, rate) < 0.5
    # The muted speech is gone: no correlation with the original samples.
    src = original[int(mute[0] * rate) + margin:int(mute[1] * rate) - margin]
    n = min(src.size, muted.size)
    assert abs(np.corrcoef(src[:n], muted[:n])[0, 1]) < 0.1


def test_cut_clip_silence_mode(media, tmp_path):
    dest = audio.cut_clip(media["m4a"], 1.0, 3.0, tmp_path / "clip.ogg", mutes=[(1.5, 2.5)], mute_with="silence")
    out = _decode(dest, 48000)
    middle = out[int(0.55 * 48000):int(1.45 * 48000)]
    assert np.sqrt(np.mean(middle ** 2)) < 1e-3
    assert np.sqrt(np.mean(out[: int(0.45 * 48000)] ** 2)) > 0.01


def test_cut_clip_rejects_bad_requests(media, tmp_path):
    with pytest.raises(ValueError):
        audio.cut_clip(media["wav"], 1.0, 2.0, tmp_path / "clip.wav")
    with pytest.raises(ValueError):
        audio.cut_clip(media["wav"], 2.0, 1.0, tmp_path / "clip.mp3")


def _full_collections_while(action) -> int:
    """How many full (generation 2) garbage collections run during action(), with automatic ones off."""
    import gc

    full = []

    def note(phase, info):
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    gc.disable()
    gc.callbacks.append(note)
    try:
        action()
    finally:
        gc.callbacks.remove(note)
        gc.enable()
    return len(full)


def test_decoding_runs_no_full_collection(tmp_path):
    """A full collection walks every object of the process: ~0.1 s in a web or test process holding
    400,000 objects, once per clip cut (a pack cuts dozens) or file read. Decoding runs none."""
    mp3 = tmp_path / "story.mp3"
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-ar", "44100", "-ac", "2", str(mp3))
    assert _full_collections_while(lambda: list(audio.iter_pcm(mp3))) == 0
    assert _full_collections_while(lambda: audio.cut_clip(mp3, 0.5, 2.0, tmp_path / "clip.mp3")) == 0


def test_repeated_decoding_does_not_grow_memory(tmp_path):
    """PyAV's resampler once held its buffers until a full collection (faster-whisper #390): read a
    resampled mp3 400 times and the process keeps its size."""
    import psutil

    mp3 = tmp_path / "story.mp3"
    _ffmpeg("-f", "lavfi", "-i", "anoisesrc=d=2:c=pink:r=44100:a=0.3", "-ac", "2", str(mp3))
    for _ in range(50):  # the allocator's own warm-up
        list(audio.iter_pcm(mp3))
    before = psutil.Process().memory_info().rss
    for _ in range(400):
        list(audio.iter_pcm(mp3))
    assert psutil.Process().memory_info().rss - before < 8 * 1024 * 1024
