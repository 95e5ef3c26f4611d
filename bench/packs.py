"""Benchmark: build a workshop pack of 8 themes, 40 stories and 40 clips; print time and memory.

Clips are 5-10 s of espeak-ng speech from the dev corpus, encoded to mp3 with
ffmpeg and cached under bench/.cache/pack-clips/ (made once, ~20 s).
Run: .venv/bin/python bench/packs.py
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from engines.packs import build_pack, verify_pack  # noqa: E402
from engines.packs.demo import demo_content  # noqa: E402

CORPUS = Path("/work/shared/corpus/dev_stories.json")
CACHE = REPO / "bench" / ".cache" / "pack-clips"
N_THEMES, N_STORIES, N_CLIPS = 8, 40, 40


def make_clips(count: int) -> list[Path]:
    """Speech clips that sound like a redacted story: sentence with a '[name removed]' beep word."""
    CACHE.mkdir(parents=True, exist_ok=True)
    stories = json.loads(CORPUS.read_text(encoding="utf-8"))["stories"]
    paths = []
    for n in range(count):
        target = CACHE / f"clip-{n:02d}.mp3"
        if not target.exists():
            words = stories[n % len(stories)]["text"].split()[: 12 + (n % 4) * 3]
            text = " ".join(words[:6] + ["name removed"] + words[6:])
            wav = target.with_suffix(".wav")
            subprocess.run(["espeak-ng", "-s", "150", "-w", str(wav), text], check=True)
            subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-ac", "1",
                            "-b:a", "64k", str(target)], check=True)
            wav.unlink()
        paths.append(target)
    return paths


class PeakRss:
    """Samples this process's resident memory every 20 ms (psutil) to find the peak."""

    def __init__(self):
        import psutil

        self.process, self.peak, self._stop = psutil.Process(), 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def main() -> None:
    started = time.perf_counter()
    clip_paths = make_clips(N_CLIPS)
    print(f"clips ready: {len(clip_paths)} ({time.perf_counter() - started:.1f} s, cached in {CACHE})")
    content, clips = demo_content(CORPUS, n_themes=N_THEMES, n_stories=N_STORIES, clip_paths=clip_paths,
                                  quotes_per_theme=N_CLIPS // N_THEMES)
    quotes = sum(len(t["quotes"]) for t in content["themes"])
    steps = []
    with tempfile.TemporaryDirectory() as tmp, PeakRss() as memory:
        rss_before = memory.process.memory_info().rss
        t0 = time.perf_counter()
        result = build_pack(content, clips, Path(tmp) / "pack.zip",
                            on_progress=lambda pct, msg: steps.append((time.perf_counter() - t0, pct, msg)))
        wall = time.perf_counter() - t0
        problems = verify_pack(result.path)
        zip_bytes = result.path.stat().st_size
        pdf_pages = subprocess.run(["pdfinfo", "-"], input=_read(result.path, "pack.pdf"),
                                   capture_output=True).stdout.decode()
    pages = next((line.split()[-1] for line in pdf_pages.splitlines() if line.startswith("Pages:")), "?")
    print(f"themes={len(content['themes'])} stories={len(content['stories'])} clips={len(clips)} quotes={quotes}")
    print(f"build_pack wall time: {wall:.2f} s (target < 30 s)")
    print(f"peak RSS during build: {memory.peak / 2**20:.0f} MiB (before build {rss_before / 2**20:.0f} MiB)")
    print(f"zip: {zip_bytes / 2**20:.2f} MiB, {len(result.files)} files, pdf pages: {pages}, verify: "
          f"{'ok' if not problems else problems}")
    previous = 0.0
    for at, pct, msg in steps:
        if pct in (40, 75, 85, 90, 100):
            print(f"  {at:6.2f} s (+{at - previous:5.2f}) {pct:3d}% {msg}")
            previous = at


def _read(zip_path: Path, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(zip_path) as archive:
        return archive.read(name)


if __name__ == "__main__":
    main()
