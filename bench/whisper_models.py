"""Benchmark: which Whisper model to run: tiny.en (bundled) against base (multilingual), WER and speed.

    .venv/bin/python bench/whisper_models.py

Two sets: the 5 real LibriVox clips with transcripts in Debian's
pocketsphinx-testdata, and 12 synthesized UK voices (espeak-ng en-gb, Scottish,
RP, Lancaster, West Midlands) reading dev-corpus stories. Each model runs in its
own process through the product's engines.transcribe (batched, beam 5, VAD,
word timings, one thread); speed is audio seconds per wall second of
transcription (model loading timed separately). Also: base told the language
against base detecting it.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
CACHE = os.path.join(REPO, "bench", ".cache", "whisper_models")
LIBRIVOX = "/usr/share/pocketsphinx/test/data/librivox"
UK_VOICES = ["en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-gb+f3"]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower().replace("mr.", "mister"))).strip()


def clips() -> list[dict]:
    """[{set, path, text}]: LibriVox with its transcripts, then synthesized UK voices (made once)."""
    out = []
    for line in open(os.path.join(LIBRIVOX, "transcription")):
        text, name = line.rsplit("(", 1)
        out.append({"set": "librivox", "path": os.path.join(LIBRIVOX, name.strip(" )\n") + ".wav"),
                    "text": text.replace("<s>", "").replace("</s>", "").strip()})
    os.makedirs(CACHE, exist_ok=True)
    stories = json.load(open(os.path.join(REPO, "demo", "dev_stories.json")))["stories"]
    for i, story in enumerate(stories[:12]):
        path = os.path.join(CACHE, f"{story['id']}.wav")
        if not os.path.exists(path):
            raw = path + ".raw.wav"
            subprocess.run(["espeak-ng", "-v", UK_VOICES[i % len(UK_VOICES)], "-s", "150", "-w", raw, story["text"]],
                           check=True)
            subprocess.run(["sox", "-q", raw, "-r", "16000", path, "pad", "0.3", "0.5"], check=True)
            os.remove(raw)
        out.append({"set": "uk voices", "path": path, "text": story["text"]})
    return out


def run_one(model: str, language: str) -> None:
    """Child process: transcribe every clip, print JSON {load_s, rows: [{set, hyp, audio_s, wall_s}]}."""
    from engines.transcribe import get_transcriber
    from engines.transcription.models import resolve_model

    start = time.perf_counter()
    transcriber = get_transcriber(resolve_model(model, os.path.join(REPO, "bench", ".cache")))
    load_s = time.perf_counter() - start
    rows = []
    for clip in clips():
        t0 = time.perf_counter()
        result = transcriber.transcribe(clip["path"], language=language)
        rows.append({"set": clip["set"], "hyp": result.text, "ref": clip["text"], "audio_s": result.duration_s,
                     "wall_s": time.perf_counter() - t0, "language": result.language})
    print(json.dumps({"load_s": load_s, "rows": rows}))


def main() -> None:
    import jiwer

    clips()
    configs = [("tiny.en", "tiny.en", "en"), ("base (told English)", "base", "en"), ("base (detects)", "base", "auto")]
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min), {os.cpu_count()} cores")
    print(f"{'model':22} {'set':10} {'WER':>6} {'x real time':>11} {'load s':>6} {'heard en':>8}")
    for label, model, language in configs:
        out = subprocess.run([sys.executable, __file__, "--child", model, language], check=True,
                             capture_output=True, text=True).stdout
        data = json.loads(out.strip().splitlines()[-1])
        for name in ("librivox", "uk voices"):
            rows = [r for r in data["rows"] if r["set"] == name]
            wer = jiwer.wer([normalise(r["ref"]) for r in rows], [normalise(r["hyp"]) for r in rows])
            speed = sum(r["audio_s"] for r in rows) / sum(r["wall_s"] for r in rows)
            english = sum(r["language"] == "en" for r in rows)
            print(f"{label:22} {name:10} {wer:6.1%} {speed:11.1f} {data['load_s']:6.1f} {english:4d}/{len(rows)}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        run_one(sys.argv[2], sys.argv[3])
    else:
        main()
