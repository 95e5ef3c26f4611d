"""Benchmark retiming an edited segment: the old difflib matcher (baseline) beside the patience
diff used now (stories.transcript.matched_pairs), on segments of speech-like words (a 200-word
vocabulary, so words repeat as in speech) with one word in 50 changed and a few inserted.

The baseline is skipped above BASELINE_MAX_WORDS (it is quadratic: minutes at a 10 MB segment).
Prints medians of --rounds runs and the load average at the time.

Run: .venv/bin/python bench/retime.py [--rounds 3]
"""
from __future__ import annotations

import argparse
import difflib
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stories.transcript import matched_pairs  # noqa: E402

BASELINE_MAX_WORDS = 10_000
SIZES = (1_000, 10_000, 100_000, 1_700_000)  # 1.7 M words is about a 10 MB segment


def segment(n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    vocab = [f"word{i}" for i in range(200)]
    old = [rng.choice(vocab) for _ in range(n)]
    new = list(old)
    for i in range(0, n, 50):
        new[i] = "changed"
    for i in range(n // 1000):
        new.insert(rng.randrange(len(new)), "inserted")
    return old, new


def baseline(old: list[str], new: list[str]) -> int:
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return sum(b1 - b0 for tag, _a0, _a1, b0, b1 in matcher.get_opcodes() if tag == "equal")


def timed(fn, *args) -> tuple[float, int]:
    began = time.perf_counter()
    kept = fn(*args)
    return time.perf_counter() - began, kept if isinstance(kept, int) else len(kept)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    print(f"load average: {os.getloadavg()}")
    print(f"{'words':>10} {'difflib s':>10} {'kept':>9} {'patience s':>11} {'kept':>9}")
    for n in SIZES:
        old, new = segment(n, rng)
        ours = [timed(matched_pairs, old, new) for _ in range(args.rounds)]
        if n <= BASELINE_MAX_WORDS:
            base = [timed(baseline, old, new) for _ in range(args.rounds)]
            base_s, base_kept = f"{statistics.median(t for t, _ in base):10.3f}", f"{base[0][1]:9d}"
        else:
            base_s, base_kept = f"{'skipped':>10}", f"{'':>9}"
        print(f"{n:>10} {base_s} {base_kept} {statistics.median(t for t, _ in ours):11.3f} {ours[0][1]:9d}")


if __name__ == "__main__":
    main()
