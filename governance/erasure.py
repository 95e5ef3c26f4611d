"""Erasure: a story and everything derived from it go for good; one audit entry says it existed."""
from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import delete

from audit.services import record
from core import scratch, signals
from extensions import db
from governance.clips import purge_clips
from core.lifecycle import after_commit, announce
from governance.models import Redaction, SafeguardingFlag, StoryGovernance
from stories.models import Story


def checkpoint_database() -> None:
    """On SQLite, move the WAL into the main file and truncate it, so deleted pages do not linger there.
    A reader (the worker, a page) can hold it up: try for FLASK_WAL_CHECKPOINT_SECONDS (default 2)."""
    if db.engine.dialect.name != "sqlite":
        return
    deadline = time.monotonic() + float(current_app.config["WAL_CHECKPOINT_SECONDS"])
    while True:
        with db.engine.connect() as conn:
            busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    current_app.logger.warning("could not fully checkpoint the SQLite WAL after an erasure")


def erase_story(story: Story, actor=None) -> int:
    """Erase a story completely, in one transaction across domains: each domain deletes its own rows
    on `story_erasing` (audio, transcripts, passages, embeddings, pack files, jobs); files go after
    the commit. Leaves one audit entry saying story N existed and who erased it. Returns the id.
    """
    story_id = story.id
    media_shas = [m.sha256 for m in [story.media] + [c.form_media for c in story.consents] if m is not None]
    held = {"role": story.storyteller_role, "created": story.created_at.date().isoformat(),
            "segments": len(story.segments)}
    try:
        left = announce(signals.story_erasing, story_id, actor=actor)
        for model in (Redaction, SafeguardingFlag, StoryGovernance):
            db.session.execute(delete(model).where(model.story_id == story_id))
        db.session.delete(story)
        db.session.flush()
        record("story.erased", object_type="stories", object_id=story_id, actor=actor,
               summary=f"Story {story_id} existed and was erased", before=held)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    after_commit(left)
    purge_clips(story_id)
    scratch.sweep_story(scratch.folders(), story_id, media_shas)  # plaintext copies, pack staging
    checkpoint_database()
    return story_id
