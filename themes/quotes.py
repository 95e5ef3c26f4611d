"""Quotes of any words: made from word timings, nudged a word at a time, placed on the board.

Every state change is one function here that writes the audit record. What a quote says is
worked out when it is shown (quote_words / quote_text), through governance: redacted words
stay hidden, and a story that may no longer be quoted shows no quote at all.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from audit.services import record
from extensions import db
from governance import policy
from stories.models import Story
from themes.models import Theme
from themes.quote_models import Comment, Quote

HIDDEN = "[removed]"
MAX_QUOTE_SECONDS = 90.0
MAX_COMMENT_CHARS = 2000


class QuoteError(ValueError):
    """A quote or comment the rules refuse; the message says why in plain words."""


@dataclass
class Word:
    index: int
    start: float
    end: float
    text: str
    hidden: bool


def story_words(story: Story) -> list[Word]:
    """The story's words with their times, as they may be shown outside its page (hidden ones marked)."""
    from governance.clips import placed_words

    spans = policy.applied_spans(story)
    words, _unplaced = placed_words(story)
    full = story.transcript_text
    out = []
    for n, w in enumerate(words):
        hidden = any(s.start_char < w["char_end"] and s.end_char > w["char_start"] for s in spans)
        out.append(Word(n, w["start"], w["end"], full[w["char_start"]:w["char_end"]], hidden))
    return out


def words_between(words: list[Word], start: float, end: float) -> list[Word]:
    return [w for w in words if w.start >= start - 0.01 and w.end <= end + 0.01]


def quote_text(story: Story, start: float, end: float, words: list[Word] | None = None) -> str:
    """The words of [start, end] as they may be shown: each hidden run of words becomes one [removed]."""
    parts = []
    for w in words_between(words if words is not None else story_words(story), start, end):
        if w.hidden:
            if not parts or parts[-1] != HIDDEN:
                parts.append(HIDDEN)
        else:
            parts.append(w.text)
    return " ".join(parts)


def snap(words: list[Word], start: float, end: float) -> tuple[float, float]:
    """[start, end] snapped outwards to whole words (the first word ending after start, the last starting before end)."""
    inside = [w for w in words if w.end > start and w.start < end]
    if not inside:
        raise QuoteError("Choose at least one word for the quote.")
    return inside[0].start, inside[-1].end


def nudge(words: list[Word], start: float, end: float, edge: str, step: int) -> tuple[float, float]:
    """Move the quote's start or end by `step` words (negative: earlier). Keeps at least one word."""
    start, end = snap(words, start, end)
    first = next(w.index for w in words if w.start == start)
    last = next(w.index for w in reversed(words) if w.end == end)
    if edge == "start":
        first = min(max(0, first + step), last)
    else:
        last = max(min(len(words) - 1, last + step), first)
    return words[first].start, words[last].end


def _usable(story: Story | None) -> Story:
    if story is None or not policy.is_quotable(story):
        raise QuoteError("This story's words may not be quoted.")
    if db.session.scalar(policy.analysable_story_ids().where(Story.id == story.id)) is None:
        raise QuoteError("This story is not available for analysis, so it cannot go on the board.")
    return story


def _storyteller_only(story: Story, start: float, end: float) -> None:
    from stories.speakers import spans_reporter

    if spans_reporter(story, start, end):
        raise QuoteError("A quote is the storyteller's own words: this one takes in the reporter's question. "
                         "Choose words the storyteller says.")


def create_quote(story: Story, start: float, end: float, *, theme: Theme | None = None, actor=None) -> Quote:
    """A quote of whole words between start and end, optionally placed under a theme."""
    _usable(story)
    words = story_words(story)
    if not words:
        raise QuoteError("This story has no word timings, so a quote cannot be cut from it.")
    start, end = snap(words, float(start), float(end))
    if end - start > MAX_QUOTE_SECONDS:
        raise QuoteError(f"A quote can be at most {int(MAX_QUOTE_SECONDS)} seconds long: choose fewer words.")
    _storyteller_only(story, start, end)
    text = quote_text(story, start, end, words)
    if not text.replace(HIDDEN, "").strip():
        raise QuoteError("Every word you chose is hidden: choose words that can be shown.")
    quote = Quote(story_id=story.id, theme_id=theme.id if theme else None, start=start, end=end,
                  created_by_id=getattr(actor, "id", None))
    db.session.add(quote)
    db.session.flush()
    record("quote.created", quote, actor=actor, summary=f"Quote from story {story.id} ({start:.2f}-{end:.2f} s)",
           after={"story_id": story.id, "start": start, "end": end, "theme_id": quote.theme_id})
    db.session.commit()
    return quote


def trim_quote(quote: Quote, start: float, end: float, *, actor=None) -> Quote:
    words = story_words(_usable(quote.story))
    before = {"start": quote.start, "end": quote.end}
    new_start, new_end = snap(words, float(start), float(end))
    _storyteller_only(quote.story, new_start, new_end)
    quote.start, quote.end = new_start, new_end
    record("quote.trimmed", quote, actor=actor, summary="Quote start/end changed", before=before,
           after={"start": quote.start, "end": quote.end})
    db.session.commit()
    return quote


def move_quote(quote: Quote, theme: Theme | None, *, actor=None) -> Quote:
    before = quote.theme_id
    quote.theme_id = theme.id if theme else None
    record("quote.moved", quote, actor=actor, summary=f"Quote moved to {theme.label if theme else 'no theme'}",
           before={"theme_id": before}, after={"theme_id": quote.theme_id})
    db.session.commit()
    return quote


def set_quote_pinned(quote: Quote, pinned: bool, *, actor=None) -> Quote:
    quote.pinned = bool(pinned)
    record("quote.pinned" if pinned else "quote.unpinned", quote, actor=actor,
           summary="Quote pinned as a key quote" if pinned else "Quote unpinned")
    db.session.commit()
    return quote


def delete_quote(quote: Quote, *, actor=None) -> None:
    record("quote.deleted", quote, actor=actor, summary=f"Quote from story {quote.story_id} removed",
           before={"start": quote.start, "end": quote.end, "theme_id": quote.theme_id})
    db.session.delete(quote)
    db.session.commit()


def theme_lineage(theme: Theme) -> set[int]:
    """The theme and the themes of earlier runs it carries people's decisions from."""
    ids, current = set(), theme
    while current is not None and current.id not in ids:
        ids.add(current.id)
        current = db.session.get(Theme, current.carried_from_id) if current.carried_from_id else None
    from themes.evidence import theme_family_ids

    for tid in list(ids):
        ids |= theme_family_ids(tid)
    return ids


def quotes_for_theme(theme: Theme, *, readable: set | None = None) -> list[dict]:
    """The quotes under a theme (carried from earlier runs and merged themes too), shown as they may be now.

    `readable`: story ids whose words the viewer may read (None: the policy's quotable stories only).
    """
    return placed_quotes([theme], readable=readable)[theme.id]


def placed_quotes(themes, *, readable: set | None = None) -> dict[int, list[dict]]:
    """{theme id: its quotes as quotes_for_theme shows them} for several themes (a board), consent read once."""
    quotable = set(db.session.scalars(policy.quotable_story_ids()))
    allowed = quotable & policy.analysable_ids_now() & (readable if readable is not None else quotable)
    lineage = {theme.id: theme_lineage(theme) for theme in themes}
    every = set().union(*lineage.values()) if lineage else set()
    from themes.codebook import quote_codes

    rows = db.session.scalars(select(Quote).where(Quote.theme_id.in_(every or {-1}), Quote.story_id.in_(allowed or {-1}))
                              .order_by(Quote.pinned.desc(), Quote.id)).all() if allowed else []
    codes = quote_codes(q.id for q in rows)  # one query for the board's quotes
    shown = {q.id: show(q, codes.get(q.id, [])) for q in rows}
    return {tid: [shown[q.id] for q in rows if q.theme_id in family and shown[q.id]] for tid, family in lineage.items()}


def show(quote: Quote, codes: list | None = None) -> dict | None:
    """A quote as it may be shown now: text (redacted), clip URL (within consent), its codes (`codes`, if
    the caller read them; else read here), or None if nothing shows."""
    text = quote_text(quote.story, quote.start, quote.end)
    if not text.replace(HIDDEN, "").strip():
        return None
    if codes is None:
        from themes.codebook import quote_codes

        codes = quote_codes([quote.id])[quote.id]
    return {"id": quote.id, "story_id": quote.story_id, "text": text, "start": quote.start, "end": quote.end,
            "pinned": quote.pinned, "theme_id": quote.theme_id, "role": quote.story.role_label,
            "clip_url": policy.clip_url(quote.story, quote.start, quote.end),
            "codes": [{"id": c.id, "name": c.name, "colour": c.colour} for c in codes]}


# --- comments ------------------------------------------------------------------------------

def add_comment(target: str, target_id: int, text: str, *, actor) -> Comment:
    """Add a message to the thread of a quote or a passage (audited)."""
    from themes.models import Passage

    text = (text or "").strip()
    model = {"quote": Quote, "passage": Passage}.get(target)
    row = db.session.get(model, target_id) if model else None
    if row is None:
        raise QuoteError("That quote or passage is no longer there.")
    if not text:
        raise QuoteError("Write something before sending.")
    if len(text) > MAX_COMMENT_CHARS:
        raise QuoteError(f"Keep a comment under {MAX_COMMENT_CHARS} letters.")
    comment = Comment(target=target, target_id=target_id, story_id=row.story_id, author_id=getattr(actor, "id", None),
                      text=text)
    db.session.add(comment)
    db.session.flush()
    record("comment.added", comment, actor=actor, summary=f"Comment on {target} {target_id}",
           after={"target": target, "target_id": target_id, "chars": len(text)})  # no words: the log outlives erasure
    db.session.commit()
    return comment


def thread(target: str, target_id: int) -> list[Comment]:
    return db.session.scalars(select(Comment).where(Comment.target == target, Comment.target_id == target_id)
                              .order_by(Comment.id)).all()
