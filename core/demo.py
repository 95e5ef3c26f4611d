"""`flask --app app demo`: a few people and the development corpus, so a newcomer sees a living site."""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from accounts.services import create_user, generate_password, get_user_by_email
from audit.services import record
from extensions import db
from stories.models import ConsentRecord, ConsentScope, Segment, Story, TranscriptVersion

CORPUS = Path(__file__).resolve().parents[1] / "demo" / "dev_stories.json"
DEMO_PEOPLE = [
    ("reporter@demo.storyloom.local", "Rita Reporter", ["reporter"]),
    ("facilitator@demo.storyloom.local", "Femi Facilitator", ["facilitator"]),
    ("manager@demo.storyloom.local", "Mo Manager", ["manager"]),
    ("safeguarding@demo.storyloom.local", "Sam Safeguarding", ["safeguarding_lead"]),
    ("admin@demo.storyloom.local", "Ada Admin", ["admin"]),
]
ALL_SCOPES = ("analysis", "workshop", "quote", "manager_view")


def load_demo(corpus_path: Path = CORPUS) -> dict:
    """Create the demo people (new passwords, returned) and stories; safe to run twice."""
    people = {}
    for email, name, roles in DEMO_PEOPLE:
        if get_user_by_email(email) is None:
            password = generate_password()
            create_user(email, roles, name=name, password=password)
            people[email] = password
    reporter = get_user_by_email(DEMO_PEOPLE[0][0])
    corpus = json.loads(corpus_path.read_text())
    existing = set(db.session.scalars(select(Story.title).where(Story.reporter_id == reporter.id)))
    created = 0
    for index, item in enumerate(corpus["stories"]):
        title = f"{item['id']}: " + " ".join(item["text"].split()[:6]) + "…"
        if title in existing:
            continue
        story = Story(title=title, reporter_id=reporter.id, storyteller_role=item["role"], status="ready",
                      source_kind="text", recorded_on=date.today() - timedelta(days=60 - index))
        consent = ConsentRecord(method="written", recorded_by_id=reporter.id, notes="demo data")
        consent.scope_rows = [ConsentScope(scope=s) for s in ALL_SCOPES]
        story.consents.append(consent)
        story.segments.append(Segment(position=0, text=item["text"], speaker="Storyteller"))
        db.session.add(story)
        db.session.flush()
        db.session.add(TranscriptVersion(story_id=story.id, number=1, kind="import",
                                         segments=[{"start": None, "end": None, "text": item["text"], "speaker": "Storyteller"}]))
        record("story.created", story, summary=f"demo: {title}", actor=reporter)
        created += 1
    db.session.commit()
    return {"people": people, "stories_created": created}
