"""Both cores busy: the heavy worker runs transcription jobs in parallel processes (one model each)."""
import os
import signal
import subprocess
import time
import uuid

import pytest
from sqlalchemy import select

from accounts.models import User
from extensions import db
from jobs.models import Job
from stories.models import Story
from tests.conftest import ROOT, build_app, reset_schema
from tests.factories import make_user
from tests.jobs.test_queue_and_worker import _env, _flask
from tests.stories.conftest import SECOND, SENTENCE, speak

pytestmark = pytest.mark.slow


def test_two_transcriptions_run_at_once_in_two_worker_processes(tmp_path):
    app = build_app(tmp_path / "data", TASK_QUEUE="sqlite", TASK_QUEUE_NAME=f"test-{uuid.uuid4().hex[:8]}")
    reset_schema(app)
    clips = [speak(SENTENCE, tmp_path / "a.wav"), speak(SECOND, tmp_path / "b.wav")]
    with app.test_request_context():
        from stories.services import create_audio_story

        reporter = make_user("reporter")
        for clip in clips:
            with open(clip, "rb") as f:
                create_audio_story(f, clip.name, {"title": clip.stem, "storyteller_role": "service_user"},
                                   {"scopes": ["analysis"]}, db.session.get(User, reporter.id))
    env = {**_env(app), "FLASK_HEAVY_PROCESSES": "2"}
    worker = subprocess.Popen(_flask("worker"), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 400
        while time.time() < deadline:
            with app.app_context():
                jobs = db.session.scalars(select(Job).where(Job.kind == "stories.transcribe")).all()
                if jobs and all(j.status in ("succeeded", "failed") for j in jobs):
                    break
            time.sleep(1)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    with app.app_context():
        jobs = db.session.scalars(select(Job).where(Job.kind == "stories.transcribe").order_by(Job.id)).all()
        assert [j.status for j in jobs] == ["succeeded", "succeeded"], [j.error_detail for j in jobs]
        assert len({j.worker for j in jobs}) == 2  # two processes
        first, second = sorted(jobs, key=lambda j: j.started_at)
        assert second.started_at < first.finished_at  # at the same time
        assert all(s.status == "needs_review" and s.segments for s in db.session.scalars(select(Story)))
