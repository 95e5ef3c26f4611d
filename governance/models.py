"""Governance records kept beside each story: redactions, safeguarding flags and
decisions, and the site's settings (retention period, always-redact terms).

Redactions are stored against the story's current transcript text
(`Story.transcript_text`: the stripped, non-empty segment texts joined with
"\\n") as half-open character ranges [start_char, end_char). When the
transcript is edited, `services.scan_story` re-runs detection for proposed
redactions and re-anchors accepted and rejected ones by their words (the
nearest occurrence to their old place); a decided redaction whose words are
gone is dropped, and the drop is audited.
"""
from __future__ import annotations

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.labels import label_of
from core.sealed_columns import SealedText
from core.timeutil import utcnow
from extensions import db

REDACTION_FIELDS = {"transcript": "in the words", "title": "in the title", "notes": "in the notes"}
REDACTION_STATES = {
    "proposed": "Suggested",
    "accepted": "Hidden",
    "rejected": "Kept (not hidden)",
}
# Who is reviewing a story's safeguarding flags, and what they decided.
SAFEGUARDING_STATES = {
    "none": "Nothing flagged",
    "awaiting": "Waiting for the safeguarding lead",
    "no_action": "Checked: no action needed",
    "action_taken": "Checked: action taken",
    "restricted": "Restricted: kept out of analysis for good",
}
DECISIONS = ("no_action", "action_taken", "restricted")
SCAN_STATES = {
    "never": "Not checked yet",
    "pending": "Being checked",
    "done": "Checked",
    "failed": "The check could not finish",
    "person": "Waiting for a person to check names and places",
}


class StoryGovernance(db.Model):
    """One row per story: where its safeguarding review and automatic checks stand."""

    __tablename__ = "story_governance"

    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    scan_state: Mapped[str] = mapped_column(String(16), nullable=False, default="never", index=True)
    scanned_at = mapped_column(DateTime, nullable=True)
    scanned_revision = mapped_column(Integer, nullable=True)
    safeguarding_state: Mapped[str] = mapped_column(String(16), nullable=False, default="none", index=True)
    flagged_at = mapped_column(DateTime, nullable=True)
    decided_at = mapped_column(DateTime, nullable=True)
    decided_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    decision_note: Mapped[str] = mapped_column(SealedText, nullable=False, default="")
    # Retention: when the original audio and unredacted text were deleted.
    originals_deleted_at = mapped_column(DateTime, nullable=True)

    decided_by = relationship("User")

    safeguarding_label = label_of("safeguarding_state", SAFEGUARDING_STATES)
    scan_label = label_of("scan_state", SCAN_STATES)


class Redaction(db.Model):
    """One stretch of the transcript to hide (or, once rejected, to keep)."""

    __tablename__ = "redactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    start_char: Mapped[int] = mapped_column(Integer, nullable=False)
    end_char: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    # The words it covers: used to re-anchor after an edit. Deleted with the story
    # and at retention, like the transcript itself.
    text: Mapped[str] = mapped_column(SealedText, nullable=False, default="")
    source: Mapped[str] = mapped_column(String(40), nullable=False, default="detector")  # detector|always_redact|reviewer
    # Which text it is in: the transcript, or the story's title or notes (reviewed the same way).
    field: Mapped[str] = mapped_column(String(12), nullable=False, default="transcript", server_default="transcript")
    state: Mapped[str] = mapped_column(String(12), nullable=False, default="proposed", index=True)
    # The stretch of audio (seconds) where the words were when they were judged identifying
    # (governance/anchors.py). Rewording the transcript never un-mutes it; rejecting does.
    audio_start = mapped_column(Float, nullable=True)
    audio_end = mapped_column(Float, nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at = mapped_column(DateTime, nullable=True)
    decided_by_id = mapped_column(ForeignKey("users.id"), nullable=True)

    decided_by = relationship("User", foreign_keys=[decided_by_id])

    state_label = label_of("state", REDACTION_STATES)

    @property
    def applies(self) -> bool:
        """Proposed redactions apply until someone rejects them: the safe default."""
        return self.state in ("proposed", "accepted")


class SafeguardingFlag(db.Model):
    """A passage that may show a risk of harm, found by engines.safeguarding."""

    __tablename__ = "safeguarding_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    segment_position = mapped_column(Integer, nullable=True)
    category: Mapped[str] = mapped_column(String(20), nullable=False)
    score = mapped_column(Float, nullable=False, default=0.0)
    evidence: Mapped[str] = mapped_column(SealedText, nullable=False, default="")
    severity: Mapped[str] = mapped_column(String(10), nullable=False, default="medium")  # urgent|high|medium
    text_revision = mapped_column(Integer, nullable=True)  # story.revision of the text the check read
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)


class Notification(db.Model):
    """An in-app message to one person (urgent safeguarding flags); governance/alerts.py writes them."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    read_at = mapped_column(DateTime, nullable=True)
    emailed_at = mapped_column(DateTime, nullable=True)


class AlwaysRedactTerm(db.Model):
    """A word or phrase hidden in every story (staff names, local places)."""

    __tablename__ = "always_redact_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="name")
    added_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    added_at = mapped_column(DateTime, nullable=False, default=utcnow)


class GovernanceSetting(db.Model):
    """Site-wide governance settings by key (e.g. retention_months)."""

    __tablename__ = "governance_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value = mapped_column(JSON, nullable=True)
    updated_at = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
