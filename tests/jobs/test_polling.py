"""An idle worker on the SQLite queue looks for new jobs at least once a second.

Huey's consumer backs off while the queue is empty, up to ten seconds between looks by
default, so a story uploaded after a quiet minute waited up to ten seconds before its
transcription began. The worker caps the wait at FLASK_JOB_POLL_SECONDS (default 1)."""
from __future__ import annotations

import uuid

import pytest

from jobs.cli import _consumer
from jobs.queue import get_huey
from tests.conftest import build_app


def _sqlite_app(tmp_path, **settings):
    return build_app(tmp_path / "data", TASK_QUEUE="sqlite", TASK_QUEUE_NAME=f"poll-{uuid.uuid4().hex[:8]}", **settings)


@pytest.mark.parametrize("queue", ["light", "heavy"])
def test_an_idle_worker_looks_at_the_queue_at_least_once_a_second(tmp_path, queue):
    app = _sqlite_app(tmp_path)
    consumer = _consumer(app, get_huey(app, queue), 1, False)
    assert consumer.max_delay <= 1.0
    worker = consumer._create_worker()
    assert worker.max_delay <= 1.0


def test_the_longest_wait_between_looks_is_a_setting(tmp_path):
    app = _sqlite_app(tmp_path, JOB_POLL_SECONDS=0.25)
    consumer = _consumer(app, get_huey(app, "light"), 1, False)
    assert consumer.max_delay == 0.25


def test_a_heavy_worker_hides_its_loaded_models_from_the_collector_after_its_first_job(tmp_path):
    """The decoder runs a full collection after each file (PyAV's buffers need it); with Whisper, the voice
    encoder and spaCy loaded that walk took ~0.14 s CPU per file, about 6% of a 20-second story's job."""
    import gc

    app = _sqlite_app(tmp_path)
    huey = get_huey(app, "heavy")
    _consumer(app, huey, 1, False)
    gc.unfreeze()  # as a fresh worker process starts (another test may have frozen this one)
    assert gc.get_freeze_count() == 0
    try:
        for hook in huey._post_execute.values():
            hook(None, None, None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
