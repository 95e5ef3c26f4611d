"""Theme runs, the passages they cut stories into, and the themes people shape.

A run records its inputs (stories, settings, seeds, model) so it can be
reviewed later; earlier runs stay viewable. A passage's `theme_id` is where
people have put it now; `machine_theme_id` is where the machine proposed it,
so the board can show both.
"""
from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.sealed_columns import SealedText
from core.timeutil import utcnow
from extensions import db


class ThemeRun(db.Model):
    __tablename__ = "theme_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")  # queued|running|done|failed
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)
    finished_at = mapped_column(DateTime, nullable=True)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    story_ids = mapped_column(JSON, nullable=False, default=list)
    seeds = mapped_column(JSON, nullable=False, default=list)  # [{name, description}]
    settings = mapped_column(JSON, nullable=False, default=dict)
    model: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    message: Mapped[str] = mapped_column(Text, nullable=False, default="")
    previous_run_id = mapped_column(ForeignKey("theme_runs.id"), nullable=True)
    carried: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # human decisions carried in

    created_by = relationship("User", foreign_keys=[created_by_id])

    themes: Mapped[list["Theme"]] = relationship(back_populates="run", order_by="Theme.position", cascade="all, delete-orphan")
    passages: Mapped[list["Passage"]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                                     foreign_keys="Passage.run_id")


class Theme(db.Model):
    __tablename__ = "themes"
    # Ids are never reused (SQLite AUTOINCREMENT): actions cite themes and passages by id.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id = mapped_column(ForeignKey("theme_runs.id", ondelete="CASCADE"), nullable=False, index=True)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    machine_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    keywords = mapped_column(JSON, nullable=False, default=list)
    origin: Mapped[str] = mapped_column(String(16), nullable=False, default="machine")  # machine|seed|human
    seed_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    merged_into_id = mapped_column(ForeignKey("themes.id"), nullable=True)  # hidden once merged
    is_outlier: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    renamed_by_people: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # optimistic locking
    updated_at = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # The theme of the previous run whose people's decisions this one carries (renames, merges).
    carried_from_id = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), nullable=True)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)

    run = relationship(ThemeRun, back_populates="themes")
    __mapper_args__ = {"version_id_col": version}


class Passage(db.Model):
    """A few sentences of one story, with times so it can be played."""

    __tablename__ = "passages"
    # Ids are never reused (SQLite AUTOINCREMENT): actions cite themes and passages by id.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id = mapped_column(ForeignKey("theme_runs.id", ondelete="CASCADE"), nullable=False, index=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    start = mapped_column(Float, nullable=True)
    end = mapped_column(Float, nullable=True)
    text: Mapped[str] = mapped_column(SealedText, nullable=False)
    text_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    theme_id = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), nullable=True, index=True)
    machine_theme_id = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), nullable=True)
    moved_by_people: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # a key quote
    off_topic: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    representativeness = mapped_column(Float, nullable=True)
    # Set when the story's consent is withdrawn; boards also filter by consent at query time.
    withdrawn_at = mapped_column(DateTime, nullable=True)

    run = relationship(ThemeRun, back_populates="passages", foreign_keys=[run_id])
    theme = relationship(Theme, foreign_keys=[theme_id])
    story = relationship("Story")


class EmbeddingCache(db.Model):
    """Embeddings by (model, text hash): a rebuild embeds only new text."""

    __tablename__ = "embedding_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # engines.embeddings.text_key
    model: Mapped[str] = mapped_column(String(200), nullable=False)
    vector = mapped_column(db.LargeBinary, nullable=False)  # float32 bytes
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)


class ThemeNote(db.Model):
    """A note someone added to a theme (optionally about one passage)."""

    __tablename__ = "theme_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    theme_id = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"), nullable=False, index=True)
    passage_id = mapped_column(ForeignKey("passages.id", ondelete="SET NULL"), nullable=True)
    author_id = mapped_column(ForeignKey("users.id"), nullable=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)

    author = relationship("User")


class ThemeDecision(db.Model):
    """What people decided on a run's board, shown beside what the machine proposed.

    The audit log holds the same facts for governance; this table is the
    board's own readable history (and survives into the next run's page).
    """

    __tablename__ = "theme_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id = mapped_column(ForeignKey("theme_runs.id", ondelete="CASCADE"), nullable=False, index=True)
    theme_id = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"), nullable=True)
    passage_id = mapped_column(ForeignKey("passages.id", ondelete="SET NULL"), nullable=True)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor_id = mapped_column(ForeignKey("users.id"), nullable=True)
    at = mapped_column(DateTime, nullable=False, default=utcnow)
    details = mapped_column(JSON, nullable=True)  # what changed, so undo can reverse it (themes/undo.py)
    undoes_id = mapped_column(ForeignKey("theme_decisions.id", ondelete="SET NULL"), nullable=True)

    actor = relationship("User")


class Code(db.Model):
    """A qualitative code in the shared codebook (reporters' and facilitators' own tags)."""

    __tablename__ = "theme_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    colour: Mapped[str] = mapped_column(String(16), nullable=False, default="blue")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)


class PassageCode(db.Model):
    """A code on a stretch of a story's text.

    Keyed by (story, text hash) rather than by passage row, so a code stays
    on the same words in every later theme run.
    """

    __tablename__ = "passage_codes"
    __table_args__ = (UniqueConstraint("code_id", "story_id", "text_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id = mapped_column(ForeignKey("theme_codes.id", ondelete="CASCADE"), nullable=False, index=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    text_hash: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    created_by_id = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at = mapped_column(DateTime, nullable=False, default=utcnow)

    code = relationship(Code)

from themes.quote_models import Comment, Quote, QuoteCode  # noqa: E402,F401  (quotes and comments: themes/quotes.py)
