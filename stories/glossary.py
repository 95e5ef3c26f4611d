"""The site glossary: words an admin adds so the speech model hears them right (MAPPA, methadone, town names).

The terms reach faster-whisper as `hotwords` (a prompt before every 30 s window
that makes these spellings likely); bench/glossary.py measures the effect.
"""
from __future__ import annotations

from sqlalchemy import func, select

from audit.services import record
from extensions import db
from stories.models import GlossaryTerm
from stories.services import StoryError

MAX_PROMPT_CHARS = 600  # hotwords are cut at half Whisper's 448-token context; stay well inside it


def terms() -> list[GlossaryTerm]:
    return db.session.scalars(select(GlossaryTerm).order_by(func.lower(GlossaryTerm.term))).all()


def hotwords() -> str | None:
    """The glossary as one prompt string for faster-whisper, or None when it is empty."""
    text = ", ".join(t.term for t in terms())
    return text[:MAX_PROMPT_CHARS].rsplit(",", 1)[0] if len(text) > MAX_PROMPT_CHARS else (text or None)


def add_term(term: str, actor) -> GlossaryTerm:
    term = " ".join((term or "").split())
    if not term or len(term) > 80:
        raise StoryError("Write a word or short phrase (up to 80 letters).", 400)
    existing = db.session.scalars(select(GlossaryTerm).where(func.lower(GlossaryTerm.term) == term.lower())).first()
    if existing is not None:
        raise StoryError(f"“{existing.term}” is already in the glossary.", 409)
    row = GlossaryTerm(term=term, created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    record("glossary.term_added", row, actor=actor, summary=term)
    db.session.commit()
    return row


def remove_term(term_id: int, actor) -> None:
    row = db.session.get(GlossaryTerm, term_id)
    if row is None:
        raise StoryError("That word is not in the glossary any more.", 404)
    record("glossary.term_removed", row, actor=actor, summary=row.term)
    db.session.delete(row)
    db.session.commit()
