"""What other domains (search, managers' views, exports) may ask of the theme board, as read helpers.

They ask here rather than reading passages and themes themselves, so the rules
of the board (merges, withdrawn passages, off-topic passages) stay in one domain.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, or_, select

from extensions import db
from themes.models import Passage, Theme


def theme_family_ids(theme_id: int) -> set[int]:
    """The theme and every theme merged into it (their passages are now its passages)."""
    from themes.read import theme_family

    theme = db.session.get(Theme, theme_id)
    return set() if theme is None else theme_family(theme)


def in_theme_clause(theme_id: int, story_id_col, start_col, end_col):
    """A WHERE clause: the row (a story and a time range) lies in a live, on-topic passage of the theme."""
    family = theme_family_ids(theme_id) or {-1}
    overlaps = or_(start_col.is_(None), Passage.start.is_(None), and_(Passage.start < end_col, Passage.end > start_col))
    return exists().where(Passage.theme_id.in_(family), Passage.story_id == story_id_col,
                          Passage.withdrawn_at.is_(None), Passage.off_topic.is_(False), overlaps)


def passages_at(hits: list[tuple[int, float | None, float | None]]) -> dict:
    """{(story_id, start, end): passage id} of the latest run's live passage covering each hit."""
    from themes.services import latest_run

    run = latest_run()
    if run is None or not hits:
        return {}
    story_ids = {h[0] for h in hits}
    passages = db.session.execute(
        select(Passage.id, Passage.story_id, Passage.start, Passage.end)
        .where(Passage.run_id == run.id, Passage.story_id.in_(story_ids), Passage.withdrawn_at.is_(None))
        .order_by(Passage.position)
    ).all()
    found = {}
    for story_id, start, end in hits:
        for p in passages:
            if p.story_id != story_id:
                continue
            if start is None or p.start is None or (p.start < (end or start) and p.end > start) or p.start == start:
                found[(story_id, start, end)] = p.id
                break
    return found


def themes_of_run(run_id: int | None = None) -> list[Theme]:
    """The themes still on a run's board (the latest run by default), for filters."""
    from themes.services import latest_run, visible_themes

    run = db.session.get(Theme.run.property.mapper.class_, run_id) if run_id else latest_run()
    return [t for t in visible_themes(run) if not t.is_outlier] if run else []


# Story vectors per (run, model), worked out once per process: a run's passages and their cached
# embeddings never change (a withdrawn or erased story leaves `allowed_ids`, which is applied on each call).
_STORY_VECTORS: dict = {}
_RUNS_KEPT = 4


def _story_vectors(run) -> dict:
    """{story id: unit mean vector of its passages} for the run's not-withdrawn passages with a cached embedding."""
    import numpy as np

    from themes.vectors import cached_vectors

    model = (run.settings or {}).get("embedding_model")
    key = (str(db.engine.url), run.id, str(run.finished_at), model)  # one process may serve several databases (tests)
    if key in _STORY_VECTORS:
        return _STORY_VECTORS[key]
    rows = db.session.execute(select(Passage.id, Passage.story_id, Passage.text).where(
        Passage.run_id == run.id, Passage.withdrawn_at.is_(None))).all()
    vectors = cached_vectors(run, rows)  # under the key discovery cached them by (placeholders left out)
    by_story: dict = {}
    for r in rows:
        if r.id in vectors:
            by_story.setdefault(r.story_id, []).append(vectors[r.id])
    means = {sid: np.mean(vs, axis=0) for sid, vs in by_story.items()}
    means = {sid: v / (np.linalg.norm(v) or 1.0) for sid, v in means.items()}
    while len(_STORY_VECTORS) >= _RUNS_KEPT:
        _STORY_VECTORS.pop(next(iter(_STORY_VECTORS)))
    _STORY_VECTORS[key] = means
    return means


def similar_stories(story_id: int, allowed_ids: set, limit: int = 5) -> list[tuple[int, float]]:
    """Stories most like this one, from the embeddings the latest run already cached (nothing is embedded here).

    A story's vector is the mean of its live passages' vectors; similarity is the cosine.
    Only stories in `allowed_ids` are compared. Returns [(story id, similarity)], most alike first.
    """
    from themes.services import latest_run

    run = latest_run()
    if run is None or story_id not in allowed_ids:
        return []
    means = _story_vectors(run)
    if story_id not in means:
        return []
    mine = means[story_id]
    scored = sorted(((sid, float(mine @ v)) for sid, v in means.items() if sid != story_id and sid in allowed_ids),
                    key=lambda p: (-p[1], p[0]))
    return scored[:limit]
