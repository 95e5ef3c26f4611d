"""The checks behind /readyz, each raising when its part is not ready."""
from __future__ import annotations

from sqlalchemy import text

from extensions import db


class NotReady(Exception):
    pass


def database() -> dict:
    db.session.execute(text("SELECT 1"))
    return {}


def queue(app) -> dict:
    spec = app.config["TASK_QUEUE"]
    from ops.metrics import queue_depth

    if spec.startswith(("redis://", "rediss://", "unix://")):
        import redis

        redis.Redis.from_url(spec, socket_connect_timeout=2, socket_timeout=2).ping()
    return {"depth": queue_depth(app)}


def storage_ok() -> dict:
    from core.storage import storage

    store = storage()
    store.check()
    return {"store": store.kind}


def worker() -> dict:
    from ops.heartbeat import LIVE_SECONDS, live_workers

    alive = live_workers()
    if not alive:
        raise NotReady(f"no worker has reported in the last {LIVE_SECONDS} s")
    return {"live": len(alive)}
