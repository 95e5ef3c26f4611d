"""Evidence as people may see it: what an action rests on, and what came of a story.

Managers read a story's text only with `manager_view`; quotes need `quote` consent;
anything withdrawn or erased becomes a placeholder that says so.
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from themes.read import ids_of, prevalence, quote_text
from workshops.clips import clip_src
from workshops.models import ActionEvidence, DesignAction, Workshop, WorkshopStory
from workshops.planning import workshop_consented_ids


def manager_readable_ids() -> set[int]:
    from governance.policy import manager_readable_story_ids

    return ids_of(manager_readable_story_ids())


WITHDRAWN = "Evidence withdrawn: the storyteller withdrew consent or the story was removed."


def action_evidence(action: DesignAction, viewer) -> dict:
    """Themes (with prevalence), stories and quotes the action rests on, within consent and redaction.

    Managers read a story's text only with `manager_view`; quotes need `quote` consent;
    anything withdrawn or erased becomes a placeholder that says so.
    """
    from stories.models import Story
    from themes.models import Passage, Theme

    workshop_ok = workshop_consented_ids()
    from governance.policy import quotable_story_ids, redacted_title

    quotable = set(db.session.scalars(quotable_story_ids(viewer)))  # managers: only with `manager_view`
    staff = viewer is not None and viewer.has_role("facilitator", "admin")
    readable = manager_readable_ids()
    themes, stories, quotes = [], [], []
    for row in action.evidence:
        if row.kind == "theme":
            theme = db.session.get(Theme, row.ref_id)
            if theme is None:
                themes.append({"id": row.ref_id, "withdrawn": True, "label": "A theme that was removed"})
            else:
                themes.append({"id": theme.id, "withdrawn": False, "label": theme.label,
                               "description": theme.description, "prevalence": prevalence(theme)})
        elif row.kind == "story":
            story = db.session.get(Story, row.ref_id)
            if story is None or story.id not in workshop_ok:
                stories.append({"id": row.ref_id, "withdrawn": True, "text": WITHDRAWN})
            else:
                may_read = staff or story.id in readable
                stories.append({"id": story.id, "withdrawn": False, "title": redacted_title(story) if may_read else None,
                                "role": story.role_label, "may_read": may_read})
        elif row.kind == "quote":
            passage = db.session.get(Passage, row.ref_id)
            text = None
            if passage is not None and passage.story_id in quotable and getattr(passage, "withdrawn_at", None) is None:
                text = quote_text(passage)
            if not text:
                quotes.append({"id": row.ref_id, "withdrawn": True, "text": WITHDRAWN})
            else:
                quotes.append({"id": passage.id, "withdrawn": False, "text": text, "clip": clip_src(passage),
                               "role": passage.story.role_label,
                               "theme": passage.theme.label if passage.theme else ""})
    return {"themes": themes, "stories": stories, "quotes": quotes}


def story_outcomes(story_id: int) -> dict:
    """What came of a story: the workshops it was discussed in and the actions that cite it."""
    workshops = db.session.scalars(
        select(Workshop).join(WorkshopStory).where(WorkshopStory.story_id == story_id)
        .order_by(Workshop.date.desc(), Workshop.id.desc())).all()
    actions = db.session.scalars(
        select(DesignAction).join(ActionEvidence)
        .where(ActionEvidence.kind.in_(("story", "quote")), ActionEvidence.story_id == story_id)
        .distinct().order_by(DesignAction.id)).all()
    return {"workshops": workshops, "actions": actions}
