"""Workshops, their packs, and the design actions decided in them.

Evidence rows keep plain ids (no foreign keys to stories or passages): when a
story is erased its passages go, but the action keeps a row that now reads
"evidence withdrawn" instead of losing the trace that evidence was cited.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.labels import label_of
from core.timeutil import utcnow
from extensions import db

ACTION_STATUSES = {
    "proposed": "Proposed",
    "agreed": "Agreed",
    "in_progress": "In progress",
    "done": "Done",
    "dropped": "Dropped",
}
OPEN_STATUSES = ("proposed", "agreed", "in_progress")
DEFAULT_PROMPTS = (
    "What does this tell us about what matters to people?",
    "What would we do differently?",
)


class Workshop(db.Model):
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    date = mapped_column(Date, nullable=True)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    purpose: Mapped[str] = mapped_column(Text, nullable=False, default="")
    attendees = mapped_column(JSON, nullable=False, default=list)  # ["Sam (peer mentor)", "staff from Hope St"]
    theme_run_id = mapped_column(ForeignKey("theme_runs.id", ondelete="SET NULL"), nullable=True, index=True)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    themes: Mapped[list["WorkshopTheme"]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", order_by="WorkshopTheme.position")
    story_links: Mapped[list["WorkshopStory"]] = relationship(back_populates="workshop", cascade="all, delete-orphan")
    actions: Mapped[list["DesignAction"]] = relationship(back_populates="workshop", order_by="DesignAction.id")
    theme_run = relationship("ThemeRun")
    created_by = relationship("User")
    __mapper_args__ = {"version_id_col": version}

    @property
    def theme_ids(self) -> list[int]:
        return [t.theme_id for t in self.themes]

    @property
    def story_ids(self) -> list[int]:
        return sorted(link.story_id for link in self.story_links)

    def prompts_for(self, theme_id: int) -> list[str]:
        for link in self.themes:
            if link.theme_id == theme_id:
                return list(link.prompts or [])
        return []


class WorkshopPart:
    """Columns of a row that belongs to one workshop and is deleted with it (its themes, stories, packs)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id", ondelete="CASCADE"), nullable=False, index=True)


class WorkshopTheme(WorkshopPart, db.Model):
    """A theme chosen for a workshop, in the order it is shown, with its discussion prompts."""

    __tablename__ = "workshop_themes"
    __table_args__ = (UniqueConstraint("workshop_id", "theme_id"),)

    theme_id = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    prompts = mapped_column(JSON, nullable=False, default=list)

    workshop = relationship(Workshop, back_populates="themes")
    theme = relationship("Theme")


class WorkshopStory(WorkshopPart, db.Model):
    """A story chosen for a workshop (only stories with `workshop` consent may be)."""

    __tablename__ = "workshop_stories"
    __table_args__ = (UniqueConstraint("workshop_id", "story_id"),)

    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)

    workshop = relationship(Workshop, back_populates="story_links")


class WorkshopPack(WorkshopPart, db.Model):
    """One built pack zip. Served only while its fingerprint matches the workshop's content now."""

    __tablename__ = "workshop_packs"

    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    path: Mapped[str] = mapped_column(String(400), nullable=False)  # relative to DATA_DIR
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    bytes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    story_ids = mapped_column(JSON, nullable=False, default=list)
    clip_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    job_id = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True)
    built_at = mapped_column(DateTime, nullable=False, default=utcnow)
    retired_at = mapped_column(DateTime, nullable=True)  # no longer served; file deleted
    retired_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


def _cited(kind: str) -> property:
    """A read-only attribute of a design action: the ids of the evidence of one kind it cites."""
    return property(lambda action: action.evidence_ids(kind))


class DesignAction(db.Model):
    __tablename__ = "design_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id = mapped_column(ForeignKey("workshops.id", ondelete="SET NULL"), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")  # what will change for people on probation
    owner: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    due_date = mapped_column(Date, nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="proposed", index=True)
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    proposed_by: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    disagreement: Mapped[str] = mapped_column(Text, nullable=False, default="")  # dissent or minority view
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    workshop = relationship(Workshop, back_populates="actions")
    evidence: Mapped[list["ActionEvidence"]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionEvidence.id")
    updates: Mapped[list["ActionUpdate"]] = relationship(
        back_populates="action", cascade="all, delete-orphan", order_by="ActionUpdate.id")
    __mapper_args__ = {"version_id_col": version}

    status_label = label_of("status", ACTION_STATUSES)

    @property
    def is_overdue(self) -> bool:
        return self.due_date is not None and self.status in OPEN_STATUSES and self.due_date < date.today()

    def evidence_ids(self, kind: str) -> list[int]:
        return [e.ref_id for e in self.evidence if e.kind == kind]

    theme_ids = _cited("theme")
    story_ids = _cited("story")
    quote_ids = _cited("quote")  # passages
    chosen_quote_ids = _cited("chosen")  # quotes people chose from any words (themes.quote_models.Quote)


class ActionEvidence(db.Model):
    """A theme, story or quote (passage) an action rests on. `ref_id` is a plain id on purpose."""

    __tablename__ = "action_evidence"
    __table_args__ = (UniqueConstraint("action_id", "kind", "ref_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id = mapped_column(ForeignKey("design_actions.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # theme | story | quote (passage) | chosen (Quote)
    ref_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    story_id = mapped_column(Integer, nullable=True, index=True)  # for quotes: the quoted story, kept after erasure

    action = relationship(DesignAction, back_populates="evidence")


class ActionUpdate(db.Model):
    """One entry on an action's timeline: created, edited, status change or comment."""

    __tablename__ = "action_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id = mapped_column(ForeignKey("design_actions.id", ondelete="CASCADE"), nullable=False, index=True)
    at = mapped_column(DateTime, nullable=False, default=utcnow)
    author_id = mapped_column(ForeignKey("users.id"), nullable=True)
    author_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="comment")  # created|edited|status|comment
    from_status: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    to_status: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")

    action = relationship(DesignAction, back_populates="updates")
