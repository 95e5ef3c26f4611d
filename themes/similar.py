"""“More like this”: passages a facilitator marked as examples of a theme, and others that fit them.

Marks, rejections and acceptances are decisions like every other board change (ThemeDecision and
the audit log): `example_marked` / `example_unmarked`, `suggestion_rejected`, and an accepted
passage is moved into the theme by `services.move_passage` (so it can be undone). Proposals are
ranked by cosine to the examples' mean over the run's cached embeddings (EmbeddingCache, centred
on the run's passages); no model is loaded in the web process, and passages without stored
vectors are counted and said, never embedded here. Only passages the viewer may read are proposed
(themes.board.Viewer, which asks governance.policy).
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from themes.models import Passage, Theme, ThemeDecision
from themes.read import final_ids
from themes.services import ThemeError, _decide, move_passage

MARKS = ("example_marked", "example_unmarked", "suggestion_rejected")
MAX_SUGGESTIONS = 8


def _marks(theme: Theme) -> tuple[list[int], set[int]]:
    """(example passage ids in the order marked, rejected passage ids) for the theme (one query)."""
    rows = db.session.execute(select(ThemeDecision.action, ThemeDecision.passage_id).where(
        ThemeDecision.theme_id == theme.id, ThemeDecision.action.in_(MARKS)).order_by(ThemeDecision.id)).all()
    examples: dict = {}
    rejected = set()
    for action, pid in rows:
        if action == "example_marked":
            examples[pid] = True
        elif action == "example_unmarked":
            examples.pop(pid, None)
        else:
            rejected.add(pid)
    return list(examples), rejected


def example_ids(theme: Theme) -> list[int]:
    return _marks(theme)[0]


def _require_usable(passage: Passage) -> None:
    from governance.policy import analysable_ids_now

    if passage.withdrawn_at is not None or passage.story_id not in analysable_ids_now():
        raise ThemeError("This story may no longer be analysed; its passages cannot be used.")


def toggle_example(theme: Theme, passage: Passage, *, actor=None) -> bool:
    """Mark `passage` (of this theme) as an example, or take the mark off; returns whether it is one now."""
    if theme.merged_into_id is not None:
        raise ThemeError("That theme was merged into another one; mark examples there.")
    if passage.run_id != theme.run_id or final_ids(theme.run).get(passage.theme_id) != theme.id:
        raise ThemeError("Only a passage of this theme can be an example of it.")
    _require_usable(passage)
    marked = passage.id not in example_ids(theme)
    _decide("example_marked" if marked else "example_unmarked", passage, run_id=theme.run_id, theme=theme,
            passage=passage, actor=actor,
            summary=f"a passage marked as an example of “{theme.label}”" if marked
            else f"a passage no longer an example of “{theme.label}”")
    db.session.commit()
    return marked


def answer(theme: Theme, passage: Passage, *, accept: bool, actor=None) -> None:
    """Accept a proposal (the passage moves into the theme) or reject it (never proposed for it again)."""
    if passage.run_id != theme.run_id:
        raise ThemeError("That passage belongs to another run.")
    _require_usable(passage)
    if accept:
        move_passage(passage, theme, actor=actor, reason="more like this",
                     summary=f"a passage accepted into “{theme.label}” as like its examples")
        return
    _decide("suggestion_rejected", passage, run_id=theme.run_id, theme=theme, passage=passage, actor=actor,
            summary=f"a proposed passage rejected for “{theme.label}”")
    db.session.commit()


def more_like_this(theme: Theme, viewer, limit: int = MAX_SUGGESTIONS) -> dict:
    """{examples, suggestions: [(passage, score)], missing, note}: what the theme page shows."""
    examples, rejected = _marks(theme)
    out = {"examples": [], "suggestions": [], "missing": 0, "note": "", "example_ids": examples}
    if not examples:
        return out
    from themes.board import live_passages
    from themes.vectors import cached_vectors

    run = theme.run
    finals = final_ids(run)
    live = [p for p in live_passages(run, viewer) if viewer.text(p)]
    chosen = set(examples)
    out["examples"] = [p for p in live if p.id in chosen and finals.get(p.theme_id) == theme.id]
    candidates = [p for p in live if finals.get(p.theme_id) != theme.id and not p.off_topic and p.id not in rejected]
    vectors = cached_vectors(run, out["examples"] + candidates)
    return _rank(out, candidates, vectors, limit)


def _rank(out: dict, candidates: list, vectors: dict, limit: int) -> dict:
    import numpy as np

    have = [p for p in out["examples"] if p.id in vectors]
    out["missing"] = len([p for p in candidates if p.id not in vectors])
    if not have:
        out["note"] = ("The examples' vectors are not stored (the run's embeddings were cleared), so nothing can "
                       "be compared with them here. Find the themes again to read the passages once more.")
        return out
    pool = [p for p in candidates if p.id in vectors]
    if not pool:
        out["note"] = "There are no other passages you may see to compare with the examples."
        return out
    matrix = np.stack([vectors[p.id] for p in have + pool])
    matrix = matrix - matrix.mean(axis=0)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    target = matrix[: len(have)].mean(axis=0)
    target /= float(np.linalg.norm(target)) or 1.0
    scores = matrix[len(have):] @ target
    order = np.argsort(-scores, kind="stable")[:limit]
    out["suggestions"] = [(pool[i], round(float(scores[i]), 3)) for i in order]
    if out["missing"]:
        out["note"] = (f"{out['missing']} passages have no stored vectors, so they could not be compared "
                       "and are not proposed.")
    return out
