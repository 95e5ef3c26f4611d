"""Theme runs in `flask --app app export json`.

Adds top-level "theme_runs" (each theme with its passages and the quotes people chose, with their
codes) and, per story, "themes" (its mix in the latest run). Consent applies: only stories that may
still be analysed appear (quotes: only those that may also be quoted).
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db


def contribute(document: dict) -> None:
    from governance.policy import analysable_story_ids
    from themes.models import Passage, ThemeRun
    from themes.read import final_ids, quote_text, visible_themes
    from themes.quotes import placed_quotes
    from themes.services import story_theme_mix

    allowed = set(db.session.scalars(analysable_story_ids()))
    cache: dict = {}
    runs = []
    for run in db.session.scalars(select(ThemeRun).order_by(ThemeRun.id)):
        passages = db.session.scalars(
            select(Passage).where(Passage.run_id == run.id, Passage.withdrawn_at.is_(None)).order_by(Passage.story_id, Passage.position)
        ).all()
        by_theme: dict = {}
        finals = final_ids(run)
        themes = visible_themes(run)
        placed = placed_quotes(themes)  # quotes people chose, quotable stories only, with their codes
        for p in passages:
            if p.story_id not in allowed or p.off_topic or p.theme_id is None:
                continue
            by_theme.setdefault(finals.get(p.theme_id, p.theme_id), []).append(p)
        runs.append({
            "id": run.id, "status": run.status, "created_at": run.created_at.isoformat() + "Z",
            "finished_at": run.finished_at.isoformat() + "Z" if run.finished_at else None,
            "model": run.model, "seeds": run.seeds or [], "settings": run.settings or {},
            "story_ids": sorted(set(run.story_ids or []) & allowed), "previous_run_id": run.previous_run_id,
            "themes": [{
                "id": t.id, "label": t.label, "machine_label": t.machine_label, "description": t.description,
                "origin": t.origin, "keywords": t.keywords or [], "is_outlier": t.is_outlier,
                "story_ids": sorted({p.story_id for p in by_theme.get(t.id, [])}),
                "passages": [{"id": p.id, "story_id": p.story_id, "start": p.start, "end": p.end, "text": quote_text(p, cache),
                              "pinned": p.pinned, "moved_by_people": p.moved_by_people}
                             for p in by_theme.get(t.id, [])],
                "quotes": [{"id": q["id"], "story_id": q["story_id"], "start": q["start"], "end": q["end"],
                            "text": q["text"], "pinned": q["pinned"], "codes": [c["name"] for c in q["codes"]]}
                           for q in placed[t.id]],
            } for t in themes],
        })
    document["theme_runs"] = runs
    for story in document.get("stories", []):
        story["themes"] = [{"theme_id": m["theme_id"], "weight": m["weight"]} for m in story_theme_mix(story["id"])]
