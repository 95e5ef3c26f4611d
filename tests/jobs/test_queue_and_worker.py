"""Jobs go through a real queue to a real worker; progress lives on the Job row.

Runs with the embedded default (SQLite database + SQLite queue) and with the
scale-out set-up (PostgreSQL + Redis)."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from extensions import db
from jobs.models import Job
from jobs.services import start_job
from tests.conftest import ROOT
from tests.jobs.helpers import queued_site
from tests.services import redis_url_or_skip

BACKENDS = ["sqlite", pytest.param("postgresql+redis", marks=pytest.mark.services)]


@pytest.fixture(params=BACKENDS)
def queue_app(request, tmp_path):
    overrides = {"TASK_QUEUE": "sqlite", "JOB_LEASE_SECONDS": 2, "TASK_QUEUE_NAME": f"test-{uuid.uuid4().hex[:8]}"}
    if request.param != "sqlite":
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("pg_url")
        overrides["TASK_QUEUE"] = redis_url_or_skip()
    with queued_site(tmp_path, **overrides) as app:
        yield app


def _env(app) -> dict:
    env = dict(os.environ)
    env.update({
        "FLASK_DATA_DIR": app.config["DATA_DIR"],
        "FLASK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_TASK_QUEUE": app.config["TASK_QUEUE"],
        "FLASK_TASK_QUEUE_NAME": app.config["TASK_QUEUE_NAME"],
        "FLASK_JOB_LEASE_SECONDS": str(app.config["JOB_LEASE_SECONDS"]),
        "FLASK_SECRET_KEY": "test-secret",
    })
    return env


def _flask(*args):
    return [sys.executable, "-m", "flask", "--app", "app", *args]


def _job(app, job_id) -> Job:
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


@pytest.mark.slow
def test_queued_job_waits_for_a_worker_then_runs_with_progress(queue_app):
    with queue_app.test_request_context():
        job_id = start_job("system.selfcheck", params={"steps": 4, "pause": 0.01}).id
    assert _job(queue_app, job_id).status == "queued"  # nothing ran in this process
    result = queue_app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    job = _job(queue_app, job_id)
    assert (job.status, job.progress, job.message) == ("succeeded", 100, "Step 4 of 4")
    assert job.worker and job.finished_at >= job.started_at


@pytest.mark.slow
def test_burst_worker_exits_non_zero_when_a_job_fails(queue_app):
    with queue_app.test_request_context():
        good = start_job("system.selfcheck", params={"steps": 1, "pause": 0}).id
        bad = start_job("no.such.kind").id
    result = queue_app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "ran 2 job(s), 1 failed" in result.output
    assert _job(queue_app, good).status == "succeeded"
    failed = _job(queue_app, bad)
    assert failed.status == "failed" and "no handler" in failed.error_detail
    assert "no handler" not in failed.error and "admin" in failed.error  # plain words for staff


@pytest.mark.slow
def test_a_worker_killed_mid_job_leaves_a_job_that_is_retried(queue_app):
    with queue_app.test_request_context():
        job_id = start_job("system.selfcheck", params={"steps": 12, "pause": 0.25}).id
    worker = subprocess.Popen(_flask("worker"), cwd=ROOT, env=_env(queue_app), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            job = _job(queue_app, job_id)
            if job.status == "running" and job.progress > 0:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the worker never started the job")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
    assert _job(queue_app, job_id).status == "running"  # orphaned, for now
    time.sleep(queue_app.config["JOB_LEASE_SECONDS"] + 1.5)
    burst = subprocess.run(_flask("worker", "--burst"), cwd=ROOT, env=_env(queue_app), capture_output=True, text=True, timeout=120)
    assert burst.returncode == 0, burst.stdout + burst.stderr
    assert f"requeued jobs left running by a stopped worker: [{job_id}]" in burst.stdout
    job = _job(queue_app, job_id)
    assert job.status == "succeeded" and job.attempts == 2


@pytest.mark.slow
def test_a_job_that_keeps_killing_workers_ends_failed_not_running(queue_app):
    from jobs.services import requeue_stale_jobs

    with queue_app.app_context():
        job = Job(kind="system.selfcheck", status="running", attempts=queue_app.config["JOB_MAX_ATTEMPTS"],
                  heartbeat_at=db.func.now())
        db.session.add(job)
        db.session.commit()
        job.heartbeat_at = job.created_at.replace(year=2000)
        db.session.commit()
        assert requeue_stale_jobs() == []
        db.session.refresh(job)
        assert job.status == "failed" and "stopped" in job.error


def test_immediate_queue_runs_inline_for_tests(app):
    with app.test_request_context():
        job = start_job("system.selfcheck", params={"steps": 2, "pause": 0})
        assert job.status == "succeeded"


def test_job_page_shows_a_live_progress_bar(app, users):
    from tests.conftest import sign_in

    client = app.test_client()
    sign_in(client, users["admin"].email)
    response = client.post("/admin/worker")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="job-progress"' in page and "<progress" in page
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    status = client.get(f"/api/v1/jobs/{job_id}").json
    assert status["status"] == "succeeded" and status["progress"] == 100


def test_reporter_cannot_see_someone_elses_job(app, users):
    from tests.conftest import sign_in

    with app.test_request_context():
        job_id = start_job("system.selfcheck", params={"steps": 1, "pause": 0}).id
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    assert client.get(f"/api/v1/jobs/{job_id}").status_code == 404


def test_the_worker_schedules_reaping_retention_and_upload_cleanup(app):
    from jobs.queue import get_huey

    names = {task.name for task in get_huey(app, "light")._registry.periodic_tasks}
    assert {"storyloom.requeue_stale_jobs", "storyloom.periodic.governance.retention",
            "storyloom.periodic.stories.clean_uploads"} <= names
    assert not get_huey(app, "heavy")._registry.periodic_tasks
