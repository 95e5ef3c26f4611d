"""Test data: users per role, stories with consent."""
from __future__ import annotations

import itertools

from accounts.services import create_user
from extensions import db
from stories.models import ConsentRecord, ConsentScope, Segment, Story

PASSWORD = "a-long-test-password-7"
_counter = itertools.count(1)


def make_user(*roles: str, email: str | None = None, name: str = "", password: str = PASSWORD):
    email = email or f"{roles[0] if roles else 'user'}{next(_counter)}@example.org"
    return create_user(email, list(roles) or ["reporter"], name=name or email.split("@")[0].title(), password=password)


def make_story(reporter, *, title="A story", role="service_user", scopes=("analysis", "workshop", "quote", "manager_view"),
               text="I waited three weeks for my first appointment.", status="ready", **fields):
    story = Story(title=title, reporter_id=reporter.id, storyteller_role=role, status=status, source_kind="text", **fields)
    if scopes is not None:
        consent = ConsentRecord(method="written", recorded_by_id=reporter.id)
        consent.scope_rows = [ConsentScope(scope=s) for s in scopes]
        story.consents.append(consent)
    if text:
        story.segments.append(Segment(position=0, text=text))
    db.session.add(story)
    db.session.commit()
    return story
