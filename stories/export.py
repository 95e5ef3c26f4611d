"""The stories part of `flask --app app export json` (shape: docs/export.schema.json).

The storyteller's name is never exported."""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from stories.models import ConsentRecord, Story


def story_entry(story: Story) -> dict:
    from stories.speakers import export_role

    order: dict[str, int] = {}
    return {
        "id": story.id,
        "title": story.title,
        "source_filename": story.source_filename,
        "source_kind": story.source_kind,
        "storyteller_role": story.storyteller_role,
        "status": story.status,
        "consent": story.consent_scopes(),
        "duration_s": story.duration_s,
        "language": story.language,
        "recorded_on": story.recorded_on.isoformat() if story.recorded_on else None,
        "created_at": story.created_at.isoformat() + "Z",
        "transcript": story.transcript_text,
        **({"transcript_english": story.transcript_english} if story.transcript_english is not None else {}),
        "segments": [{"start": s.start, "end": s.end, "text": s.text, "speaker": export_role(s.speaker, order)}
                     for s in story.segments],
    }


def contribute(document: dict) -> None:
    for story in db.session.scalars(select(Story).order_by(Story.id)):
        document["stories"].append(story_entry(story))


def state() -> list:
    """What of the stories would change the export: which exist, their words' revision, their consent."""
    stories = db.session.execute(select(Story.id, Story.revision, Story.title, Story.updated_at).order_by(Story.id))
    consents = db.session.execute(select(ConsentRecord.id, ConsentRecord.story_id, ConsentRecord.withdrawn_at,
                                         ConsentRecord.expires_on).order_by(ConsentRecord.id))
    return [list(map(tuple, stories)), list(map(tuple, consents))]
