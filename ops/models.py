"""Worker heartbeats: each worker process says it is alive every few seconds."""
from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db


class WorkerHeartbeat(db.Model):
    __tablename__ = "worker_heartbeats"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(160), nullable=False, unique=True)  # host:pid
    queue: Mapped[str] = mapped_column(String(40), nullable=False, default="all")
    started_at = mapped_column(DateTime, nullable=False, default=utcnow)
    seen_at = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
