"""Running like a service: health, readiness, metrics and structured logs."""
from __future__ import annotations

import io
import json
import logging

import pytest

from extensions import db
from jobs.models import Job
from ops.heartbeat import beat
from ops.logs import ContextFilter, JsonFormatter
from tests.conftest import build_app, reset_schema, sign_in

ELSEWHERE = {"REMOTE_ADDR": "10.1.2.3"}


def test_health_readiness_and_metrics_are_for_the_monitoring_address_or_a_token(app):
    app.config["OPS_TOKEN"] = "s3cret-monitor-token"
    client = app.test_client()
    for path in ("/healthz", "/readyz", "/metrics"):
        assert client.get(path, environ_base=ELSEWHERE).status_code == 404, path
        assert client.get(path, environ_base=ELSEWHERE, headers={"Authorization": "Bearer wrong"}).status_code == 404
        answer = client.get(path, environ_base=ELSEWHERE, headers={"Authorization": "Bearer s3cret-monitor-token"})
        assert answer.status_code in (200, 503), path
    assert client.get("/healthz").json == {"status": "ok"}  # from 127.0.0.1


@pytest.mark.real_commits
def test_ready_needs_a_live_worker_and_names_what_is_missing(app):
    client = app.test_client()
    first = client.get("/readyz")
    assert first.status_code == 503
    checks = first.json["checks"]
    assert checks["database"]["ok"] and checks["queue"]["ok"] and checks["storage"]["ok"]
    assert not checks["worker"]["ok"] and "no worker" in checks["worker"]["error"]
    with app.app_context():
        beat("host-a:123")
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["ready"] and ready.json["checks"]["worker"]["live"] == 1


def test_ready_fails_when_the_database_is_gone(tmp_path):
    application = build_app(tmp_path / "data", SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/none")
    answer = application.test_client().get("/readyz")
    assert answer.status_code == 503 and not answer.json["checks"]["database"]["ok"]


def test_metrics_count_requests_by_route_and_jobs_by_kind(app, users):
    client = app.test_client()
    sign_in(client, users["admin"].email)
    assert client.post("/admin/worker").status_code in (200, 302)  # a self-check job (inline queue)
    client.get("/stories")
    with app.app_context():
        db.session.add(Job(kind="stories.transcribe", status="failed"))
        db.session.add(Job(kind="stories.transcribe", status="queued"))
        db.session.commit()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'storyloom_http_requests_total{method="GET",route="/stories",status="200"}' in text
    assert 'storyloom_http_request_duration_seconds_bucket{le="0.1",method="GET",route="/stories"}' in text
    assert 'storyloom_jobs{kind="system.selfcheck",status="succeeded"} 1.0' in text
    assert 'storyloom_jobs{kind="stories.transcribe",status="failed"} 1.0' in text
    assert 'storyloom_jobs{kind="stories.transcribe",status="queued"} 1.0' in text
    assert 'storyloom_jobs_finished_total{kind="system.selfcheck"} 1.0' in text
    assert "storyloom_job_duration_seconds_total" in text and "storyloom_queue_depth" in text
    assert "storyloom_audio_hours_transcribed_total 0.0" in text


@pytest.fixture
def json_lines():
    """Every log line, formatted as the JSON handler writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_the_request_id_follows_a_job_into_the_worker(tmp_path, json_lines):
    application = build_app(tmp_path / "data", LOG_FORMAT="json")
    reset_schema(application)
    from tests import factories

    with application.app_context():
        factories.make_user("admin", email="admin@example.org")
    client = application.test_client()
    sign_in(client, "admin@example.org")
    answer = client.post("/admin/worker", headers={"X-Request-ID": "trace-0123456789"})
    assert answer.headers["X-Request-ID"] == "trace-0123456789"
    assert client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"] != "bad id!"
    lines = json_lines()
    job_lines = [line for line in lines if line["logger"] == "storyloom.jobs"]
    assert job_lines and all(line["request_id"] == "trace-0123456789" and line["job_id"] for line in job_lines)
    assert any(line.get("outcome") == "succeeded" and line["kind"] == "system.selfcheck" for line in job_lines)
    request_line = [line for line in lines if line["logger"] == "storyloom.requests"
                    and line["request_id"] == "trace-0123456789"][0]
    assert request_line["route"] == "/admin/worker" and request_line["method"] == "POST" and "duration_ms" in request_line
    with application.app_context():
        assert db.session.scalars(db.select(Job)).one().request_id == "trace-0123456789"


@pytest.mark.slow
def test_a_storys_words_never_reach_the_log(app, users, json_lines):
    """A typed story, an edit of its transcript and its governance check (spaCy): not one of its words is logged."""
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    words = "Marigold Thistlewaite told of the zebra crossing outside Quenby House"
    data = {"title": "Zebra crossing", "storyteller_role": "staff", "text": words,
            "consent_scopes": ["analysis"], "consent_method": "written", "language": "en"}
    assert client.post("/stories/new/text", data=data, query_string={"q": "Quenby"}).status_code == 302
    client.get("/stories", query_string={"q": "Thistlewaite"})
    logged = json.dumps(json_lines())
    assert "storyloom.requests" in logged
    for word in ("Marigold", "Thistlewaite", "zebra", "Quenby"):
        assert word not in logged
