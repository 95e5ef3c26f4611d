"""What a manager (or anyone following an action) may see of a theme and of a story.

Everything here goes through the theme board's viewer (themes.board.viewer_for), which asks
governance.policy: counts for every analysable story, words only from stories whose storyteller
agreed to managers reading them (`manager_view`) and to being quoted (`quote`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import abort

from extensions import db
from governance import policy
from config import STORYTELLER_GROUPS
from stories.models import STORYTELLER_ROLES, Story
from themes import board
from themes.models import Passage, Theme
from themes.services import final_theme, story_theme_mix

ROLE_WORDS = {role: group.lower() for role, group in STORYTELLER_GROUPS.items()}  # one vocabulary (config.py)


@dataclass
class Quote:
    text: str
    role_label: str
    clip_url: str | None
    story_id: int
    story_readable: bool
    theme_label: str = ""


@dataclass
class ThemeView:
    theme: Theme
    story_count: int
    role_rows: list = field(default_factory=list)  # [{role, label, stories, share}]
    quotes: list = field(default_factory=list)


@dataclass
class StorySummary:
    story: Story
    role_label: str
    told_on: object
    readable: bool
    themes: list = field(default_factory=list)  # [{theme_id, label, weight}]
    quotes: list = field(default_factory=list)


def _quote(passage: Passage, viewer) -> Quote | None:
    text = viewer.text(passage)
    if not text or not viewer.may_quote(passage.story_id):
        return None
    clip = policy.clip_url(passage.story, passage.start, passage.end) if passage.start is not None else None
    theme = final_theme(passage.theme) if passage.theme_id else None
    return Quote(text=text, role_label=STORYTELLER_ROLES.get(passage.story.storyteller_role, "someone"), clip_url=clip,
                 story_id=passage.story_id, story_readable=viewer.may_read(passage.story_id),
                 theme_label=theme.label if theme else "")


def _chosen_quotes(theme: Theme, viewer) -> list[Quote]:
    """The quotes people cut from any words under this theme, for stories this viewer may read."""
    from themes.quotes import quotes_for_theme

    readable = viewer.readable & viewer.quotable
    return [Quote(text=q["text"], role_label=q["role"], clip_url=q["clip_url"], story_id=q["story_id"],
                  story_readable=True, theme_label=theme.label) for q in quotes_for_theme(theme, readable=readable)]


def theme_view(user, theme_id: int) -> ThemeView:
    """A theme as a manager may see it: label, description, prevalence by storyteller role, permitted quotes."""
    theme = final_theme(db.session.get(Theme, theme_id))
    if theme is None or theme.is_outlier:
        abort(404)
    viewer = board.viewer_for(user)
    cards, extras = board.build_cards(theme.run, viewer, with_codes=False)
    card = next((c for c in cards if c.theme.id == theme.id), None)
    if card is None:
        abort(404)
    totals: dict = {}
    for sid in extras["story_ids"]:
        role = extras["roles"].get(sid, "other")
        totals[role] = totals.get(role, 0) + 1
    rows = [{"role": role, "label": ROLE_WORDS[role], "stories": card.role_counts.get(role, 0),
             "of": totals.get(role, 0), "share": card.role_counts.get(role, 0) / totals[role]}
            for role in board.ROLE_ORDER if totals.get(role)]
    quotes = [q for q in (_quote(p, viewer) for p in card.quotes) if q]
    chosen = _chosen_quotes(theme, viewer)
    quotes = chosen + [q for q in quotes if q.text not in {c.text for c in chosen}]
    return ThemeView(theme=theme, story_count=len(card.story_ids), role_rows=rows, quotes=quotes)


def story_summary(user, story_id: int) -> StorySummary:
    """A story as a manager may see it: role, date, themes; its title and quotes only with consent.

    A story that may no longer be used at all (withdrawn, held, erased) is a 404.
    """
    story = db.session.get(Story, story_id)
    viewer = board.viewer_for(user)
    if story is None or (story.id not in viewer.analysable and
                         db.session.scalar(policy.workshop_story_ids().where(Story.id == story_id)) is None):
        abort(404)
    mix = story_theme_mix(story.id)
    passages = db.session.scalars(
        db.select(Passage).where(Passage.story_id == story.id, Passage.withdrawn_at.is_(None),
                                 Passage.off_topic.is_(False), Passage.theme_id.is_not(None))
        .order_by(Passage.pinned.desc(), Passage.position)).all()
    run_ids = {m["run_id"] for m in mix}
    quotes = [q for q in (_quote(p, viewer) for p in passages if p.run_id in run_ids) if q][:5]
    return StorySummary(story=story, role_label=STORYTELLER_ROLES.get(story.storyteller_role, "Someone"),
                        told_on=story.recorded_on or story.created_at.date(), readable=viewer.may_read(story.id),
                        themes=mix, quotes=quotes)
