"""Stories, their media, consent and transcript."""
from __future__ import annotations

from datetime import date

from sqlalchemy import (JSON, BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint, select)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from config import STORYTELLER_LABELS
from core.labels import label_of
from core.sealed_columns import SealedJSON, SealedText
from core.timeutil import utcnow
from extensions import db

STORYTELLER_ROLES = STORYTELLER_LABELS  # one vocabulary (config.py): forms, story pages, boards
STORY_STATUSES = {
    "uploaded": "Uploaded",
    "queued": "Waiting to be typed up",
    "transcribing": "Being typed up",
    "needs_review": "Needs checking",
    "ready": "Checked and ready",
    "failed": "Could not be typed up",
}
CONSENT_SCOPES = {
    "analysis": "We can use the story to look for themes",
    "workshop": "We can share it in workshops with staff and reporters",
    "quote": "We can quote their words and play short clips",
    "manager_view": "Managers can read it",
    "public": "We can share it in public reports",
}
CONSENT_METHODS = {
    "signed_form": "They signed a consent form",
    "verbal": "They said yes on the recording",
    "written": "They wrote it down (for a typed story)",
}


class MediaFile(db.Model):
    """An uploaded file, stored once by content hash under the data folder."""

    __tablename__ = "media_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    storage_path: Mapped[str] = mapped_column(String(400), nullable=False)  # relative to DATA_DIR
    original_filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    content_type: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    bytes: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    duration_s = mapped_column(Float, nullable=True)
    codec: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    container: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    encrypted: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)


class Story(db.Model):
    __tablename__ = "stories"
    # Ids are never reused (SQLite AUTOINCREMENT): an erased story's id must never name another one.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(SealedText, nullable=False)
    reporter_id = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    storyteller_role: Mapped[str] = mapped_column(String(20), nullable=False, default="service_user")
    # Kept apart from the transcript and shown only on the story's own page.
    storyteller_name: Mapped[str] = mapped_column(SealedText, nullable=False, default="")
    recorded_on = mapped_column(Date, nullable=True)
    language: Mapped[str] = mapped_column(String(16), nullable=False, default="en")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="uploaded", index=True)
    status_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    source_kind: Mapped[str] = mapped_column(String(16), nullable=False, default="audio")  # audio|recording|text
    media_id = mapped_column(ForeignKey("media_files.id"), nullable=True)
    # The name of the file the story came from, as the reporter's computer called it (display only).
    source_filename: Mapped[str] = mapped_column(SealedText, nullable=False, default="")
    duration_s = mapped_column(Float, nullable=True)
    notes: Mapped[str] = mapped_column(SealedText, nullable=False, default="")
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    reviewed_at = mapped_column(DateTime, nullable=True)
    reviewed_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    # Bumped on every transcript save: two editors cannot overwrite each other silently.
    revision: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Whisper's translate task for a story not told in English: [{start, end, text}] (themes, workshops
    # and packs read this; the story page shows it beside the original). None for English stories.
    english_segments = mapped_column(SealedJSON, nullable=True)
    # The story's own key (core/shred.py), in the media store; erasure deletes it.
    key_id = mapped_column(String(32), nullable=True)

    reporter = relationship("User", foreign_keys=[reporter_id])
    media = relationship(MediaFile)
    consents: Mapped[list["ConsentRecord"]] = relationship(
        back_populates="story", cascade="all, delete-orphan", order_by="ConsentRecord.id"
    )
    segments: Mapped[list["Segment"]] = relationship(
        back_populates="story", cascade="all, delete-orphan", order_by="Segment.position"
    )

    role_label = label_of("storyteller_role", STORYTELLER_ROLES)
    status_label = label_of("status", STORY_STATUSES)

    @property
    def current_consent(self) -> "ConsentRecord | None":
        live = [c for c in self.consents if c.superseded_at is None]
        return live[-1] if live else None

    def consent_scopes(self, today: date | None = None) -> list[str]:
        """Scopes in force now: none if consent was withdrawn or has expired."""
        consent = self.current_consent
        return consent.scopes_in_force(today) if consent else []

    def has_consent(self, scope: str) -> bool:
        return scope in self.consent_scopes()

    @property
    def transcript_text(self) -> str:
        return "\n".join(s.text.strip() for s in self.segments if s.text.strip())

    @property
    def transcript_english(self) -> str | None:
        """The English version of a story told in another language (None for English stories)."""
        if not self.english_segments:
            return None
        return "\n".join(s["text"].strip() for s in self.english_segments if s.get("text", "").strip())


class ConsentRecord(db.Model):
    """What the storyteller agreed to, how, and whether it was later withdrawn.

    A change of consent adds a new record and marks the old one superseded, so
    the history stays readable.
    """

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    method: Mapped[str] = mapped_column(String(20), nullable=False, default="signed_form")
    recorded_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    recorded_at = mapped_column(DateTime, nullable=False, default=utcnow)
    verbal_clip_start = mapped_column(Float, nullable=True)
    verbal_clip_end = mapped_column(Float, nullable=True)
    form_media_id = mapped_column(ForeignKey("media_files.id"), nullable=True)
    expires_on = mapped_column(Date, nullable=True)
    notes: Mapped[str] = mapped_column(SealedText, nullable=False, default="")
    superseded_at = mapped_column(DateTime, nullable=True)
    withdrawn_at = mapped_column(DateTime, nullable=True, index=True)
    withdrawn_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    withdrawal_requested_by: Mapped[str] = mapped_column(SealedText, nullable=False, default="")
    withdrawal_reason: Mapped[str] = mapped_column(SealedText, nullable=False, default="")

    story = relationship(Story, back_populates="consents")
    scope_rows: Mapped[list["ConsentScope"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    form_media = relationship(MediaFile)

    @property
    def scopes(self) -> list[str]:
        return sorted(s.scope for s in self.scope_rows)

    def scopes_in_force(self, today: date | None = None) -> list[str]:
        today = today or date.today()
        if self.withdrawn_at is not None or self.superseded_at is not None:
            return []
        if self.expires_on is not None and self.expires_on < today:
            return []
        return self.scopes


class ConsentScope(db.Model):
    __tablename__ = "consent_scopes"
    __table_args__ = (UniqueConstraint("consent_id", "scope"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consent_id = mapped_column(ForeignKey("consent_records.id", ondelete="CASCADE"), nullable=False, index=True)
    scope: Mapped[str] = mapped_column(String(20), nullable=False, index=True)


def stories_with_scope(scope: str, today: date | None = None):
    """A select() of story ids whose consent in force includes `scope`.

    Every query that feeds analysis, workshops, quotes or managers' views
    filters through this, so consent is enforced in the database query and
    not only in templates.
    """
    today = today or date.today()
    return (
        select(ConsentRecord.story_id)
        .join(ConsentScope, ConsentScope.consent_id == ConsentRecord.id)
        .where(
            ConsentScope.scope == scope,
            ConsentRecord.superseded_at.is_(None),
            ConsentRecord.withdrawn_at.is_(None),
            (ConsentRecord.expires_on.is_(None)) | (ConsentRecord.expires_on >= today),
        )
    )


class Segment(db.Model):
    """One stretch of the current transcript, with its word timings."""

    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    start = mapped_column(Float, nullable=True)  # None for typed stories
    end = mapped_column(Float, nullable=True)
    text: Mapped[str] = mapped_column(SealedText, nullable=False, default="")
    speaker: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    avg_logprob = mapped_column(Float, nullable=True)
    no_speech_prob = mapped_column(Float, nullable=True)
    flags = mapped_column(JSON, nullable=False, default=list)
    words = mapped_column(SealedJSON, nullable=False, default=list)  # [{start, end, text, probability, low_confidence}]

    story = relationship(Story, back_populates="segments")

    def to_dict(self) -> dict:
        return {"id": self.id, "position": self.position, "start": self.start, "end": self.end,
                "text": self.text, "speaker": self.speaker, "flags": self.flags or [], "words": self.words or []}


class TranscriptVersion(db.Model):
    """A saved state of the transcript: the machine's, each edit, each restore."""

    __tablename__ = "transcript_versions"
    __table_args__ = (UniqueConstraint("story_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # machine|edit|restore|import
    segments = mapped_column(SealedJSON, nullable=False)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    note: Mapped[str] = mapped_column(SealedText, nullable=False, default="")

    created_by = relationship("User")


class UploadSession(db.Model):
    """A resumable upload in progress: bytes arrive in chunks into DATA_DIR/uploads/<id>.part."""

    __tablename__ = "upload_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    user_id = mapped_column(ForeignKey("users.id"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    content_type: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    received: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def to_dict(self) -> dict:
        return {"id": self.id, "filename": self.filename, "received": self.received}


class GlossaryTerm(db.Model):
    """A word the site's stories use that the speech model should expect: a place, service, acronym or slang."""

    __tablename__ = "glossary_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    term: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)


class VoiceEnrolment(db.Model):
    """A reporter's consented voice sample, kept only as a sealed voice embedding (stories/voice.py).

    While the worker learns the voice the sample sits sealed in the media store (`sample_key`);
    once learned it is deleted and only `embedding` (AES-256-GCM under the media key) remains.
    """

    __tablename__ = "voice_enrolments"

    user_id = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")  # pending|ready|failed
    sample_key: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    embedding = mapped_column(LargeBinary, nullable=True)
    error: Mapped[str] = mapped_column(Text, nullable=False, default="")
    consented_at = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
