"""What a person types into the search box, parsed once and written for each database.

    waiting list          both words (any form: "waited", "waits" match "waiting")
    "first appointment"   those words together, in that order
    housing -hostel       "housing", leaving out anything that says "hostel"
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
_TOKEN = re.compile(r'(-?)"([^"]*)"|(-?)(\S+)')
_WORD = re.compile(r"[\w'’]+", re.UNICODE)


class QueryError(ValueError):
    """A search the person must change; the message says how."""


@dataclass
class ParsedQuery:
    include: list[str] = field(default_factory=list)  # each a word or a phrase of words
    exclude: list[str] = field(default_factory=list)

    @property
    def plain(self) -> str:
        """The query written back in the box's own syntax (also PostgreSQL's websearch syntax)."""
        def show(term: str) -> str:
            return f'"{term}"' if " " in term else term
        return " ".join([show(t) for t in self.include] + [f"-{show(t)}" for t in self.exclude])

    def fts5(self) -> str:
        """An FTS5 MATCH expression: every term quoted, so no user text is read as FTS5 syntax."""
        quote = lambda term: '"' + term.replace('"', '""') + '"'  # noqa: E731
        expression = " ".join(quote(t) for t in self.include)
        for term in self.exclude:
            expression += f" NOT {quote(term)}"
        return expression

    def words(self) -> list[str]:
        return [w for term in self.include for w in term.split()]


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def parse(text: str) -> ParsedQuery:
    """Parse the search box; raises QueryError with a plain message when there is nothing to look for."""
    text = (text or "").strip()
    if not text:
        raise QueryError("Type a word or two to look for.")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"That search is too long: keep it under {MAX_QUERY_CHARS} letters.")
    parsed = ParsedQuery()
    for match in _TOKEN.finditer(text.replace("“", '"').replace("”", '"')):
        negative = bool(match.group(1) or match.group(3))
        term = _words(match.group(2) if match.group(2) is not None else match.group(4))
        if not term:
            continue
        (parsed.exclude if negative else parsed.include).append(term)
    if len(parsed.include) + len(parsed.exclude) > MAX_TERMS:
        raise QueryError(f"Use at most {MAX_TERMS} words or phrases.")
    if not parsed.include:
        raise QueryError("Add a word to look for: a word with - in front only leaves things out.")
    return parsed
