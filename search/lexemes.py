"""PostgreSQL's index holds keyed hashes of lexemes, never the words themselves.

PostgreSQL's own English stemmer works the words out (`to_tsvector('english', :text)` in a
SELECT, which writes nothing), each lexeme is replaced here by an HMAC under the search key,
and the tsvector of those hashes, positions kept, is what `search_entries.tsv` stores and the
GIN index holds. A query goes the same way: `websearch_to_tsquery('english', :q)` parses it
(phrases, `-word`), its lexemes are hashed, and the hashed tsquery is matched against the column.
So an erased story leaves no words in the table files or WAL, only hashes that mean nothing
without the key. The key is derived from the media key (HKDF, its own purpose): it lives in the
data folder or `MEDIA_KEY_FILE`, never in the database, and a restore with the same media key
matches the restored index.
"""
from __future__ import annotations

import hashlib
import hmac
import re

from sqlalchemy import text as sql_text

# A lexeme as PostgreSQL writes one in a tsvector or tsquery: quoted, a quote inside doubled.
_LEXEME = re.compile(r"'((?:[^']|'')*)'")
_HASH_CHARS = 16  # 64 bits: no collision to speak of among the lexemes of a site


def search_key() -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    from core.sealed import media_key

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"storyloom search index v1").derive(media_key())


def _hashed(written: str, key: bytes) -> str:
    """A tsvector or tsquery in PostgreSQL's text form with every lexeme replaced by its keyed hash."""
    def replace(match: re.Match) -> str:
        digest = hmac.new(key, match.group(1).encode("utf-8"), hashlib.sha256).hexdigest()
        return f"'{digest[:_HASH_CHARS]}'"
    return _LEXEME.sub(replace, written or "")


def hashed_vectors(session, texts: list[str], key: bytes | None = None) -> list[str]:
    """The hashed tsvector (text form, for CAST(... AS tsvector)) of each text, in order."""
    if not texts:
        return []
    key = key or search_key()
    rows = session.execute(sql_text(
        "SELECT CAST(to_tsvector('english', t) AS text) FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS u(t, n) "
        "ORDER BY n"), {"texts": list(texts)}).scalars().all()
    return [_hashed(row, key) for row in rows]


def hashed_query(session, plain: str, key: bytes | None = None) -> str:
    """The hashed tsquery (text form) of a query in websearch syntax; '' when only stop words are left."""
    written = session.execute(sql_text("SELECT CAST(websearch_to_tsquery('english', :q) AS text)"), {"q": plain}).scalar()
    return _hashed(written, key or search_key())


def headlines(session, plain: str, texts: list[str], options: str) -> list[str]:
    """ts_headline of each text (given here, not read from a table) for the query, in order."""
    if not texts:
        return []
    return session.execute(sql_text(
        "SELECT ts_headline('english', t, websearch_to_tsquery('english', :q), :options) "
        "FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS u(t, n) ORDER BY n"),
        {"q": plain, "options": options, "texts": list(texts)}).scalars().all()
