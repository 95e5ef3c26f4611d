"""The audit log table. Rows are only ever inserted (see `services.guard_append_only`)."""
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.timeutil import utcnow
from extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at = mapped_column(DateTime, nullable=False, default=utcnow, index=True)
    actor_id = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    # The actor's email at the time, kept even if the account changes later.
    actor_label: Mapped[str] = mapped_column(String(254), nullable=False, default="system")
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(String(40), nullable=False, default="", index=True)
    object_id: Mapped[str] = mapped_column(String(64), nullable=False, default="", index=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    before = mapped_column(JSON, nullable=True)
    after = mapped_column(JSON, nullable=True)
    ip: Mapped[str] = mapped_column(String(64), nullable=False, default="")

    actor = relationship("User")
