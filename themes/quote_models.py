"""Quotes: any run of words of a story, cut at its word timings; and short comment threads.

A quote is anchored to times in its story's audio (from the word timings), never to a
copy of the words: its text is worked out each time it is shown, through governance, so a
name hidden after the quote was made is hidden in the quote too.
"""
from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.sealed_columns import SealedText
from core.timeutil import utcnow
from extensions import db


class Quote(db.Model):
    __tablename__ = "theme_quotes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    # The theme it sits under now; a later run finds it through Theme.carried_from_id.
    theme_id = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), nullable=True, index=True)
    start: Mapped[float] = mapped_column(Float, nullable=False)
    end: Mapped[float] = mapped_column(Float, nullable=False)
    pinned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)

    story = relationship("Story")
    created_by = relationship("User")


class QuoteCode(db.Model):
    """A codebook code on a quote (as PassageCode is on a passage's words). It holds ids only, no words,
    so nothing here is sealed; it follows the quote into later runs because it names the quote."""

    __tablename__ = "quote_codes"
    __table_args__ = (UniqueConstraint("code_id", "quote_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id = mapped_column(ForeignKey("theme_codes.id", ondelete="CASCADE"), nullable=False, index=True)
    quote_id = mapped_column(ForeignKey("theme_quotes.id", ondelete="CASCADE"), nullable=False, index=True)
    # The quote's story: erasing the story erases its quotes' codes with it (themes/receivers.py).
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)

    code = relationship("Code")


class Comment(db.Model):
    """One message in the short thread under a quote or a passage."""

    __tablename__ = "evidence_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(String(10), nullable=False)  # quote | passage
    target_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    # The story the quote or passage is from: erasing the story erases the thread with it.
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    author_id = mapped_column(ForeignKey("users.id"), nullable=True)
    text: Mapped[str] = mapped_column(SealedText, nullable=False)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)

    author = relationship("User")
