"""A site whose jobs go through a real queue (SQLite or Redis) instead of running inline."""
from __future__ import annotations

from contextlib import contextmanager

from extensions import db
from tests.conftest import build_app, reset_schema


@contextmanager
def queued_site(tmp_path, **overrides):
    """An app with a schema of its own and the given queue settings; its queues are emptied afterwards."""
    from jobs.queue import QUEUES, get_huey

    app = build_app(tmp_path / "data", **overrides)
    reset_schema(app)
    try:
        yield app
    finally:
        for queue in QUEUES:
            get_huey(app, queue).flush()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
