"""Test helpers for governance: audio stories with exact word timings, spoken by espeak-ng."""
from __future__ import annotations

import hashlib
import subprocess
import wave
from pathlib import Path

import numpy as np
from flask import current_app

from extensions import db
from stories.models import ConsentRecord, ConsentScope, MediaFile, Segment, Story

RATE = 22050
GAP = 0.15


def _speak(word: str, dest: Path) -> np.ndarray:
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(dest), word], check=True, capture_output=True)
    with wave.open(str(dest)) as w:
        assert w.getframerate() == RATE and w.getsampwidth() == 2
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
    # Trim espeak's own leading/trailing silence so word times are tight.
    loud = np.nonzero(np.abs(audio) > 0.01)[0]
    return audio[loud[0]: loud[-1] + 1] if loud.size else audio


def spoken_story(reporter, sentences: list[str], *, title="A recorded story", scopes=("analysis", "workshop", "quote",
                 "manager_view"), status="ready", **fields) -> Story:
    """A story whose audio speaks `sentences` word by word, with each word's exact time."""
    data_dir = Path(current_app.config["DATA_DIR"])
    work = data_dir / "tmp-speech"
    work.mkdir(parents=True, exist_ok=True)
    pieces, t, segments = [], 0.0, []
    for position, sentence in enumerate(sentences):
        words, seg_start = [], t
        for index, word in enumerate(sentence.split()):
            audio = _speak(word.strip(".,"), work / f"w{position}_{index}.wav")
            words.append({"start": round(t, 3), "end": round(t + audio.size / RATE, 3), "text": " " + word,
                          "probability": 0.9, "low_confidence": False})
            pieces += [audio, np.zeros(int(GAP * RATE), dtype=np.float32)]
            t += audio.size / RATE + GAP
        segments.append(Segment(position=position, start=round(seg_start, 3), end=round(t, 3), text=" " + sentence,
                                words=words))
    pcm = (np.concatenate(pieces) * 32767).astype(np.int16).tobytes()
    digest = hashlib.sha256(pcm).hexdigest()
    rel = f"media/{digest}.wav"
    (data_dir / "media").mkdir(exist_ok=True)
    with wave.open(str(data_dir / rel), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
    media = MediaFile(sha256=digest, storage_path=rel, original_filename="story.wav", content_type="audio/wav",
                      bytes=len(pcm), duration_s=t, encrypted=False)
    story = Story(title=title, reporter_id=reporter.id, status=status, source_kind="audio", media=media,
                  duration_s=t, **fields)
    if scopes is not None:
        consent = ConsentRecord(method="signed_form", recorded_by_id=reporter.id)
        consent.scope_rows = [ConsentScope(scope=s) for s in scopes]
        story.consents.append(consent)
    story.segments = segments
    db.session.add(story)
    db.session.commit()
    return story


def tone_ratio(path, start: float, end: float, hz: float = 1000.0) -> float:
    """Share of the spectral energy of [start, end] (clip-relative seconds) within 50 Hz of `hz`."""
    from engines.audio import iter_pcm

    audio = np.concatenate([block for _, block in iter_pcm(path, sample_rate=16000)])
    part = audio[int(start * 16000): int(end * 16000)]
    spectrum = np.abs(np.fft.rfft(part)) ** 2
    freqs = np.fft.rfftfreq(part.size, 1 / 16000)
    return float(spectrum[(freqs > hz - 50) & (freqs < hz + 50)].sum() / max(spectrum.sum(), 1e-12))
