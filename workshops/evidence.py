"""Evidence as people may see it: what an action rests on, and what came of a story.

Managers read a story's text only with `manager_view`; quotes need `quote` consent;
anything withdrawn or erased becomes a placeholder that says so.
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from themes.read import chosen_quote, chosen_quotes, ids_of, key_quotes, prevalence, quotable_ids, quote_text
from workshops import planning
from workshops.clips import clip_url
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
            if passage is not None and passage.story_id in quotable and passage.withdrawn_at is None:
                text = quote_text(passage)
            if not text:
                quotes.append({"id": row.ref_id, "withdrawn": True, "text": WITHDRAWN})
            else:
                quotes.append({"id": passage.id, "withdrawn": False, "text": text, "clip": clip_url(passage),
                               "role": passage.story.role_label, "chosen": False,
                               "theme": passage.theme.label if passage.theme else ""})
        elif row.kind == "chosen":
            quotes.append(_chosen_evidence(row.ref_id, quotable))
    return {"themes": themes, "stories": stories, "quotes": quotes}


def _chosen_evidence(quote_id: int, quotable: set[int]) -> dict:
    """A cited quote people chose, as the viewer may see it (their quotable stories), else a placeholder."""
    found = chosen_quote(quote_id, quotable)
    if found is None:
        return {"id": quote_id, "withdrawn": True, "text": WITHDRAWN, "chosen": True}
    quote, shown = found
    return {"id": quote.id, "withdrawn": False, "text": shown["text"], "clip": shown["clip_url"], "chosen": True,
            "role": quote.story.role_label, "theme": _theme_label(quote.theme_id)}


def _theme_label(theme_id) -> str:
    from themes.models import Theme

    theme = db.session.get(Theme, theme_id) if theme_id else None
    return theme.label if theme is not None else ""


def chosen_choices(workshop, action: DesignAction | None = None) -> list[tuple]:
    """Quotes people chose that an action may cite: those placed on the workshop's themes (its stories only),
    plus those the action already cites if still showable; as (quote, theme label, text)."""
    out, seen = [], set()
    if workshop is not None:
        allowed = {s.id for s in planning.workshop_stories(workshop)}
        for theme in planning.workshop_themes(workshop):
            for quote, text in chosen_quotes(theme, allowed):
                if quote.id not in seen:
                    seen.add(quote.id)
                    out.append((quote, theme.label, text))
    for qid in action.chosen_quote_ids if action is not None else []:
        found = chosen_quote(qid) if qid not in seen else None
        if found is not None:
            out.append((found[0], _theme_label(found[0].theme_id), found[1]["text"]))
    return out


def story_outcomes(story_id: int) -> dict:
    """What came of a story: the workshops it was discussed in and the actions that cite it."""
    workshops = db.session.scalars(
        select(Workshop).join(WorkshopStory).where(WorkshopStory.story_id == story_id)
        .order_by(Workshop.date.desc(), Workshop.id.desc())).all()
    actions = db.session.scalars(
        select(DesignAction).join(ActionEvidence)
        .where(ActionEvidence.kind.in_(("story", "quote", "chosen")), ActionEvidence.story_id == story_id)
        .distinct().order_by(DesignAction.id)).all()
    return {"workshops": workshops, "actions": actions}


def _workshop_choices(workshop) -> tuple[list, list, list]:
    themes = planning.workshop_themes(workshop)
    stories = planning.workshop_stories(workshop)
    allowed = {s.id for s in stories}
    quotes = [(passage, theme, text) for theme in themes for passage in key_quotes(theme, allowed)
              if (text := quote_text(passage))]
    return themes, stories, quotes


def action_choices(workshop, action: DesignAction | None = None) -> tuple[list, list, list]:
    """What an action may cite: the workshop's themes, stories (workshop consent) and key quotes
    (quote consent, as (passage, theme, text)), plus what the action already cites if still available."""
    from stories.models import Story
    from themes.models import Passage, Theme

    themes, stories, quotes = _workshop_choices(workshop) if workshop is not None else ([], [], [])
    if action is None:
        return themes, stories, quotes
    have_t, have_s, have_q = {t.id for t in themes}, {s.id for s in stories}, {p.id for p, _, _ in quotes}
    themes += [t for t in (db.session.get(Theme, tid) for tid in action.theme_ids if tid not in have_t) if t is not None]
    consented = workshop_consented_ids()
    stories += [s for s in (db.session.get(Story, sid) for sid in action.story_ids
                            if sid in consented and sid not in have_s) if s is not None]
    quotable = quotable_ids()
    for qid in action.quote_ids:
        passage = db.session.get(Passage, qid)
        if passage is not None and passage.story_id in quotable and qid not in have_q:
            text = quote_text(passage)
            if text:
                quotes.append((passage, passage.theme, text))
    return themes, stories, quotes
