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


# --- codes on quotes (any words people chose; themes/quotes.py) --------------------------------

def _quote_decision(action: str, quote, code: Code, summary: str, actor) -> None:
    """Audit always; the board's decision list too when the quote sits under a theme (of that theme's run)."""
    from audit.services import record as audit
    from themes.models import Theme

    theme = db.session.get(Theme, quote.theme_id) if quote.theme_id else None
    if theme is None:
        audit(f"theme.{action}", quote, actor=actor, summary=summary, after={"code_id": code.id})
        return
    _decide(action, quote, run_id=theme.run_id, theme=theme, actor=actor, summary=summary,
            after={"code_id": code.id, "quote_id": quote.id})


def tag_quote(quote, code: Code, *, actor=None) -> bool:
    """Put a code on a quote; False when it was already there."""
    from themes.quote_models import QuoteCode

    if db.session.scalar(select(QuoteCode.id).where(QuoteCode.code_id == code.id, QuoteCode.quote_id == quote.id)):
        return False
    db.session.add(QuoteCode(code_id=code.id, quote_id=quote.id, story_id=quote.story_id,
                             created_by_id=getattr(actor, "id", None)))
    _quote_decision("quote_coded", quote, code, f"code “{code.name}” put on a quote", actor)
    db.session.commit()
    return True


def untag_quote(quote, code: Code, *, actor=None) -> bool:
    from themes.quote_models import QuoteCode

    row = db.session.scalar(select(QuoteCode).where(QuoteCode.code_id == code.id, QuoteCode.quote_id == quote.id))
    if row is None:
        return False
    db.session.delete(row)
    _quote_decision("quote_uncoded", quote, code, f"code “{code.name}” taken off a quote", actor)
    db.session.commit()
    return True


def quote_codes(quote_ids) -> dict[int, list[Code]]:
    """quote id -> its codes (by name), in one query for a board's quotes."""
    from themes.quote_models import QuoteCode

    ids = set(quote_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(QuoteCode.quote_id, Code).join(Code, Code.id == QuoteCode.code_id)
                              .where(QuoteCode.quote_id.in_(ids)).order_by(Code.name)).all()
    out: dict = {qid: [] for qid in ids}
    for quote_id, code in rows:
        out[quote_id].append(code)
    return out


def code_usage() -> dict[int, int]:
    """{code id: how many times it is used}: a code counts where it is used, on passages and on quotes."""
    from sqlalchemy import func

    from themes.models import QuoteCode

    usage: dict = {}
    for model in (PassageCode, QuoteCode):
        for code_id, count in db.session.execute(select(model.code_id, func.count()).group_by(model.code_id)):
            usage[code_id] = usage.get(code_id, 0) + count
    return usage
