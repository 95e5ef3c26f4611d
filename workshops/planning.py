"""Planning a workshop: the themes and stories it draws on (only `workshop` consent), and present mode."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from audit.services import record
from config import STORYTELLER_TOLD_BY
from extensions import db
from themes.read import chosen_quotes, ids_of, key_quotes, prevalence, quote_speaker, quote_text
from workshops.clips import clip_version, has_clip
from workshops.errors import EditConflict, WorkshopError
from workshops.models import DEFAULT_PROMPTS, Workshop, WorkshopStory, WorkshopTheme


def list_workshops() -> list[Workshop]:
    """All workshops, newest first."""
    return db.session.scalars(select(Workshop).order_by(Workshop.date.desc(), Workshop.id.desc())).all()


def workshop_consented_ids() -> set[int]:
    from governance.policy import workshop_story_ids

    return ids_of(workshop_story_ids())


def eligible_stories(run) -> list:
    """Stories of the run that may be chosen for a workshop (`workshop` consent in force)."""
    from stories.models import Story
    from themes.models import Passage

    in_run = set(run.story_ids or []) | ids_of(select(Passage.story_id).where(Passage.run_id == run.id))
    ids = in_run & workshop_consented_ids()
    if not ids:
        return []
    stories = db.session.scalars(select(Story).where(Story.id.in_(ids))).all()
    return sorted(stories, key=lambda s: (s.title, s.id))  # titles are sealed: sorted here, not in SQL


def workshop_stories(workshop) -> list:
    """The workshop's chosen stories that still have workshop consent (withdrawn ones drop out)."""
    from stories.models import Story

    ids = set(workshop.story_ids) & workshop_consented_ids()
    if not ids:
        return []
    return db.session.scalars(select(Story).where(Story.id.in_(ids)).order_by(Story.id)).all()


def workshop_themes(workshop) -> list:
    return [link.theme for link in workshop.themes if link.theme is not None and link.theme.merged_into_id is None]


def _clean_prompts(prompts) -> list[str]:
    if isinstance(prompts, str):
        prompts = prompts.splitlines()
    return [" ".join(str(p).split()) for p in prompts or [] if str(p).strip()][:8]


def _check_workshop_input(data: dict) -> tuple:
    from themes.models import Theme, ThemeRun

    title = " ".join((data.get("title") or "").split())
    if not title:
        raise WorkshopError("Give the workshop a title.")
    run = db.session.get(ThemeRun, data.get("theme_run_id")) if data.get("theme_run_id") else None
    if run is None:
        raise WorkshopError("Choose the theme run the workshop draws on.")
    theme_ids = [int(t) for t in data.get("theme_ids") or []]
    themes = [db.session.get(Theme, t) for t in theme_ids]
    if not theme_ids:
        raise WorkshopError("Choose at least one theme to talk about.")
    if any(t is None or t.run_id != run.id for t in themes):
        raise WorkshopError("Every theme must come from the chosen theme run.")
    eligible = {s.id for s in eligible_stories(run)}
    if not eligible:
        raise WorkshopError("No story in this theme run may be shared in a workshop yet: none has "
                            "workshop consent. Check consent with the reporters first.")
    story_ids = sorted({int(s) for s in data.get("story_ids") or []})
    refused = [s for s in story_ids if s not in eligible]
    if refused:
        raise WorkshopError("Only stories whose storytellers agreed to workshops can be chosen "
                            f"(not story {', '.join(map(str, refused))}).")
    if not story_ids:
        raise WorkshopError("Choose at least one story whose storyteller agreed to workshops.")
    prompts = data.get("prompts") or {}
    return title, run, themes, story_ids, prompts


def _apply_workshop(workshop: Workshop, data: dict, title, run, themes, story_ids, prompts) -> None:
    workshop.title = title
    workshop.date = data.get("date") or None
    workshop.place = (data.get("place") or "").strip()[:200]
    workshop.purpose = (data.get("purpose") or "").strip()
    attendees = data.get("attendees") or []
    if isinstance(attendees, str):
        attendees = attendees.splitlines()
    workshop.attendees = [" ".join(a.split()) for a in attendees if a.strip()]
    workshop.theme_run_id = run.id
    old = {link.theme_id: link for link in workshop.themes}
    links = []
    for position, theme in enumerate(themes):
        link = old.pop(theme.id, None) or WorkshopTheme(theme_id=theme.id)
        link.position = position
        given = prompts.get(theme.id, prompts.get(str(theme.id))) if isinstance(prompts, dict) else None
        link.prompts = _clean_prompts(given) if given is not None else (list(link.prompts or []) or list(DEFAULT_PROMPTS))
        links.append(link)
    workshop.themes = links
    current = {link.story_id: link for link in workshop.story_links}
    workshop.story_links = [current.get(sid) or WorkshopStory(story_id=sid) for sid in story_ids]


def create_workshop(data: dict, *, actor=None) -> Workshop:
    checked = _check_workshop_input(data)
    workshop = Workshop(created_by_id=getattr(actor, "id", None))
    _apply_workshop(workshop, data, *checked)
    db.session.add(workshop)
    record("workshop.created", workshop, actor=actor,
           summary=f"{workshop.title}: {len(workshop.themes)} themes, {len(workshop.story_links)} stories",
           after={"theme_ids": workshop.theme_ids, "story_ids": checked[3]})
    db.session.commit()
    return workshop


def update_workshop(workshop: Workshop, data: dict, *, expected_version: int | None = None, actor=None) -> Workshop:
    if expected_version is not None and int(expected_version) != workshop.version:
        raise EditConflict("Someone else changed this workshop while you were editing it. Check it and save again.")
    before = {"theme_ids": workshop.theme_ids, "story_ids": workshop.story_ids}
    checked = _check_workshop_input(data)
    _apply_workshop(workshop, data, *checked)
    record("workshop.updated", workshop, actor=actor, summary=workshop.title, before=before,
           after={"theme_ids": workshop.theme_ids, "story_ids": checked[3]})
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict("Someone else changed this workshop at the same time. Check it and save again.") from None
    return workshop


def _presented(source, text: str, kind: str) -> dict:
    """One quote on a present-mode screen: a key passage (`kind` "passage") or a quote people chose ("quote")."""
    audible = has_clip(source)
    return {"source": source, "text": text, "clip_kind": kind if audible else None, "clip_id": source.id if audible else None,
            "clip_version": clip_version(source) if audible else None, "role": source.story.role_label,
            "speaker": quote_speaker(source),
            "told_by": STORYTELLER_TOLD_BY.get(source.story.storyteller_role, STORYTELLER_TOLD_BY["other"])}


def slides(workshop) -> list[dict]:
    """One screen per theme for present mode: label, prevalence, prompts, its key passages and the quotes people
    chose and placed on it (as in the pack), each with its own clip if it has one (within consent)."""
    allowed = {s.id for s in workshop_stories(workshop)}
    screens = []
    for number, theme in enumerate(workshop_themes(workshop), start=1):
        quotes = []
        for passage in key_quotes(theme, allowed):
            text = quote_text(passage)
            if text:
                quotes.append(_presented(passage, text, "passage"))
        quotes += [_presented(quote, text, "quote") for quote, text in chosen_quotes(theme, allowed)]
        screens.append({"number": number, "theme": theme, "prevalence": prevalence(theme),
                        "prompts": workshop.prompts_for(theme.id), "quotes": quotes})
    return screens
