"""Jobs' part of the story lifecycle (core/signals.py): an erased story's job rows go with it."""
from __future__ import annotations

from sqlalchemy import delete

from core import signals
from extensions import db
from jobs.models import Job


@signals.story_erasing.connect
def _forget_jobs(story_id: int, **_) -> None:
    db.session.execute(delete(Job).where(Job.story_id == story_id))
    db.session.flush()
