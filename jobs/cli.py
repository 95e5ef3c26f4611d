"""`flask --app app worker [--burst]`: the process that runs jobs."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Run every queued job, then exit (non-zero if any failed).")
@click.option("--workers", default=1, show_default=True, help="Worker threads in this process.")
@with_appcontext
def worker_command(burst: bool, workers: int) -> None:
    """Run the background worker (transcription, themes, packs, …)."""
    from jobs.queue import get_huey
    from jobs.registry import load_handlers
    from jobs.services import requeue_stale_jobs

    app = current_app._get_current_object()
    huey = get_huey(app)
    load_handlers()
    from core import scratch

    swept = scratch.sweep(scratch.folders(), dead_only=True)
    if swept:
        click.echo(f"removed {swept} scratch files left by a stopped worker")
    requeued = requeue_stale_jobs()
    if requeued:
        click.echo(f"requeued jobs left running by a stopped worker: {requeued}")
    if not burst:
        click.echo(f"worker consuming {app.config['TASK_QUEUE']} queue; Ctrl-C stops")
        huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()
        return
    ran = failed = 0
    while True:
        task = huey.dequeue()
        if task is None:
            break
        status = huey.execute(task)
        ran += 1
        if status == "failed":
            failed += 1
    click.echo(f"ran {ran} job(s), {failed} failed")
    sys.exit(1 if failed else 0)


commands = [worker_command]
