"""REFI-QDA export of a theme run: redacted transcripts, themes as codes, passages and the quotes people
chose as coded segments (a quote's codebook codes too)."""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from audit.services import record
from core.actors import actor_label
from core.timeutil import utcnow
from extensions import db
from engines.packs.content import theme_colour
from governance.policy import quotable_story_ids, redacted_segments, redacted_text, redacted_title
from stories.models import Story
from themes.models import Code, Passage, PassageCode
from themes.read import analysable_ids, ids_of, quote_text, run_themes, theme_passages


def _segment(texts: dict, passage, **code) -> dict | None:
    """A coded segment: where the passage's redacted words sit in its story's redacted text, or None."""
    words = quote_text(passage) if passage is not None else None
    start = texts[passage.story_id].find(words) if words else -1
    if start < 0:
        return None
    return {"story_id": str(passage.story_id), "start": start, "end": start + len(words), "text": words, **code}


def _theme_segments(themes, texts: dict) -> tuple[list[dict], int]:
    """Segments of every theme's passages, and how many passages were left out (words changed)."""
    segments, skipped = [], 0
    for theme in themes:
        for passage in theme_passages(theme):
            if passage.story_id not in texts:
                continue
            segment = _segment(texts, passage, theme_id=theme.id)
            if segment is None:
                skipped += 1
            else:
                segments.append(segment)
    return segments, skipped


def _reporter_code_segments(texts: dict) -> tuple[list[dict], list[dict]]:
    """Reporters' codes and their segments (a code sticks to a passage's words in every run)."""
    codes = db.session.scalars(select(Code).order_by(Code.name)).all()
    segments = []
    for pc in db.session.scalars(select(PassageCode)):
        if pc.story_id not in texts:
            continue
        passage = db.session.scalars(select(Passage).where(Passage.story_id == pc.story_id,
                                                           Passage.text_hash == pc.text_hash)).first()
        segment = _segment(texts, passage, reporter_code_id=pc.code_id) if passage is not None else None
        if segment is not None:
            segments.append(segment)
    return [{"id": c.id, "name": c.name, "description": c.description or ""} for c in codes], segments


def _quote_segment(texts: dict, quote: dict, **code) -> dict | None:
    """A coded segment for a quote people chose: from its first shown words to its last, in the story's
    redacted text (a hidden stretch inside it is the redacted text's own placeholder), or None."""
    from themes.quotes import HIDDEN

    text = texts.get(quote["story_id"], "")
    parts = [p.strip() for p in quote["text"].split(HIDDEN) if p.strip()]
    start = text.find(parts[0]) if parts else -1
    end = text.find(parts[-1], start + len(parts[0])) if start >= 0 and len(parts) > 1 else start
    if start < 0 or end < 0:
        return None
    end += len(parts[-1])
    return {"story_id": str(quote["story_id"]), "start": start, "end": end, "text": text[start:end],
            "quote_id": quote["id"], **code}


def _quote_segments(themes, texts: dict) -> list[dict]:
    """Each quote people chose, coded to its theme and to every code on it (themes/codebook.py)."""
    from themes.quotes import placed_quotes

    segments = []
    for theme_id, shown in placed_quotes(themes, readable=set(texts)).items():
        for quote in shown:
            for code in [{"theme_id": theme_id}] + [{"reporter_code_id": c["id"]} for c in quote["codes"]]:
                segment = _quote_segment(texts, quote, **code)
                if segment is not None:
                    segments.append(segment)
    return segments


def qdpx_project(run, *, actor=None) -> dict:
    """A REFI-QDA project dict for a theme run: redacted transcripts, themes as codes, quotes as segments."""
    from stories.speakers import speaker_turns

    themes = run_themes(run)
    story_ids = {p.story_id for t in themes for p in theme_passages(t)} | set(run.story_ids or [])
    # A file leaving the site carries words only of stories whose storytellers agreed to be quoted.
    story_ids &= analysable_ids() & ids_of(quotable_story_ids())
    stories = db.session.scalars(select(Story).where(Story.id.in_(story_ids)).order_by(Story.id)).all() if story_ids else []
    texts = {s.id: redacted_text(s) for s in stories}
    turns = [turn for s in stories for turn in speaker_turns(s.id, redacted_segments(s))]
    segments, skipped = _theme_segments(themes, texts)
    reporter_codes, code_segments = _reporter_code_segments(texts)
    return {
        "name": f"Storyloom - theme run {run.id}",
        "description": "Redacted stories, the themes people shaped, and the passages coded to them.",
        "exported_by": {"id": f"u{getattr(actor, 'id', 0)}", "name": actor_label(actor)},
        "exported_at": utcnow(),
        "themes": [{"id": t.id, "label": t.label, "description": t.description or "", "color": theme_colour(i)}
                   for i, t in enumerate(themes)],
        "reporter_codes": reporter_codes,
        "stories": [{"id": str(s.id), "title": redacted_title(s), "role": s.storyteller_role, "text": texts[s.id]}
                    for s in stories],
        "segments": segments + code_segments + _quote_segments(themes, texts),
        "speaker_turns": turns,
        "notes": [{"title": f"Theme run {run.id}",
                   "text": f"Model {run.model or 'unknown'}; settings {json.dumps(run.settings or {})}; "
                           f"{skipped} passages left out because their words changed after redaction."}],
    }


def export_qdpx(run, out_path, *, actor=None) -> Path:
    from engines.qdpx import build_qdpx

    path = build_qdpx(qdpx_project(run, actor=actor), out_path)
    record("themes.qdpx_export", run, actor=actor, summary=f"theme run {run.id} to REFI-QDA")
    db.session.commit()
    return Path(path)


def qdpx_download(run, *, actor=None) -> bytes:
    """The run's .qdpx file as bytes for a download (built in DATA_DIR/tmp, removed after)."""
    scratch = Path(current_app.config["DATA_DIR"]) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="qdpx-", dir=scratch))
    try:
        return export_qdpx(run, folder / f"storyloom-theme-run-{run.id}.qdpx", actor=actor).read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
