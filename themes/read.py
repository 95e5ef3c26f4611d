"""The theme read API: what the board, exports and other domains read of a theme run, written once.

- Merges: a merged theme's passages count for the theme it was merged into; `final_theme_id`
  is the one place that follows `merged_into_id` (with a guard against a cycle).
- Live passages: on-topic, not withdrawn, and the story may still be analysed now
  (governance.policy.analysable_story_ids: consent in force, reviewed, not held). The board,
  prevalence, quotes and exports all count through `live_passage_filter`, so a story whose
  consent lapsed leaves every count at once, whether or not a withdrawal hook ran.
- Quote text is always governance.policy's redacted text of the passage.
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from governance import policy
from stories.models import STORYTELLER_ROLES, Story
from themes.models import Passage, Theme, ThemeRun

MAX_QUOTES = 5


def ids_of(stmt) -> set[int]:
    """Run a select() of ids and return them as a set."""
    return set(db.session.scalars(stmt).all())


def analysable_ids() -> set[int]:
    return ids_of(policy.analysable_story_ids())


def quotable_ids() -> set[int]:
    return ids_of(policy.quotable_story_ids())


def list_runs() -> list[ThemeRun]:
    """Finished theme runs, newest first."""
    return db.session.scalars(select(ThemeRun).where(ThemeRun.status == "done").order_by(ThemeRun.id.desc())).all()


def visible_themes(run: ThemeRun) -> list[Theme]:
    """The run's themes still on the board (merged ones are hidden; the outlier bin stays)."""
    return [t for t in run.themes if t.merged_into_id is None]


def run_themes(run: ThemeRun) -> list[Theme]:
    """Themes still on the run's board (not merged away, not the outlier bin)."""
    return [t for t in run.themes if t.merged_into_id is None and not t.is_outlier]


def final_theme_id(themes_by_id: dict, theme_id):
    """Follow merges from `theme_id` to the theme that holds its passages now."""
    seen = set()
    while theme_id in themes_by_id and themes_by_id[theme_id].merged_into_id is not None and theme_id not in seen:
        seen.add(theme_id)
        theme_id = themes_by_id[theme_id].merged_into_id
    return theme_id


def final_ids(run: ThemeRun) -> dict:
    """{theme id: id of the theme holding its passages now} for every theme of the run."""
    by_id = {t.id: t for t in run.themes}
    return {tid: final_theme_id(by_id, tid) for tid in by_id}


def final_theme(theme: Theme | None) -> Theme | None:
    """The theme that now holds this one's passages (itself unless it was merged)."""
    if theme is None:
        return None
    run = db.session.get(ThemeRun, theme.run_id)
    return db.session.get(Theme, final_ids(run).get(theme.id, theme.id))


def theme_family(theme: Theme) -> set[int]:
    """The theme and every theme merged into it, directly or through another merge."""
    run = db.session.get(ThemeRun, theme.run_id)
    return {tid for tid, final in final_ids(run).items() if final == theme.id} | {theme.id}


def live_passage_filter(allowed: set[int] | None = None) -> list:
    """Conditions for passages that still count: not withdrawn, story still analysable (or in `allowed`)."""
    allowed = analysable_ids() if allowed is None else allowed
    return [Passage.withdrawn_at.is_(None), Passage.story_id.in_(allowed or {-1})]


def theme_passages(theme: Theme, allowed: set[int] | None = None) -> list[Passage]:
    """The live, on-topic passages of the theme and of every theme merged into it."""
    stmt = select(Passage).where(Passage.theme_id.in_(theme_family(theme)), Passage.off_topic.is_(False),
                                 *live_passage_filter(allowed))
    return db.session.scalars(stmt.order_by(Passage.story_id, Passage.position)).all()


def prevalence(theme: Theme) -> dict:
    """Stories and passages in a theme, and the share of its stories told by each storyteller role.

    Counts only (no text), so it is safe for every role to see.
    """
    passages = theme_passages(theme)
    story_ids = sorted({p.story_id for p in passages})
    by_role = {role: 0 for role in STORYTELLER_ROLES}
    if story_ids:
        for role in db.session.scalars(select(Story.storyteller_role).where(Story.id.in_(story_ids))):
            by_role[role if role in by_role else "other"] += 1
    total = len(story_ids)
    shares = {role: (n / total if total else 0.0) for role, n in by_role.items()}
    return {"story_count": total, "passage_count": len(passages), "counts": by_role, "shares": shares,
            "story_ids": story_ids}


def quote_text(passage: Passage, cache: dict | None = None) -> str | None:
    """The passage's words as they may be shown now (redacted; later redactions apply), or None."""
    return policy.redacted_passage_text(passage, cache)


def quote_speaker(passage: Passage) -> str | None:
    """Who says the passage: Reporter, Storyteller or Speaker N (never a typed name), or None."""
    from stories.speakers import quote_speaker as speaker_of

    return speaker_of(passage.story, passage.start, passage.end)


def key_quotes(theme: Theme, story_ids: set[int] | None = None, limit: int = MAX_QUOTES) -> list[Passage]:
    """Key quotes of a theme: pinned passages first, then the most representative; quotable stories only."""
    allowed = quotable_ids()
    if story_ids is not None:
        allowed &= set(story_ids)
    passages = [p for p in theme_passages(theme) if p.story_id in allowed]
    passages.sort(key=lambda p: (not p.pinned, -(p.representativeness or 0.0), p.story_id, p.position))
    pinned = [p for p in passages if p.pinned]
    return pinned[:limit] if pinned else passages[: min(limit, 3)]


def chosen_quote(quote_id: int, story_ids: set[int] | None = None):
    """(Quote, shown) for one quote people chose, if it may be shown now (quotable and analysable story,
    among `story_ids`; words still showing after redaction), else None. `shown` is themes.quotes.show's dict."""
    from themes.quote_models import Quote
    from themes.quotes import show

    quote = db.session.get(Quote, int(quote_id))
    allowed = quotable_ids() & analysable_ids() & (set(story_ids) if story_ids is not None else quotable_ids())
    if quote is None or quote.story_id not in allowed:
        return None
    shown = show(quote)
    return (quote, shown) if shown else None


def chosen_quotes(theme: Theme, story_ids: set[int] | None = None) -> list:
    """The quotes people chose and placed on a theme (carried and merged ones too), as (Quote, text):
    quotable and analysable stories only (and among `story_ids`), text always governance's redacted words."""
    from themes.quote_models import Quote
    from themes.quotes import placed_quotes

    shown = placed_quotes([theme], readable=set(story_ids) if story_ids is not None else None)[theme.id]
    return [(db.session.get(Quote, q["id"]), q["text"]) for q in shown]
