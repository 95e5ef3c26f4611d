"""Themes' part of the story lifecycle (core/signals.py): passages, their notes and codes, cached embeddings."""
from __future__ import annotations

from sqlalchemy import delete, select

from core import signals
from extensions import db
from themes.models import EmbeddingCache, Passage, PassageCode, ThemeDecision, ThemeNote, ThemeRun


@signals.story_withdrawn.connect
@signals.story_restricted.connect
def _take_off_boards(story_id: int, *, actor=None, **_) -> None:
    from themes.services import withdraw_story

    withdraw_story(story_id, actor=actor)


@signals.story_erasing.connect
def _forget_passages(story_id: int, **_) -> None:
    """Delete the story's passages (with notes and decisions about them), codes and cached embeddings.

    Embeddings are cached by text hash, so the keys are worked out from every text the story ever
    gave a run: its passages, its segments and its redacted segments, under each model used.
    """
    from engines.embeddings import text_key
    from governance.policy import redacted_segments
    from stories.models import Story

    story = db.session.get(Story, story_id)
    rows = db.session.execute(
        select(Passage.id, Passage.text, ThemeRun.model).join(ThemeRun, ThemeRun.id == Passage.run_id)
        .where(Passage.story_id == story_id)).all()
    texts = {r.text for r in rows}
    if story is not None:
        texts |= {s.text.strip() for s in story.segments} | {s["text"] for s in redacted_segments(story)}
    models = {None} | {r.model or None for r in rows}
    keys = {text_key(t, m) for t in texts for m in models}
    if keys:
        db.session.execute(delete(EmbeddingCache).where(EmbeddingCache.key.in_(list(keys))))
    passage_ids = [r.id for r in rows]
    if passage_ids:
        for model in (ThemeNote, ThemeDecision):
            db.session.execute(delete(model).where(model.passage_id.in_(passage_ids)))
        db.session.execute(delete(Passage).where(Passage.id.in_(passage_ids)))
    db.session.execute(delete(PassageCode).where(PassageCode.story_id == story_id))
    db.session.flush()


@signals.story_usage.connect
def _theme_usage(story_id: int, **_) -> dict:
    """The theme runs that hold the story's passages (ids and positions, no words)."""
    rows = db.session.execute(select(Passage.run_id, Passage.position, Passage.theme_id)
                              .where(Passage.story_id == story_id)).all()
    runs: dict = {}
    for run_id, position, theme_id in rows:
        runs.setdefault(run_id, []).append({"position": position, "theme_id": theme_id})
    return {"theme_runs": [{"run_id": k, "passages": v} for k, v in sorted(runs.items())]}
