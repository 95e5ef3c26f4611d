"""Stories' part of the lifecycle signals (core/signals.py): transcript versions and media files of an erased
story; a person's stories and voice for their subject access, and their voice forgotten when they leave."""
from __future__ import annotations


from functools import partial

from sqlalchemy import delete, select

from core import shred, signals
from extensions import db
from stories.models import ConsentRecord, MediaFile, Story, TranscriptVersion


@signals.story_erasing.connect
def _forget_versions_and_media(story_id: int, *, files: list, after_commit: list, **_) -> None:
    """Transcript versions go; media rows no other story uses go, their files after the commit, and so
    does the story's key (core/shred.py): every copy of its words the database still holds, in
    table files, WAL or backups, is then ciphertext nobody can open.
    (The story row itself, its segments and consents are deleted by the erasure.)"""
    story = db.session.get(Story, story_id)
    if story is not None and story.key_id:
        after_commit.append(partial(shred.destroy_key, story.key_id, erased=True))
    db.session.execute(delete(TranscriptVersion).where(TranscriptVersion.story_id == story_id))
    if story is not None:
        media_ids = [story.media_id] + [c.form_media_id for c in story.consents]
        story.media = None  # the story row goes later in the same transaction; let go of its media first
        for consent in story.consents:
            consent.form_media = None
        db.session.flush()
        files.extend(release_media(story, media_ids))
    db.session.flush()


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


@signals.person_leaving.connect
def _forget_leavers_voice(user_id: int, *, actor=None, files: list, **_) -> None:
    from stories.voice import forget_voice

    forget_voice(user_id, actor, files)


@signals.person_data.connect
def _persons_stories_and_voice(user_id: int, **_) -> dict:
    """The stories they reported (details, not words) and their voice enrolment."""
    from stories.voice import voice_held

    stories = db.session.scalars(select(Story).where(Story.reporter_id == user_id).order_by(Story.id)).all()
    listed = [{"id": s.id, "title": s.title, "status": s.status, "storyteller_role": s.storyteller_role,
               "language": s.language, "consent": s.consent_scopes(), "created_at": s.created_at.isoformat() + "Z",
               "recorded_on": s.recorded_on.isoformat() if s.recorded_on else None} for s in stories]
    return {"stories.json": listed, "voice.json": voice_held(user_id)}
