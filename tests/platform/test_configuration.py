"""Configuration from the environment; one data folder holds everything by default."""
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _flask(env_extra, *args, tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_data_dir_holds_database_queue_and_a_generated_secret_key(tmp_path):
    data = tmp_path / "site"
    env = {"FLASK_DATA_DIR": str(data)}
    assert _flask(env, "db", "upgrade", tmp_path=tmp_path).returncode == 0
    created = _flask(env, "users", "create", "boss@example.org", "--role", "admin", "--role", "manager",
                     "--password", "a-good-long-password", tmp_path=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "(admin, manager)" in created.stdout
    token = _flask(env, "users", "token", "boss@example.org", tmp_path=tmp_path).stdout.strip()
    assert token.startswith("sl_") and len(token) > 30
    assert (data / "storyloom.db").exists()
    secret = (data / "secret_key").read_text()
    assert len(secret) >= 40
    assert (data / "secret_key").stat().st_mode & 0o077 == 0
    _flask(env, "worker", "--burst", tmp_path=tmp_path)
    assert (data / "queue.db").exists()
    assert (data / "secret_key").read_text() == secret  # generated once, then kept


@pytest.mark.slow
def test_bootstrap_creates_the_first_admin_once(tmp_path):
    env = {"FLASK_DATA_DIR": str(tmp_path / "d")}
    _flask(env, "db", "upgrade", tmp_path=tmp_path)
    first = _flask(env, "users", "bootstrap", tmp_path=tmp_path)
    assert "password:" in first.stdout
    second = _flask(env, "users", "bootstrap", tmp_path=tmp_path)
    assert "password:" not in second.stdout


@pytest.mark.slow
def test_bad_cli_input_gets_a_clear_error(tmp_path):
    env = {"FLASK_DATA_DIR": str(tmp_path / "d")}
    _flask(env, "db", "upgrade", tmp_path=tmp_path)
    bad = _flask(env, "users", "create", "not-an-email", "--role", "reporter", "--password", "a-good-long-password",
                 tmp_path=tmp_path)
    assert bad.returncode == 1 and "full email address" in bad.stderr
    unknown = _flask(env, "users", "token", "ghost@example.org", tmp_path=tmp_path)
    assert unknown.returncode == 1 and "no active user" in unknown.stderr


@pytest.mark.slow
def test_unknown_task_queue_setting_is_refused(tmp_path):
    env = {"FLASK_DATA_DIR": str(tmp_path / "d"), "FLASK_TASK_QUEUE": "carrier-pigeon"}
    result = _flask(env, "worker", "--burst", tmp_path=tmp_path)
    assert result.returncode != 0 and "FLASK_TASK_QUEUE" in result.stderr


@pytest.mark.slow
def test_the_web_process_does_not_import_heavy_models(tmp_path):
    code = ("import sys\nfrom app import create_app\napp = create_app({'DATA_DIR': %r})\n"
            "c = app.test_client(); c.get('/login')\n"
            "heavy = [m for m in ('torch', 'faster_whisper', 'sentence_transformers', 'bertopic', 'spacy', 'huey') if m in sys.modules]\n"
            "print(heavy)") % str(tmp_path / "d")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_form_uploads_spool_inside_the_data_folder_not_system_tmp(app):
    import os

    with app.test_request_context("/", method="POST"):
        from flask import request

        stream = request._get_file_stream(10_000_000, "audio/wav", "story.wav")
        where = os.readlink(f"/proc/self/fd/{stream.fileno()}")
        stream.close()
    assert where.startswith(str(app.config["DATA_DIR"])), where
