"""The Job table: what the worker is doing and how far it has got."""
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=True, index=True)
    # Other subjects (a theme run, a workshop pack) by type and id.
    subject_type: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    subject_id = mapped_column(Integer, nullable=True)
    params = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")  # plain words, for everyone who sees the job
    error_detail: Mapped[str] = mapped_column(Text, nullable=False, default="")  # technical; admins and the log only
    result = mapped_column(JSON, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    worker: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    request_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")  # the request that started it (logs)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    started_at = mapped_column(DateTime, nullable=True)
    heartbeat_at = mapped_column(DateTime, nullable=True)
    finished_at = mapped_column(DateTime, nullable=True)
    # Periodic jobs only: "kind@slot"; unique, so a slot's job is created once
    # however many workers' schedulers fire for it.
    slot_key = mapped_column(String(120), nullable=True, unique=True)

    @property
    def is_finished(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled")

    def eta_seconds(self):
        """Seconds left, estimated from the progress rate so far (None if unknown)."""
        if self.status != "running" or not self.started_at or not self.progress or self.progress >= 100:
            return None
        elapsed = (utcnow() - self.started_at).total_seconds()
        return round(elapsed * (100 - self.progress) / self.progress)
