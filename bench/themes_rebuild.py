"""Theme discovery as the worker runs it (the `themes.discover` job, its EmbeddingCache, SQLite), timed.

Run: .venv/bin/python bench/themes_rebuild.py [--first 1000] [--total 3000]

Synthetic typed stories from bench/data/make_corpora.py's phrase banks (every theme, spoken fillers,
some ASR-style errors) go into a fresh data folder, each checked and with `analysis` consent. Timed:
1. a run over the first --first stories from scratch (empty embedding cache; target under 60 s);
2. the corpus grown to --total stories, and a run (embeds only the new stories' passages);
3. one story more, and a run: the rebuild after one new story (target under 10 s), which must embed
   that story's passages only (nothing is recomputed that did not change).
Each figure is the job's own time (run_now: in this process, as the worker would), with the load
(`uptime`) beside it: the machine may be shared. `--profile DIR` writes each run's cProfile
(scratch.prof, grown.prof, rebuild.prof) and prints the rebuild's 30 costliest calls.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "data"))

SPEC = {"name": "scale", "seed": 61, "themes": None, "staff_share": 0.3, "words": (60, 220), "fillers": 0.08,
        "asr": 0.2, "redacted": True}


def add_stories(count: int, start: int, reporter_id: int) -> None:
    """`count` typed, checked stories with `analysis` consent (rows written directly, as bench/webdata.py does)."""
    from make_corpora import ALL, make_story

    from extensions import db
    from governance.models import StoryGovernance
    from stories.models import ConsentRecord, ConsentScope, Segment, Story

    rng = random.Random(SPEC["seed"] + start)
    spec = {**SPEC, "themes": ALL}
    for chunk in range(0, count, 250):
        rows = []
        for n in range(start + chunk, start + min(count, chunk + 250)):
            told = make_story(n, spec, rng)
            story = Story(title=f"Story {n + 1}", reporter_id=reporter_id, status="ready", source_kind="text",
                          storyteller_role=told["role"], language="en")
            consent = ConsentRecord(method="written", recorded_by_id=reporter_id)
            consent.scope_rows = [ConsentScope(scope="analysis")]
            story.consents.append(consent)
            sentences = [s for s in re.split(r"(?<=[.!?])\s+", told["text"]) if s.strip()]
            story.segments = [Segment(position=i, text=s) for i, s in enumerate(sentences)]
            rows.append(story)
        db.session.add_all(rows)
        db.session.flush()
        db.session.add_all([StoryGovernance(story_id=s.id, scan_state="done", scanned_revision=s.revision or 0)
                            for s in rows])
        db.session.commit()


STEPS: dict = {}


def time_steps() -> None:
    """Time the job's steps (reading stories, embedding, the engine, writing the run) as it calls them."""
    import engines.themes
    from themes import tasks

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                STEPS[name] = STEPS.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    tasks.select_passages = timed("read stories", tasks.select_passages)
    tasks._embed_with_cache = timed("embed (cached)", tasks._embed_with_cache)
    engines.themes.discover_themes = timed("engine", engines.themes.discover_themes)
    tasks.write_run = timed("write run", tasks.write_run)


PROFILE: dict = {}


def timed_run(label: str, name: str = "") -> dict:
    from themes.services import run_now

    if PROFILE.get("dir") and name:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        try:
            return profile.runcall(timed_run, label)
        finally:
            profile.dump_stats(str(Path(PROFILE["dir"]) / f"{name}.prof"))
            if name == "rebuild":
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip().split("load average:")[-1]
    STEPS.clear()
    started = time.perf_counter()
    run, job = run_now()
    seconds = time.perf_counter() - started
    result = job.result or {}
    if run.status != "done":
        raise SystemExit(f"{label}: the run did not finish: {run.status} {job.error}")
    print(f"{label}: {seconds:.1f} s; {result.get('stories')} stories, {result.get('passages')} passages, "
          f"{result.get('embedded')} embedded, {result.get('themes')} themes (load {load.strip()})", flush=True)
    print("   steps: " + ", ".join(f"{name} {value:.1f} s" for name, value in STEPS.items()), flush=True)
    return {"seconds": seconds, **result}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--first", type=int, default=1000)
    parser.add_argument("--total", type=int, default=3000)
    parser.add_argument("--profile", default="", help="a folder for each run's cProfile output")
    args = parser.parse_args()
    PROFILE["dir"] = args.profile
    time_steps()
    from accounts.services import create_user
    from app import create_app

    data_dir = Path(tempfile.mkdtemp(prefix="bench-themes-")) / "data"
    app = create_app({"DATA_DIR": str(data_dir), "SECRET_KEY": "bench-secret", "TASK_QUEUE": "immediate"})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        reporter = create_user("reporter@bench.example", ["reporter"], name="Reporter", password="bench password 123")
        started = time.perf_counter()
        add_stories(args.first, 0, reporter.id)
        print(f"wrote {args.first} stories in {time.perf_counter() - started:.1f} s", flush=True)
        scratch = timed_run(f"{args.first} stories from scratch (target < 60 s)", "scratch")
        add_stories(args.total - args.first, args.first, reporter.id)
        timed_run(f"grown to {args.total} stories", "grown")
        add_stories(1, args.total, reporter.id)
        rebuild = timed_run(f"{args.total + 1} stories, rebuild after one new story (target < 10 s)", "rebuild")
    print(f"from scratch {scratch['seconds']:.1f} s (target 60); rebuild after one story {rebuild['seconds']:.1f} s "
          f"(target 10), {rebuild.get('embedded')} passages embedded")


if __name__ == "__main__":
    main()
