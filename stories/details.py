"""Changing a saved story's details, and recording changed consent as a new record (the old one is kept)."""
from __future__ import annotations

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from stories.models import Story
from stories.services import StoryError, _add_consent, _check_details

EDITABLE = ("title", "storyteller_role", "storyteller_name", "recorded_on", "language", "notes")


def update_details(story: Story, details: dict, actor) -> list[str]:
    """Change title, storyteller role, name, recorded date, language and notes; returns what changed (audited)."""
    _check_details(details)
    cleaned = {"title": details["title"].strip()[:200], "storyteller_role": details["storyteller_role"],
               "storyteller_name": (details.get("storyteller_name") or "").strip()[:120],
               "recorded_on": details.get("recorded_on"), "language": (details.get("language") or "en")[:16],
               "notes": details.get("notes") or ""}
    changed = [k for k in EDITABLE if getattr(story, k) != cleaned[k]]
    if not changed:
        return []
    before = {k: _plain(getattr(story, k)) for k in changed if k != "storyteller_name"}
    for key in changed:
        setattr(story, key, cleaned[key])
    after = {k: _plain(cleaned[k]) for k in changed if k != "storyteller_name"}
    # The storyteller's name never goes into the audit log, only the fact that it changed.
    record("story.details_changed", story, actor=actor, summary="changed: " + ", ".join(changed),
           before=before, after=after)
    db.session.commit()
    return changed


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def change_consent(story: Story, consent: dict, actor):
    """A new consent record replaces the current one, which is kept (superseded), never edited.

    Saying no to everything is a withdrawal, with its own page and its clean-up of
    packs and clips, so it is refused here.
    """
    current = story.current_consent
    if current is not None and current.withdrawn_at is not None:
        raise StoryError("Consent for this story was withdrawn. Ask an admin if the storyteller wants to give it again.")
    if not (consent.get("scopes") or []):
        raise StoryError("Tick at least one thing the storyteller said yes to. "
                         "If they now say no to everything, withdraw consent instead.")
    before = current.scopes if current else []
    new = _add_consent(story, consent, actor)
    if current is not None:
        current.superseded_at = utcnow()
    db.session.flush()
    record("consent.changed", story, actor=actor, summary=f"new consent record {new.id}",
           before={"scopes": before}, after={"scopes": new.scopes, "method": new.method})
    db.session.commit()
    return new
