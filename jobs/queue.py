"""The Huey queue chosen by `TASK_QUEUE`: SQLite in the data folder (default,
no server), Redis (`redis://host:port/db`, shared by many workers), or
`immediate` (jobs run inline, for tests).

The queue carries only job ids; the Job row is the source of truth.
"""
from __future__ import annotations

from pathlib import Path


def get_huey(app):
    """The app's Huey instance, built on first use (importing huey and redis
    costs the web process ~0.2 s at start-up, so it waits until a job is queued)."""
    if "huey" not in app.extensions:
        make_huey(app)
    return app.extensions["huey"]


def make_huey(app):
    """Build the Huey instance for `app` and register the one task it runs."""
    from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab

    spec = app.config["TASK_QUEUE"]
    name = app.config["TASK_QUEUE_NAME"]
    if spec == "immediate":
        huey = MemoryHuey(name, immediate=True)
    elif spec.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey(name, url=spec)
    elif spec == "sqlite":
        huey = SqliteHuey(name, filename=str(Path(app.config["DATA_DIR"]) / "queue.db"))
    else:
        raise ValueError(f"FLASK_TASK_QUEUE must be sqlite, immediate or redis://…, not {spec!r}")

    @huey.task(name="storyloom.run_job")
    def run_job_task(job_id: int):
        # Imported here: the web process never needs the runner's imports.
        from jobs.runner import run_job
        from ops.logs import job_context

        with app.app_context(), job_context(job_id):  # the starting request's id follows the job into the logs
            return run_job(job_id)

    @huey.periodic_task(crontab(minute="*"), name="storyloom.requeue_stale_jobs")
    def requeue_stale():
        from jobs.services import requeue_stale_jobs

        with app.app_context():
            requeue_stale_jobs()

    @huey.periodic_task(crontab(hour="3", minute="15"), name="storyloom.apply_retention")
    def apply_retention():
        # Nightly: delete original audio and unredacted text past the retention period.
        from governance.tasks import apply_retention as run

        with app.app_context():
            run()

    @huey.periodic_task(crontab(minute="40"), name="storyloom.clean_uploads")
    def clean_uploads():
        # Hourly: abandoned resumable uploads (encrypted .part files) and stray plaintext temp files.
        from stories.media import cleanup_tmp
        from stories.uploads import cleanup_abandoned

        with app.app_context():
            cleanup_abandoned()
            cleanup_tmp()

    app.extensions["huey"] = huey
    app.extensions["huey.run_job"] = run_job_task
    return huey


def enqueue_job_id(app, job_id: int) -> None:
    get_huey(app)
    app.extensions["huey.run_job"](job_id)
