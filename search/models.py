"""The search index: one row per transcript segment and audience.

`audience` says who may match a row:

- `all`: the segment has nothing redacted, so everyone who may see the story sees these words;
- `redacted`: the redacted words, for everyone but those who may see the story unredacted;
- `full`: the unredacted words, only for the story's reporter, admins and the safeguarding lead.

A hidden name is therefore never in a row another person can match. The full-text
part is the database's own: an FTS5 table kept in step by triggers on SQLite (`text` holds
the row's words); on PostgreSQL `text` stays empty and `tsv`, under a GIN index, holds the
words' lexemes as keyed hashes (`search/lexemes.py`), so no story words sit in its files.
"""
from sqlalchemy import DDL, Float, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

AUDIENCES = ("all", "redacted", "full")
FTS_TABLE = "search_fts"

SQLITE_FTS_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "text, content='search_entries', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS search_entries_ai AFTER INSERT ON search_entries BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END",
    f"CREATE TRIGGER IF NOT EXISTS search_entries_ad AFTER DELETE ON search_entries BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); END",
    f"CREATE TRIGGER IF NOT EXISTS search_entries_au AFTER UPDATE ON search_entries BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, text) VALUES ('delete', old.id, old.text); "
    f"INSERT INTO {FTS_TABLE}(rowid, text) VALUES (new.id, new.text); END",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS search_entries_au",
    "DROP TRIGGER IF EXISTS search_entries_ad",
    "DROP TRIGGER IF EXISTS search_entries_ai",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)


class SearchEntry(db.Model):
    __tablename__ = "search_entries"
    __table_args__ = (
        Index("ix_search_entries_tsv", "tsv", postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    story_id = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), nullable=False, index=True)
    segment_id = mapped_column(Integer, nullable=True)  # segments are rebuilt on save; so is this row
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    audience: Mapped[str] = mapped_column(String(8), nullable=False, default="all")
    start = mapped_column(Float, nullable=True)
    end = mapped_column(Float, nullable=True)
    speaker: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")  # SQLite only; '' on PostgreSQL
    tsv = mapped_column(Text().with_variant(TSVECTOR(), "postgresql"), nullable=True)  # PostgreSQL: hashed lexemes


for _statement in SQLITE_FTS_DDL:
    event.listen(SearchEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in SQLITE_FTS_DROP:
    event.listen(SearchEntry.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))

from search import index as _index  # noqa: E402,F401  (the listeners that keep the index in step)
