"""Benchmark: build a workshop pack of 8 themes, 40 stories and 40 clips; print time and memory.

Clips are 5-10 s of espeak-ng speech from the dev corpus, encoded to mp3 with
ffmpeg and cached under bench/.cache/pack-clips/ (made once, ~20 s).
Then the same size through the Flask side: 40 audio stories stored encrypted, a theme run
of 8 themes with 5 key quotes each, one workshop, and the real `workshops.pack` job
(content from the database through governance.policy, 40 redacted clips cut, zip stored).
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

CORPUS = Path(__file__).resolve().parents[1] / "demo" / "dev_stories.json"
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
    flask_job(clip_paths)


def flask_job(clip_paths: list[Path]) -> None:
    """Time the workshops.pack job end to end on a throwaway SQLite app (jobs run inline)."""
    import io
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from app import create_app
    from extensions import db

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATA_DIR": tmp, "TASK_QUEUE": "immediate", "SECRET_KEY": "bench",
                          "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}})
        with app.app_context():
            db.create_all()
            from accounts.services import create_user
            from engines.audio import probe
            from stories.media import store_upload
            from stories.models import ConsentRecord, ConsentScope, Segment, Story
            from themes.models import Passage, Theme, ThemeRun
            from workshops import packs, planning
            from workshops.models import Workshop

            corpus = json.loads(CORPUS.read_text(encoding="utf-8"))["stories"]
            reporter = create_user("bench@example.org", ["reporter", "facilitator"], name="Bench", password="long-timing-pass-42")
            stories = []
            t0 = time.perf_counter()
            for n, clip in enumerate(clip_paths[:N_STORIES]):
                media = store_upload(io.BytesIO(clip.read_bytes()), clip.name, max_bytes=10**8)
                duration = probe(clip).duration_s
                story = Story(title=f"Story {n + 1}", reporter_id=reporter.id, status="ready", source_kind="audio",
                              media=media, duration_s=duration,
                              storyteller_role=("service_user", "staff", "peer_mentor", "partner")[n % 4])
                consent = ConsentRecord(method="signed_form", recorded_by_id=reporter.id)
                consent.scope_rows = [ConsentScope(scope=s) for s in ("analysis", "workshop", "quote", "manager_view")]
                story.consents.append(consent)
                text = " ".join(corpus[n % len(corpus)]["text"].split()[:30])
                story.segments.append(Segment(position=0, start=0.0, end=duration, text=text))
                db.session.add(story)
                stories.append((story, text, duration))
            db.session.flush()
            run = ThemeRun(status="done", story_ids=[s.id for s, _, _ in stories], model="bench")
            db.session.add(run)
            db.session.flush()
            themes = [Theme(run_id=run.id, label=f"Theme {k + 1}", description="Benchmark theme", position=k)
                      for k in range(N_THEMES)]
            db.session.add_all(themes)
            db.session.flush()
            for n, (story, text, duration) in enumerate(stories):
                db.session.add(Passage(run_id=run.id, story_id=story.id, position=0, start=0.0,
                                       end=min(duration, 8.0), text=text, text_hash=str(n),
                                       theme_id=themes[n % N_THEMES].id, pinned=True))
            db.session.commit()
            workshop = planning.create_workshop({
                "title": "Benchmark workshop", "theme_run_id": run.id, "theme_ids": [t.id for t in themes],
                "story_ids": [s.id for s, _, _ in stories]})
            seeded = time.perf_counter() - t0
            t1 = time.perf_counter()
            state, pack = packs.request_pack(workshop, actor=reporter)
            wall = time.perf_counter() - t1
            assert state == "ready", state
            job = packs.pack_job(db.session.get(Workshop, workshop.id))
            t2 = time.perf_counter()
            packs.servable_pack(db.session.get(Workshop, workshop.id))
            check = time.perf_counter() - t2
            print(f"flask workshops.pack job: {wall:.2f} s for {len(pack.story_ids)} stories, {pack.clip_count} clips "
                  f"(target < 30 s; job {job.status}; seeding {seeded:.1f} s; zip {pack.bytes / 2**20:.2f} MiB)")
            print(f"fingerprint check before a download (no rebuild): {check * 1000:.0f} ms")


def _read(zip_path: Path, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(zip_path) as archive:
        return archive.read(name)


if __name__ == "__main__":
    main()
