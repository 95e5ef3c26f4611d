"""Nothing on the queue is ever unpickled: messages are signed JSON carrying a job id.

The attack: anyone who can reach Redis LPUSHes a pickle onto the Huey queue
key and every worker runs it. Here a real worker process reads a real Redis
(and the embedded SQLite queue) holding such a pickle and must refuse it."""
import os
import pickle
import subprocess
import uuid

import pytest

from extensions import db
from jobs.models import Job
from jobs.services import start_job
from tests.conftest import ROOT, build_app, reset_schema
from tests.jobs.helpers import queued_site
from tests.jobs.test_queue_and_worker import _env, _flask, _job
from tests.services import redis_url_or_skip


class _MakesAFile:
    """Unpickling this runs os.system (the classic pickle attack)."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


@pytest.fixture
def redis_app(tmp_path):
    url = redis_url_or_skip()
    with queued_site(tmp_path, TASK_QUEUE=url, TASK_QUEUE_NAME=f"test-{uuid.uuid4().hex[:8]}") as app:
        yield app


def _queue_key(app, queue="light") -> str:
    from jobs.queue import get_huey

    return get_huey(app, queue).storage.queue_key


@pytest.mark.services
def test_a_pickle_pushed_into_redis_is_refused_and_never_run(redis_app, tmp_path):
    import redis

    marker = tmp_path / "pwned"
    client = redis.Redis.from_url(redis_app.config["TASK_QUEUE"])
    for queue in ("heavy", "light"):
        client.lpush(_queue_key(redis_app, queue), pickle.dumps(_MakesAFile(marker)))
    with redis_app.test_request_context():
        good = start_job("system.selfcheck", params={"steps": 1, "pause": 0}).id
    burst = subprocess.run(_flask("worker", "--burst"), cwd=ROOT, env=_env(redis_app), capture_output=True,
                           text=True, timeout=120)
    assert burst.returncode == 0, burst.stdout + burst.stderr
    assert not marker.exists()  # the pickle was never loaded
    assert "dropped a queue message: bad signature" in burst.stderr
    assert "ran 1 job(s), 0 failed" in burst.stdout  # the real job still ran
    assert _job(redis_app, good).status == "succeeded"
    assert client.llen(_queue_key(redis_app, "light")) == 0 and client.llen(_queue_key(redis_app, "heavy")) == 0


def test_a_pickle_in_the_sqlite_queue_is_refused_too(tmp_path):
    app = build_app(tmp_path / "data", TASK_QUEUE="sqlite")
    reset_schema(app)
    from jobs.queue import get_huey

    marker = tmp_path / "pwned"
    get_huey(app, "light").storage.enqueue(pickle.dumps(_MakesAFile(marker)))
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert not marker.exists()


def test_a_message_signed_with_another_key_is_dropped(app):
    from jobs.signing import RefusedMessage, SignedJSONSerializer, queue_key

    ours = SignedJSONSerializer(queue_key("ours"), {"storyloom.run_job"})
    theirs = SignedJSONSerializer(queue_key("theirs"), {"storyloom.run_job"})
    assert ours.deserialize(ours.serialize(7)) == 7
    with pytest.raises(RefusedMessage, match="bad signature"):
        ours.deserialize(theirs.serialize(7))


def test_only_registered_tasks_with_plain_arguments_are_accepted(app):
    from huey.registry import Message

    from jobs.signing import RefusedMessage, SignedJSONSerializer, queue_key

    serializer = SignedJSONSerializer(queue_key("k"), {"storyloom.run_job"})
    message = serializer.deserialize(serializer.serialize(Message("id1", "storyloom.run_job", args=(5,), kwargs={})))
    assert message.name == "storyloom.run_job" and message.args == (5,)
    with pytest.raises(RefusedMessage, match="unknown task"):
        serializer.deserialize(serializer.serialize(Message("id2", "os.system", args=("ls",), kwargs={})))
    with pytest.raises(TypeError):
        serializer.serialize(Message("id3", "storyloom.run_job", args=(object(),), kwargs={}))


def test_the_queue_holds_only_the_job_id_as_json(tmp_path):
    app = build_app(tmp_path / "data", TASK_QUEUE="sqlite")
    reset_schema(app)
    from jobs.queue import get_huey

    with app.test_request_context():
        job = start_job("system.selfcheck", params={"steps": 1, "secret": "words of a story"})
    raw = get_huey(app, "light").storage.enqueued_items()[0]
    body = bytes(raw).rsplit(b".", 1)[0]
    assert b'"args":[%d]' % job.id in body and b"words of a story" not in body


def test_transcription_goes_to_the_heavy_queue_and_checks_to_the_light(tmp_path):
    from jobs.queue import get_huey

    app = build_app(tmp_path / "data", TASK_QUEUE="sqlite")
    reset_schema(app)
    with app.test_request_context():
        start_job("stories.transcribe")
        start_job("governance.scan")
    assert len(get_huey(app, "heavy")) == 1 and len(get_huey(app, "light")) == 1
    heavy_only = app.test_cli_runner().invoke(args=["worker", "--burst", "--queue", "heavy"])
    assert "ran 1 job(s)" in heavy_only.output
    assert len(get_huey(app, "heavy")) == 0 and len(get_huey(app, "light")) == 1


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_with_password(tmp_path):
    """A private redis-server on a free loopback port that requires a password."""
    import shutil
    import time

    import redis

    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed (scripts/system-packages.sh installs it)")
    port = _free_port()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--requirepass", "s3cret-pw", "--dir", str(tmp_path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://:s3cret-pw@127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(10)


def test_a_redis_password_in_the_queue_url_is_used(redis_with_password, tmp_path):
    import redis

    with pytest.raises(redis.AuthenticationError):
        redis.Redis.from_url(redis_with_password.replace(":s3cret-pw@", ":wrong@")).ping()
    app = build_app(tmp_path / "data", TASK_QUEUE=redis_with_password)
    reset_schema(app)
    with app.test_request_context():
        job_id = start_job("system.selfcheck", params={"steps": 1, "pause": 0}).id
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert "ran 1 job(s), 0 failed" in result.output
    assert _job(app, job_id).status == "succeeded"
