"""The Huey queues chosen by `TASK_QUEUE`: SQLite in the data folder (default,
no server), Redis (`redis://[:password@]host:port/db`, or `rediss://` for TLS,
shared by many workers), or `immediate` (jobs run inline, for tests).

There are two queues, so a machine can be given only one kind of work:
`heavy` (transcription: minutes of CPU and a large model) and `light`
(checks, themes, packs, and every periodic job). A job's queue is declared
where its handler is (`@handles(kind, queue="heavy")`).

The queues carry only job ids, as signed JSON (jobs/signing.py); the Job
row is the source of truth.
"""
from __future__ import annotations

from pathlib import Path

QUEUES = ("heavy", "light")


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
    elif spec.startswith(("redis://", "rediss://", "unix://")):
        # redis-py reads the password, database and TLS options from the URL.
        huey = RedisHuey(name, url=spec, **options)
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
    app.extensions["huey.run_job"][queue](job_id)
