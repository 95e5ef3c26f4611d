"""Erasure: a story and everything derived from it go for good; one audit entry says it existed."""
from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import delete, select

from audit.services import record
from extensions import db
from governance.clips import purge_clips
from governance.consent import notify
from governance.models import Redaction, SafeguardingFlag, StoryGovernance
from stories.models import ConsentRecord, MediaFile, Story, TranscriptVersion


def release_media(story: Story, media_ids) -> list[str]:
    """Delete MediaFile rows no other story or consent uses; return their media-store keys to delete after commit."""
    files = []
    for media_id in {m for m in media_ids if m is not None}:
        media = db.session.get(MediaFile, media_id)
        if media is None:
            continue
        others = db.session.scalar(select(Story.id).where(Story.media_id == media_id, Story.id != story.id).limit(1))
        others = others or db.session.scalar(select(ConsentRecord.id).where(
            ConsentRecord.form_media_id == media_id, ConsentRecord.story_id != story.id).limit(1))
        if others:
            continue
        same_file = db.session.scalar(select(MediaFile.id).where(
            MediaFile.storage_path == media.storage_path, MediaFile.id != media.id).limit(1))
        if not same_file:
            files.append(media.storage_path)
        db.session.delete(media)
    return files


def delete_files(keys) -> None:
    """Delete objects from the media store, every version where the bucket keeps versions."""
    from core.storage import storage

    store = storage()
    for key in keys:
        store.delete(key)


def checkpoint_database() -> None:
    """On SQLite, move the WAL into the main file and truncate it, so deleted pages do not linger there."""
    if db.engine.dialect.name != "sqlite":
        return
    for _ in range(20):
        with db.engine.connect() as conn:
            busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return
        time.sleep(0.1)
    current_app.logger.warning("could not fully checkpoint the SQLite WAL after an erasure")


def erase_story(story: Story, actor=None) -> int:
    """Erase a story completely: audio, transcripts, passages, embeddings, clips, pack files.

    Leaves one audit entry saying story N existed and who erased it. Returns the id.
    """
    story_id = story.id
    notify("erasing", story_id)  # themes: passages off the boards; workshops: pack files deleted
    media_ids = [story.media_id] + [c.form_media_id for c in story.consents]
    _erase_theme_rows(story)
    from jobs.models import Job

    db.session.execute(delete(Job).where(Job.story_id == story_id))
    for model in (Redaction, SafeguardingFlag, StoryGovernance, TranscriptVersion):
        db.session.execute(delete(model).where(model.story_id == story_id))
    files = release_media(story, media_ids)
    held = {"role": story.storyteller_role, "created": story.created_at.date().isoformat(),
            "segments": len(story.segments)}
    db.session.delete(story)
    db.session.flush()
    record("story.erased", object_type="stories", object_id=story_id, actor=actor,
           summary=f"Story {story_id} existed and was erased", before=held)
    db.session.commit()
    delete_files(files)
    purge_clips(story_id)
    notify("erased", story_id)
    checkpoint_database()
    return story_id


def _erase_theme_rows(story: Story) -> None:
    try:
        from themes import models as theme_models
    except ImportError:
        return
    from engines.embeddings import text_key

    from governance.policy import redacted_segments

    Passage = theme_models.Passage
    rows = db.session.execute(
        select(Passage.id, Passage.text, theme_models.ThemeRun.model)
        .join(theme_models.ThemeRun, theme_models.ThemeRun.id == Passage.run_id)
        .where(Passage.story_id == story.id)
    ).all()
    texts = {r.text for r in rows} | {s.text.strip() for s in story.segments} | {
        s["text"] for s in redacted_segments(story)}
    models = {None} | {r.model or None for r in rows}
    keys = {text_key(t, m) for t in texts for m in models}
    cache = getattr(theme_models, "EmbeddingCache", None)
    if cache is not None and keys:
        db.session.execute(delete(cache).where(cache.key.in_(list(keys))))
    passage_ids = [r.id for r in rows]
    if passage_ids:
        for name in ("ThemeNote", "ThemeDecision"):
            model = getattr(theme_models, name, None)
            if model is not None:
                db.session.execute(delete(model).where(model.passage_id.in_(passage_ids)))
        db.session.execute(delete(Passage).where(Passage.id.in_(passage_ids)))
    codes = getattr(theme_models, "PassageCode", None)
    if codes is not None:
        db.session.execute(delete(codes).where(codes.story_id == story.id))
