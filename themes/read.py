"""The theme read API: what other domains may read of a theme run, in one place.

A theme's passages are its own and those of every theme merged into it; a passage
counts only while it is on-topic, not withdrawn, and its story may still be analysed
(governance.policy). Quote text is always the redacted text of governance.policy.
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db

MAX_QUOTES = 5


def ids_of(stmt) -> set[int]:
    return set(db.session.scalars(stmt).all())


def quotable_ids() -> set[int]:
    from governance.policy import quotable_story_ids

    return ids_of(quotable_story_ids())


def list_runs():
    from themes.models import ThemeRun

    return db.session.scalars(select(ThemeRun).where(ThemeRun.status == "done").order_by(ThemeRun.id.desc())).all()


def run_themes(run) -> list:
    """Themes still on the run's board (not merged away, not the outlier bin)."""
    return [t for t in run.themes if t.merged_into_id is None and not t.is_outlier]


def _theme_family(theme) -> set[int]:
    """The theme and every theme merged into it (their passages count for it)."""
    from themes.models import Theme

    family, frontier = {theme.id}, [theme.id]
    while frontier:
        children = db.session.scalars(select(Theme.id).where(Theme.merged_into_id.in_(frontier))).all()
        frontier = [c for c in children if c not in family]
        family.update(frontier)
    return family


def theme_passages(theme) -> list:
    from themes.models import Passage

    stmt = select(Passage).where(Passage.theme_id.in_(_theme_family(theme)), Passage.off_topic.is_(False))
    if hasattr(Passage, "withdrawn_at"):
        stmt = stmt.where(Passage.withdrawn_at.is_(None))
    return db.session.scalars(stmt.order_by(Passage.story_id, Passage.position)).all()


def prevalence(theme) -> dict:
    """Stories and passages in a theme, and the share of its stories told by each storyteller role.

    Counts only (no text), so it is safe for every role to see.
    """
    from engines.packs.content import ROLES
    from stories.models import Story

    try:  # the themes domain may offer its own (kept identical in meaning)
        from themes.services import prevalence_by_role  # type: ignore
    except ImportError:
        prevalence_by_role = None
    passages = theme_passages(theme)
    story_ids = sorted({p.story_id for p in passages})
    by_role = {role: 0 for role in ROLES}
    if story_ids:
        for role in db.session.scalars(select(Story.storyteller_role).where(Story.id.in_(story_ids))):
            by_role[role if role in by_role else "other"] += 1
    total = len(story_ids)
    shares = {role: (n / total if total else 0.0) for role, n in by_role.items()}
    if prevalence_by_role is not None:
        try:
            given = prevalence_by_role(theme)
            if isinstance(given, dict) and given:
                shares = {role: float(given.get(role, 0.0)) for role in ROLES}
        except Exception:  # pragma: no cover - keep ours if theirs differs
            pass
    return {"story_count": total, "passage_count": len(passages), "counts": by_role, "shares": shares,
            "story_ids": story_ids}


def quote_text(passage) -> str | None:
    """The passage's words as they may be shown outside the story page (redacted), or None."""
    from governance.policy import redacted_passage_text

    return redacted_passage_text(passage)


def key_quotes(theme, story_ids: set[int] | None = None, limit: int = MAX_QUOTES) -> list:
    """Key quotes of a theme: pinned passages first, then the most representative; quotable stories only."""
    allowed = quotable_ids()
    if story_ids is not None:
        allowed &= set(story_ids)
    passages = [p for p in theme_passages(theme) if p.story_id in allowed]
    passages.sort(key=lambda p: (not p.pinned, -(p.representativeness or 0.0), p.story_id, p.position))
    pinned = [p for p in passages if p.pinned]
    chosen = pinned[:limit] if pinned else passages[: min(limit, 3)]
    return chosen
