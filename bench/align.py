"""Benchmark forced alignment of retyped words against the old even spreading (baseline).

A sentence with a phone number is spoken by espeak-ng; the bundled Whisper types it up with word
times (the reference). The digits are then "retyped" (the editor's words replace Whisper's), and
the new words are timed two ways: spread evenly over the replaced words' span (the old way) and by
forced alignment (engines.align, in the product). For the phone number it prints the share of its
reference stretch each covers (what a mute would hide) and the alignment's wall time. Medians of
--rounds runs, with the load average.

Run: .venv/bin/python bench/align.py [--rounds 3]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SPOKEN = "Please write it down, my phone number is 0 7 7 0 0 9 0 0 1 2 3, and call me after six."
RETYPED = "07700 900123,"


def coverage(span: tuple[float, float], reference: tuple[float, float]) -> float:
    overlap = max(0.0, min(span[1], reference[1]) - max(span[0], reference[0]))
    return overlap / max(1e-9, reference[1] - reference[0])


def main() -> None:
    from engines.align import align_words, read_span
    from engines.transcribe import get_transcriber

    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp())
    raw, wav = work / "raw.wav", work / "phone.wav"
    subprocess.run(["espeak-ng", "-v", "en-gb", "-s", "150", "-w", str(raw), SPOKEN], check=True)
    subprocess.run(["sox", "-q", str(raw), "-r", "16000", str(wav), "pad", "0.3", "0.5"], check=True)
    transcriber = get_transcriber()
    result = transcriber.transcribe(wav)
    words = [w for s in result.segments for w in s.words]
    digits = [i for i, w in enumerate(words) if re.fullmatch(r"(zero|one|two|three|seven|nine|\d+)[,.]?", w.text.lower())
              and w.text.lower().strip(",.") != "six"]
    if not digits:
        raise SystemExit(f"Whisper heard no digits: {[w.text for w in words]}")
    first, last = digits[0], digits[-1]
    reference = (words[first].start, words[last].end)
    # The old way: the retyped words share the replaced words' span evenly; Whisper drifts, and the
    # span of what it *heard* is what the old code had. The new words then land where alignment says.
    tokens = [w.text for w in words[:first]] + RETYPED.split() + [w.text for w in words[last + 1:]]
    n = len(RETYPED.split())
    step = (reference[1] - reference[0]) / n
    spread = (reference[0], reference[0] + n * step)
    start_s, end_s = result.segments[0].start, result.segments[-1].end
    audio = read_span(wav, start_s, end_s)
    timings, spans = [], []
    for _ in range(args.rounds):
        began = time.perf_counter()
        aligned = align_words(transcriber.whisper, audio, " ".join(tokens), offset_s=start_s)
        timings.append(time.perf_counter() - began)
        phone = [w for w in aligned if re.search(r"\d", w.text)]
        spans.append((min(w.start for w in phone), max(w.end for w in phone)))
    print(f"load average: {os.getloadavg()}")
    print(f"audio {end_s - start_s:.1f} s; Whisper heard the number at {reference[0]:.2f}-{reference[1]:.2f} s")
    print(f"spread (baseline, old code, best case: it was given the heard span) covers "
          f"{coverage(spread, reference):.0%} (it only ever covers the span it is given)")
    print(f"aligned: {spans[0][0]:.2f}-{spans[0][1]:.2f} s, covers {coverage(spans[0], reference):.0%} "
          f"of the spoken number; alignment median {statistics.median(timings):.2f} s "
          f"({statistics.median(timings) / (end_s - start_s):.2f} s per second of audio)")


if __name__ == "__main__":
    main()
