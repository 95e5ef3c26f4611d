"""The codebook: codes a group puts on passages' words, beside the themes (moved out of services.py).

Each change is one function that writes the audit record and the board's
decision list through themes.services._decide, like every other decision.
"""
from __future__ import annotations

from sqlalchemy import select

from audit.services import record
from extensions import db
from themes.models import Code, Passage, PassageCode
from themes.services import CODE_COLOURS, ThemeError, _decide

def create_code(name: str, *, colour: str = "blue", description: str = "", actor=None) -> Code:
    name = " ".join((name or "").split())
    if not name:
        raise ThemeError("Give the code a name.")
    if len(name) > 80:
        raise ThemeError("Keep a code name under 80 characters.")
    if colour not in CODE_COLOURS:
        raise ThemeError("Choose one of the colours.")
    if db.session.scalar(select(Code).where(db.func.lower(Code.name) == name.lower())):
        raise ThemeError(f"There is already a code called “{name}”.")
    code = Code(name=name, colour=colour, description=(description or "").strip(), created_by_id=getattr(actor, "id", None))
    db.session.add(code)
    db.session.flush()
    record("theme.code_created", code, actor=actor, summary=f"code “{name}” added to the codebook")
    db.session.commit()
    return code


def list_codes() -> list[Code]:
    return db.session.scalars(select(Code).order_by(Code.name)).all()


def tag_passage(passage: Passage, code: Code, *, actor=None) -> bool:
    """Put a code on a passage's words; False when it was already there."""
    if passage.withdrawn_at is not None:
        raise ThemeError("This story's consent was withdrawn; its passages cannot be coded.")
    exists = db.session.scalar(select(PassageCode).where(
        PassageCode.code_id == code.id, PassageCode.story_id == passage.story_id, PassageCode.text_hash == passage.text_hash))
    if exists:
        return False
    db.session.add(PassageCode(code_id=code.id, story_id=passage.story_id, text_hash=passage.text_hash,
                               created_by_id=getattr(actor, "id", None)))
    _decide("coded", passage, run_id=passage.run_id, passage=passage, theme=passage.theme, actor=actor,
            summary=f"code “{code.name}” put on a passage")
    db.session.commit()
    return True


def untag_passage(passage: Passage, code: Code, *, actor=None) -> bool:
    row = db.session.scalar(select(PassageCode).where(
        PassageCode.code_id == code.id, PassageCode.story_id == passage.story_id, PassageCode.text_hash == passage.text_hash))
    if row is None:
        return False
    db.session.delete(row)
    _decide("uncoded", passage, run_id=passage.run_id, passage=passage, theme=passage.theme, actor=actor,
            summary=f"code “{code.name}” taken off a passage")
    db.session.commit()
    return True


def codes_for(passages, run_id: int | None = None) -> dict[int, list[Code]]:
    """passage id -> its codes (by story and words). `run_id`: the passages are (some of) that run's, so the
    codes are found by joining its passages rather than by listing every story."""
    passages = list(passages)
    if not passages:
        return {}
    stmt = select(PassageCode.story_id, PassageCode.text_hash, Code).join(Code, Code.id == PassageCode.code_id)
    if run_id is not None:
        stmt = stmt.where(select(Passage.id).where(
            Passage.run_id == run_id, Passage.story_id == PassageCode.story_id,
            Passage.text_hash == PassageCode.text_hash).exists())
    else:
        stmt = stmt.where(PassageCode.story_id.in_({p.story_id for p in passages}))
    rows = db.session.execute(stmt.order_by(Code.name)).all()
    by_key: dict = {}
    for story_id, digest, code in rows:
        by_key.setdefault((story_id, digest), []).append(code)
    return {p.id: by_key.get((p.story_id, p.text_hash), []) for p in passages}
