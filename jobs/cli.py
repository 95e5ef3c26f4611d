"""`flask --app app worker [--queue heavy|light|all] [--burst]`: the process that runs jobs."""
from __future__ import annotations

import gc
import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--queue", "queue", type=click.Choice(["heavy", "light", "all"]), default="all", show_default=True,
              help="heavy: transcription; light: checks, themes, packs and periodic jobs; all: both.")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Schedule periodic jobs from this worker (light or all). Safe on several machines: "
                   "each time slot's job is created once.")
@click.option("--burst", is_flag=True, help="Run every queued job, then exit (non-zero if any failed).")
@click.option("--workers", default=1, show_default=True, help="Worker threads per queue in this process.")
@with_appcontext
def worker_command(queue: str, periodic: bool, burst: bool, workers: int) -> None:
    """Run the background worker (transcription, themes, packs, …)."""
    from jobs.queue import QUEUES, QueueUnavailable, check_queue, get_huey
    from jobs.services import requeue_stale_jobs

    app = current_app._get_current_object()
    names = QUEUES if queue == "all" else (queue,)
    hueys = [get_huey(app, name) for name in names]
    try:
        check_queue(app)
    except QueueUnavailable as exc:
        raise click.ClickException(str(exc)) from None
    from core import scratch
    from ops.heartbeat import beat, start_worker_heartbeat, worker_name

    swept = scratch.sweep(scratch.folders(), dead_only=True)
    if swept:
        click.echo(f"removed {swept} scratch files left by a stopped worker")
    if burst:
        beat(worker_name(), queue)  # one beat: a burst ends when the queue is empty
    else:
        start_worker_heartbeat(app, queue)  # /readyz wants a live worker
    requeued = requeue_stale_jobs()
    if requeued:
        click.echo(f"requeued jobs left running by a stopped worker: {requeued}")
    if burst:
        ran, failed = _run_burst(hueys)
        click.echo(f"ran {ran} job(s), {failed} failed")
        sys.exit(1 if failed else 0)
    click.echo(f"worker consuming the {' and '.join(names)} queue(s) on {_safe(app.config['TASK_QUEUE'])}; Ctrl-C stops")
    consumers = [_consumer(app, h, workers, periodic) for h in hueys]
    _run_together(consumers)


def _consumer(app, huey, workers: int, periodic: bool):
    """Light jobs: threads. Heavy jobs (transcription): one process per core by default, each
    with its own model on one thread, so both cores are busy (FLASK_HEAVY_PROCESSES overrides).
    An idle worker looks for new jobs at least every FLASK_JOB_POLL_SECONDS: Huey's own backoff
    reaches ten seconds, which a story uploaded after a quiet minute would wait before it starts."""
    poll = {"max_delay": float(app.config["JOB_POLL_SECONDS"])}
    if not huey.name.endswith(".heavy"):
        return huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic, **poll)
    import os

    from extensions import db

    @huey.on_startup()
    def fresh_connections():
        # A forked process must not share the parent's database connections.
        with app.app_context():
            db.engine.dispose(close=False)

    @huey.post_execute()
    def hide_loaded_models_from_the_collector(task, value, exc):
        # After a process's first job its models (Whisper, the voice encoder, spaCy) are loaded and live as
        # long as it does; frozen, they are no longer walked by the full collection the decoder runs per file.
        if not gc.get_freeze_count():
            gc.collect()
            gc.freeze()

    processes = int(app.config.get("HEAVY_PROCESSES") or os.cpu_count() or 1)
    return huey.create_consumer(workers=max(1, processes), worker_type="process", periodic=False, **poll)


def _safe(spec: str) -> str:
    """The queue URL without its password, for the log."""
    from urllib.parse import urlsplit

    parts = urlsplit(spec)
    if parts.password:
        return spec.replace(f":{parts.password}@", ":***@")
    return spec


def _run_together(consumers) -> None:
    """Run several Huey consumers in this process: the last one owns the main
    thread and the signal handlers, and stopping it stops the others."""
    *others, main = consumers
    for consumer in others:
        consumer.start()
    main_stop = main.stop

    def stop(graceful=False):
        for consumer in others:
            consumer.stop(graceful=graceful)
        main_stop(graceful=graceful)

    main.stop = stop
    main.run()


def _run_burst(hueys) -> tuple[int, int]:
    from jobs.signing import RefusedMessage

    ran = failed = 0
    for huey in hueys:
        while True:
            try:
                task = huey.dequeue()
            except RefusedMessage:
                continue  # logged by the serializer, and dropped
            if task is None:
                break
            ran += 1
            if huey.execute(task) == "failed":
                failed += 1
    return ran, failed


commands = [worker_command]
