"""A workshop's public "you said, we did" page: off until a facilitator turns it on."""
from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.timeutil import utcnow
from extensions import db


class PublicPage(db.Model):
    __tablename__ = "public_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False, unique=True)
    # The page's address: random, so public pages cannot be found by counting.
    slug: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    enabled_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    enabled_at = mapped_column(DateTime, nullable=False, default=utcnow)
