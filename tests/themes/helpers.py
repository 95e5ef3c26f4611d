"""Test data for themes: corpus stories and hand-made runs (no model needed)."""
from __future__ import annotations

import json
from pathlib import Path

from extensions import db
from stories.models import ConsentRecord
from tests import factories
from themes.models import Passage, Theme, ThemeRun
from themes.services import text_hash

CORPUS = Path(__file__).resolve().parents[2] / "demo" / "dev_stories.json"


def corpus():
    return json.loads(CORPUS.read_text())


def add_corpus_stories(reporter, stories, scopes=("analysis", "workshop", "quote", "manager_view")) -> dict:
    """Create each corpus story as a checked, typed story; returns corpus id -> Story id."""
    ids = {}
    for item in stories:
        story = factories.make_story(reporter, title=f"Story {item['id']}", role=item["role"], scopes=scopes,
                                     text=item["text"])
        ids[item["id"]] = story.id
    return ids


def withdraw_consent(story_id: int) -> None:
    from core.timeutil import utcnow

    for consent in db.session.query(ConsentRecord).filter_by(story_id=story_id):
        consent.withdrawn_at = utcnow()
    db.session.commit()


def make_run_by_hand(layout: dict, *, seeds=None) -> ThemeRun:
    """A finished run without the model: layout = {theme label: [(story, passage text), ...]}."""
    run = ThemeRun(status="done", story_ids=[], seeds=seeds or [], settings={"min_stories": 2}, model="test")
    db.session.add(run)
    db.session.flush()
    story_ids, position = set(), {}
    for n, (label, items) in enumerate(layout.items()):
        theme = Theme(run_id=run.id, label=label, machine_label=label, keywords=label.lower().split(), position=n)
        db.session.add(theme)
        db.session.flush()
        for rank, (story, text) in enumerate(items):
            story_ids.add(story.id)
            position[story.id] = position.get(story.id, -1) + 1
            db.session.add(Passage(run_id=run.id, story_id=story.id, position=position[story.id], start=10.0 * rank,
                                   end=10.0 * rank + 8, text=text, text_hash=text_hash(text), theme_id=theme.id,
                                   machine_theme_id=theme.id, representativeness=1.0 - rank / 10))
    run.story_ids = sorted(story_ids)
    _words_into_stories(layout)
    db.session.commit()
    return run


def _words_into_stories(layout: dict) -> None:
    """A passage is always cut from its story's words: add each passage's text to its story
    (as a segment) when the story does not hold it yet, so governance shows it as it would a real one."""
    from stories.models import Segment

    for items in layout.values():
        for story, text in items:
            if text not in story.transcript_text:
                story.segments.append(Segment(position=len(story.segments), text=text))
                db.session.flush()
