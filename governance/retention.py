"""Retention: original audio and unredacted text are deleted after the retention period."""
from __future__ import annotations

import calendar
from datetime import date
from functools import partial

from sqlalchemy import delete, select

from audit.services import record
from core import shred
from core.sealed_columns import rotate_story_key
from core.timeutil import utcnow
from extensions import db
from governance.clips import purge_clips
from governance.erasure import checkpoint_database
from core.lifecycle import Leftovers, after_commit
from governance.models import Redaction, StoryGovernance
from governance.records import flags_for, governance_for
from governance.settings import retention_months
from stories.models import Story, TranscriptVersion
from stories.receivers import release_media


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_due(story: Story, today: date | None = None, months: int | None = None) -> bool:
    today = today or date.today()
    base = story.recorded_on or story.created_at.date()
    return _add_months(base, retention_months() if months is None else months) <= today


def apply_retention(today: date | None = None) -> list[int]:
    """Delete original audio and unredacted text of every story past the retention period.

    The redacted text stays where consent in force allows; without consent the text goes too.
    Returns the ids of the stories changed.
    """
    months = retention_months()
    done_ids = set(db.session.scalars(
        select(StoryGovernance.story_id).where(StoryGovernance.originals_deleted_at.is_not(None))).all())
    changed = []
    for story in db.session.scalars(select(Story).order_by(Story.id)).all():
        if story.id in done_ids or not retention_due(story, today, months):
            continue
        delete_originals(story)
        changed.append(story.id)
    return changed


def delete_originals(story: Story, actor=None) -> None:
    from governance.policy import redacted_segments

    keep_text = bool(story.consent_scopes())
    redacted = redacted_segments(story)
    for segment, shown in zip(story.segments, redacted):
        segment.text = shown["text"] if keep_text else ""
        segment.words = []
    story.storyteller_name = ""
    db.session.execute(delete(TranscriptVersion).where(TranscriptVersion.story_id == story.id))
    db.session.execute(delete(Redaction).where(Redaction.story_id == story.id))
    for flag in flags_for(story):
        flag.evidence = ""
    media_ids = [story.media_id]
    story.media = None
    db.session.flush()
    files = release_media(story, media_ids)
    gov = governance_for(story)
    gov.originals_deleted_at = utcnow()
    old_key = rotate_story_key(story)  # what was deleted stays only as ciphertext under a key that goes
    record("retention.originals_deleted", story, actor=actor,
           summary="Original audio and unredacted text deleted at the end of the retention period"
           + ("; redacted text kept" if keep_text else "; no consent in force, text deleted"))
    db.session.commit()
    after_commit(Leftovers(files=files, callbacks=[partial(shred.destroy_key, old_key)]))
    purge_clips(story.id)
    checkpoint_database()
