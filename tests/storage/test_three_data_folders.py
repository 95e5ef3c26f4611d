"""No hidden local-disk coupling: a web process and two workers, three data folders, sharing only
PostgreSQL, Redis, the S3 store (moto_server) and the key settings, take 20 spoken stories through
upload, transcription, governance checks, themes, a pack build and its download."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.services import (S3_CREDENTIALS, create_pg_database, drop_pg_database, free_port, make_bucket,
                            redis_url_or_skip)
from tests.stories.conftest import speak

ROOT = Path(__file__).resolve().parents[2]
TOPICS = [
    "The bus fare to the probation office costs too much money every week.",
    "Finding a flat was hard because the housing office kept losing my forms.",
    "My case manager listened to me and I started to trust the service again.",
    "Seeing my daughter at the weekend keeps me going and off the drink.",
]
pytestmark = [pytest.mark.slow, pytest.mark.services]


def _env(shared: dict, data_dir: Path) -> dict:
    env = {**os.environ, **S3_CREDENTIALS, **shared, "FLASK_DATA_DIR": str(data_dir)}
    env.pop("FLASK_APP", None)
    return env


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def _session(base: str, email: str, password: str):
    import requests

    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    answer = session.post(f"{base}/login", data={"email": email, "password": password, "csrf_token": token.group(1)},
                          allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    return session


def _csrf(session, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', session.get(url).text).group(1)


@pytest.fixture
def cluster(tmp_path, s3_endpoint):
    redis_url = redis_url_or_skip()
    database = create_pg_database()
    bucket = make_bucket(s3_endpoint, versioned=True)
    key_file = tmp_path / "keys" / "media.key"
    key_file.parent.mkdir()
    key_file.write_bytes(os.urandom(32))
    shared = {"FLASK_SQLALCHEMY_DATABASE_URI": database, "FLASK_TASK_QUEUE": redis_url,
              "FLASK_TASK_QUEUE_NAME": f"three-{uuid.uuid4().hex[:8]}", "FLASK_MEDIA_STORAGE": f"s3://{bucket}/site",
              "FLASK_S3_ENDPOINT_URL": s3_endpoint, "FLASK_SECRET_KEY": "shared-secret-for-the-test",
              "FLASK_MEDIA_KEY_FILE": str(key_file),
              "FLASK_HEAVY_PROCESSES": "1"}  # one transcription process per worker: two cores, two at a time
    folders = {name: tmp_path / name for name in ("web", "worker1", "worker2", "cli")}
    wrapper = str(ROOT / "bin" / "storyloom")
    subprocess.run([wrapper, "db", "upgrade"], env=_env(shared, folders["cli"]), check=True, capture_output=True)
    for email, role in (("reporter@example.org", "reporter"), ("facilitator@example.org", "facilitator")):
        subprocess.run([wrapper, "users", "create", email, "--role", role, "--password", "correct horse battery 9"],
                       env=_env(shared, folders["cli"]), check=True, capture_output=True)
    port = free_port()
    logs = tmp_path / "logs"
    logs.mkdir()
    processes = [subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "app:create_app()"], cwd=ROOT, env=_env(shared, folders["web"]),
        stdout=open(logs / "web.log", "wb"), stderr=subprocess.STDOUT)]
    for name in ("worker1", "worker2"):
        processes.append(subprocess.Popen([wrapper, "worker"], cwd=tmp_path, env=_env(shared, folders[name]),
                                          stdout=open(logs / f"{name}.log", "wb"), stderr=subprocess.STDOUT))
    base = f"http://127.0.0.1:{port}"
    try:
        import requests

        def up():
            try:
                return requests.get(f"{base}/readyz", timeout=10).status_code == 200
            except requests.RequestException:
                return False

        try:
            _wait(up, 120, "the web process and a worker to be ready")
        except AssertionError:
            raise AssertionError("not ready:\n" + "\n".join(
                f"== {p.name}\n{p.read_text(errors='replace')[-1500:]}" for p in sorted(logs.iterdir()))) from None
        yield {"base": base, "folders": folders, "bucket": bucket, "endpoint": s3_endpoint, "logs": logs,
               "database": database, "workers": processes[1:]}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        drop_pg_database(database)


def test_twenty_stories_cross_three_data_folders_with_nothing_lost(cluster, tmp_path):
    import boto3

    base = cluster["base"]
    reporter = _session(base, "reporter@example.org", "correct horse battery 9")
    audio = tmp_path / "audio"
    audio.mkdir()
    ids = []
    for number in range(20):
        sentence = TOPICS[number % len(TOPICS)]
        wav = speak(f"{sentence} Story number {number + 1}.", audio / f"story{number}.wav")
        form = {"title": f"Story {number + 1}", "storyteller_role": "service_user", "language": "en",
                "consent_scopes": ["analysis", "workshop", "quote"], "consent_method": "verbal",
                "csrf_token": _csrf(reporter, f"{base}/stories/new/upload")}
        answer = reporter.post(f"{base}/stories/new/upload", data=form, allow_redirects=False,
                               files={"audio": (wav.name, io.BytesIO(wav.read_bytes()), "audio/wav")})
        assert answer.status_code == 302, answer.text[:500]
        ids.append(int(re.search(r"/stories/(\d+)", answer.headers["Location"]).group(1)))

    from sqlalchemy import create_engine, text

    engine = create_engine(cluster["database"])

    def settled():  # transcriptions and the governance checks after them
        with engine.connect() as conn:
            busy = conn.execute(text("SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')")).scalar()
            done = conn.execute(text("SELECT count(*) FROM jobs WHERE kind = 'stories.transcribe' "
                                     "AND status = 'succeeded'")).scalar()
        return busy == 0 and done == 20

    _wait(settled, 900, "20 transcriptions and their checks")
    for story_id in ids:
        token = _csrf(reporter, f"{base}/stories/{story_id}")
        assert reporter.post(f"{base}/stories/{story_id}/review", data={"csrf_token": token},
                             allow_redirects=False).status_code == 302
    for story_id in ids:
        words = " ".join(s["text"] for s in reporter.get(f"{base}/api/v1/stories/{story_id}").json()["segments"])
        assert "story number" in words.lower(), words

    facilitator = _session(base, "facilitator@example.org", "correct horse battery 9")
    headers = {"X-CSRFToken": _csrf(facilitator, f"{base}/themes")}
    run = facilitator.post(f"{base}/api/v1/theme-runs", json={"min_stories": 2}, headers=headers)
    assert run.status_code == 202, run.text
    run_id = run.json()["run_id"]
    def finished_run():
        answer = facilitator.get(f"{base}/api/v1/theme-runs/{run_id}").json()
        return answer if answer["status"] in ("done", "failed") else None

    body = _wait(finished_run, 600, "the theme run")
    assert body["status"] == "done", body
    theme_ids = [t["id"] for t in body["themes"]]
    assert len(theme_ids) >= 2
    # One theme: the pack still holds all 20 stories and that theme's clips and reel (each reel is an ffmpeg video).
    first = next(t["id"] for t in body["themes"] if not t["is_outlier"])
    workshop = facilitator.post(f"{base}/api/v1/workshops", headers=headers, json={
        "title": "Three folders", "theme_run_id": run_id, "theme_ids": [first], "story_ids": ids})
    assert workshop.status_code == 201, workshop.text
    workshop_id = workshop.json()["id"]
    token = _csrf(facilitator, f"{base}/workshops/{workshop_id}")
    assert facilitator.post(f"{base}/workshops/{workshop_id}/pack", data={"csrf_token": token},
                            allow_redirects=False).status_code == 302

    def pack():
        answer = facilitator.get(f"{base}/workshops/{workshop_id}/pack.zip", allow_redirects=False)
        return answer if answer.status_code == 200 else None

    download = _wait(pack, 600, "the pack")
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        names = archive.namelist()
        manifest = __import__("json").loads(archive.read("manifest.json"))
    assert sorted(int(s) for s in manifest["story_ids"]) == sorted(ids)
    assert [n for n in names if n.startswith("clips/")], names

    # Nothing lives on any process's own disk: every original, clip and pack is in the bucket.
    for name, folder in cluster["folders"].items():
        for sub in ("media", "uploads", "clips", "packs"):
            assert not [p for p in (folder / sub).rglob("*") if p.is_file()], (name, sub)
    client = boto3.client("s3", endpoint_url=cluster["endpoint"])
    keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=cluster["bucket"])
            for o in page.get("Contents", [])]
    assert len([k for k in keys if k.startswith("site/media/")]) == 20
    assert [k for k in keys if k.startswith("site/packs/")] and [k for k in keys if k.startswith("site/clips/")]
    # Both workers did some of the work.
    with engine.connect() as conn:
        workers = {row[0] for row in conn.execute(text("SELECT DISTINCT worker FROM jobs WHERE status = 'succeeded'"))}
        failed = conn.execute(text("SELECT kind, error FROM jobs WHERE status = 'failed'")).all()
    engine.dispose()
    assert not failed, failed
    # Job rows name the process ("host:pid"); a worker runs transcription in processes of its own.
    import psutil

    def pids(process):
        return {process.pid, *(child.pid for child in psutil.Process(process.pid).children(recursive=True))}

    used = {int(w.rsplit(":", 1)[1]) for w in workers}
    assert all(used & pids(worker) for worker in cluster["workers"]), (workers, [pids(w) for w in cluster["workers"]])
