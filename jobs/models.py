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
    # The earliest finish any progress report predicted (jobs/estimate.py): the time left only counts down.
    finish_estimate = mapped_column(DateTime, nullable=True)
    # Periodic jobs only: "kind@slot"; unique, so a slot's job is created once
    # however many workers' schedulers fire for it.
    slot_key = mapped_column(String(120), nullable=True, unique=True)

    @property
    def is_finished(self) -> bool:
        return self.status in ("succeeded", "failed", "cancelled")

    def eta_seconds(self, now=None):
        """Seconds left, from the measured speed and never more than shown before; None: "working"."""
        from jobs.estimate import shown_seconds

        if self.status != "running":
            return None
        return shown_seconds(self.finish_estimate, now or utcnow())

    def record_progress(self, percent: int, message: str = "", now=None) -> None:
        """A progress report from the job: percent, message, heartbeat, and the finish estimate."""
        from jobs.estimate import next_finish

        now = now or utcnow()
        self.progress = max(0, min(100, int(percent)))
        if message:
            self.message = message
        self.heartbeat_at = now
        if self.started_at is not None:
            self.finish_estimate = next_finish(self.finish_estimate, self.started_at, now, self.progress)
