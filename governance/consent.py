"""Consent withdrawal: the story leaves every use at once."""
from __future__ import annotations

import importlib

from flask import current_app

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from governance.clips import purge_clips
from governance.errors import GovernanceError
from stories.models import ConsentRecord, Story


# What other domains must do when a story leaves every use ("withdrawn": consent withdrawn or the
# safeguarding lead restricted it) or is about to be erased / has been erased. Each entry is
# "module:function", imported only when the hook runs (governance imports no domain at load time).
STORY_HOOKS = {
    "withdrawn": ("themes.services:withdraw_story", "workshops.services:on_story_withdrawn"),
    "erasing": ("themes.services:withdraw_story", "workshops.services:on_story_erasing"),
    "erased": (),
}


def notify(event: str, story_id: int) -> None:
    """Run the STORY_HOOKS of `event` for one story.

    The change itself is already committed and every domain also filters through
    governance.policy at query time, so one failing hook is logged and the others still run.
    """
    for target in STORY_HOOKS.get(event, ()):
        module_name, _, function_name = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (module_name, module_name.split(".")[0]):
                continue  # that domain is not installed
            raise
        function = getattr(module, function_name, None)
        if function is None:
            continue
        try:
            function(story_id)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("story hook %s failed for story %s", target, story_id)


def withdraw_consent(story: Story, actor=None, *, requested_by: str = "", reason: str = "") -> ConsentRecord:
    """Withdraw consent now: the story leaves analysis, workshops, quotes and managers' views at once."""
    consent = story.current_consent
    if consent is None or consent.withdrawn_at is not None:
        raise GovernanceError("Consent for this story is already withdrawn.")
    requested_by = (requested_by or "").strip() or "the storyteller"
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = getattr(actor, "id", None)
    consent.withdrawal_requested_by = requested_by[:200]
    consent.withdrawal_reason = (reason or "").strip()
    record("consent.withdrawn", story, actor=actor, summary=f"Consent withdrawn (asked by {requested_by[:80]})",
           before={"scopes": consent.scopes}, after={"scopes": [], "requested_by": requested_by[:200]})
    db.session.commit()
    purge_clips(story.id)
    notify("withdrawn", story.id)
    return consent
