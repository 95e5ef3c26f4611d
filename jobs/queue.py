"""The Huey queues chosen by `TASK_QUEUE`: SQLite in the data folder (default,
no server), Redis (`redis://[:password@]host:port/db`, or `rediss://` for TLS,
shared by many workers), or `immediate` (jobs run inline, for tests).

There are two queues, so a machine can be given only one kind of work:
`heavy` (transcription: minutes of CPU and a large model) and `light`
(checks, themes, packs, and every periodic job). A job's queue is declared
where its handler is (`@handles(kind, queue="heavy")`).

The queues carry only job ids, as signed JSON (jobs/signing.py); the Job
row is the source of truth. With `rediss://`, the server's certificate is
checked against `TASK_QUEUE_CA_FILE` (else the system's CAs). A Redis that
cannot be reached, refuses the password or shows a certificate nobody vouches
for is a `QueueUnavailable` in plain words (the worker says it and exits; the
web answers 503), never a traceback holding the URL.
"""
from __future__ import annotations

from pathlib import Path

QUEUES = ("heavy", "light")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class QueueUnavailable(RuntimeError):
    """The job queue's Redis cannot be used; the message says why in plain words (no password)."""


def _where(spec: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(spec)
    return f"Redis at {parts.hostname}:{parts.port or 6379}" if parts.hostname else "Redis"


def plain_queue_error(spec: str, exc: Exception) -> QueueUnavailable:
    """A redis-py error as a sentence an operator can act on."""
    import redis

    where, text = _where(spec), str(exc)
    if isinstance(exc, redis.AuthenticationError) or "WRONGPASS" in text or "NOAUTH" in text:
        return QueueUnavailable(f"The job queue ({where}) refused the password in FLASK_TASK_QUEUE. "
                                "Check the password (rediss://:PASSWORD@host:port/0).")
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return QueueUnavailable(f"The job queue ({where}) showed a TLS certificate this machine does not trust. "
                                "Set FLASK_TASK_QUEUE_CA_FILE to the CA certificate that signed it.")
    return QueueUnavailable(f"The job queue ({where}) cannot be reached: {type(exc).__name__}. "
                            "Check FLASK_TASK_QUEUE and that Redis is running.")


def _redis_options(app, spec: str) -> dict:
    ca = app.config.get("TASK_QUEUE_CA_FILE")
    return {"ssl_ca_certs": str(ca)} if ca and spec.startswith("rediss://") else {}


def check_queue(app) -> None:
    """Raise QueueUnavailable unless every queue's Redis answers (nothing to check for SQLite)."""
    if not app.config["TASK_QUEUE"].startswith(REDIS_SCHEMES):
        return
    import redis

    for queue in QUEUES:
        try:
            get_huey(app, queue).storage.conn.ping()
        except redis.RedisError as exc:
            raise plain_queue_error(app.config["TASK_QUEUE"], exc) from None


def get_huey(app, queue: str = "light"):
    """The app's Huey instance for `queue`, built on first use (importing huey and
    redis costs the web process ~0.2 s at start-up, so it waits until a job is queued)."""
    if "huey" not in app.extensions:
        make_queues(app)
    return app.extensions["huey"][queue]


def _signing_key(app) -> bytes:
    from jobs.signing import queue_key

    # FLASK_TASK_QUEUE_KEY when several machines share a queue but not a
    # SECRET_KEY; otherwise derived from the secret key (itself from the data
    # folder or a setting), which every machine of a site shares anyway.
    return queue_key(app.config.get("TASK_QUEUE_KEY") or app.config["SECRET_KEY"])


def _make_one(app, queue: str):
    from huey import MemoryHuey, RedisHuey, SqliteHuey

    from jobs.signing import SignedJSONSerializer

    spec = app.config["TASK_QUEUE"]
    name = f"{app.config['TASK_QUEUE_NAME']}.{queue}"
    serializer = SignedJSONSerializer(_signing_key(app), set())
    options = {"serializer": serializer, "results": False}
    if spec == "immediate":
        huey = MemoryHuey(name, immediate=True, **options)
    elif spec.startswith(REDIS_SCHEMES):
        # redis-py reads the password, database and TLS options from the URL; the CA file is a setting.
        from redis import ConnectionPool

        pool = ConnectionPool.from_url(spec, **_redis_options(app, spec))
        huey = RedisHuey(name, connection_pool=pool, **options)
    elif spec == "sqlite":
        huey = SqliteHuey(name, filename=str(Path(app.config["DATA_DIR"]) / "queue.db"), **options)
    else:
        raise ValueError(f"FLASK_TASK_QUEUE must be sqlite, immediate, redis://… or rediss://…, not {spec!r}")

    @huey.task(name="storyloom.run_job")
    def run_job_task(job_id: int):
        # Imported here: the web process never needs the runner's imports.
        from jobs.runner import run_job
        from ops.logs import job_context

        if not isinstance(job_id, int) or isinstance(job_id, bool):
            raise TypeError("a job id is a number")
        with app.app_context(), job_context(job_id):  # the starting request's id follows the job into the logs
            return run_job(job_id)

    return huey, run_job_task


def make_queues(app):
    """Build both queues for `app`; periodic work is scheduled from the light one."""
    from huey import crontab

    hueys, runners = {}, {}
    for queue in QUEUES:
        hueys[queue], runners[queue] = _make_one(app, queue)
    light = hueys["light"]

    @light.periodic_task(crontab(minute="*"), name="storyloom.requeue_stale_jobs")
    def requeue_stale():
        # Housekeeping, not a Job row (it would add 1,440 rows a day); safe on
        # every worker at once (rows are taken FOR UPDATE SKIP LOCKED).
        from jobs.services import requeue_stale_jobs

        with app.app_context():
            requeue_stale_jobs()

    from jobs.registry import periodic_jobs

    for declared in periodic_jobs():
        _schedule_periodic(app, light, declared)
    for huey in hueys.values():  # only the task names registered here are ever accepted
        huey.serializer.allowed_names.update(huey._registry._registry)
    app.extensions["huey"] = hueys
    app.extensions["huey.run_job"] = runners
    return hueys


def _schedule_periodic(app, huey, declared) -> None:
    """A Huey periodic task that only *creates* the Job row for this time slot;
    the database's unique slot key makes it run once however many workers fire."""
    name = f"storyloom.periodic.{declared.kind}"

    def fire():
        from jobs.services import start_periodic_job

        with app.app_context():
            start_periodic_job(declared.kind)

    huey.periodic_task(declared.schedule, name=name)(fire)


def enqueue_job_id(app, job_id: int, queue: str = "light") -> None:
    get_huey(app, queue)
    spec = app.config["TASK_QUEUE"]
    if not spec.startswith(REDIS_SCHEMES):
        app.extensions["huey.run_job"][queue](job_id)
        return
    import redis

    try:
        app.extensions["huey.run_job"][queue](job_id)
    except redis.RedisError as exc:
        raise plain_queue_error(spec, exc) from None
