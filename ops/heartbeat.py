"""A worker's heartbeat row, refreshed from a thread; /readyz wants one seen recently."""
from __future__ import annotations

import os
import socket
import threading
from datetime import timedelta

from sqlalchemy import delete, select, update

from core.timeutil import utcnow
from extensions import db

BEAT_SECONDS = 10
LIVE_SECONDS = 60  # a worker not seen for this long is presumed gone


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(name: str, queue: str = "all") -> None:
    """Record that worker `name` is alive now (its own short transaction)."""
    from ops.models import WorkerHeartbeat

    with db.engine.begin() as conn:
        done = conn.execute(update(WorkerHeartbeat).where(WorkerHeartbeat.name == name).values(seen_at=utcnow()))
        if not done.rowcount:
            conn.execute(WorkerHeartbeat.__table__.insert().values(name=name, queue=queue, started_at=utcnow(),
                                                                  seen_at=utcnow()))
        conn.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.seen_at < utcnow() - timedelta(days=1)))


def start_worker_heartbeat(app, queue: str = "all", every: float = BEAT_SECONDS) -> threading.Event:
    """Beat now and then every `every` seconds until the returned event is set (or the process ends)."""
    name = worker_name()
    stop = threading.Event()

    def loop() -> None:
        with app.app_context():
            while True:
                try:
                    beat(name, queue)
                except Exception:  # the database is briefly away: try again next time
                    app.logger.warning("worker heartbeat failed", exc_info=True)
                if stop.wait(every):
                    return

    with app.app_context():
        beat(name, queue)
    threading.Thread(target=loop, name="worker-heartbeat", daemon=True).start()
    return stop


def live_workers(within_seconds: int = LIVE_SECONDS) -> list:
    from ops.models import WorkerHeartbeat

    cutoff = utcnow() - timedelta(seconds=within_seconds)
    return db.session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.seen_at >= cutoff)
                              .order_by(WorkerHeartbeat.name)).all()
