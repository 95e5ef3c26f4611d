"""Search over the transcript words each person may see: one service over SQLite FTS5 and PostgreSQL.

Who matches what (the policy's functions, in the query):

- the story's reporter, admins and the safeguarding lead match the unredacted words
  (`full`/`all` rows) of the stories they may see unredacted;
- everyone else matches only redacted words (`redacted`/`all` rows) and only of stories
  the policy lets them use: facilitators analysable or workshop stories, reporters
  analysable ones, managers those with `manager_view` consent. Held stories never match.
"""
from __future__ import annotations

import html
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup
from sqlalchemy import and_, bindparam, cast, column, false, func, literal_column, or_, select, table
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import TSQUERY

from extensions import db
from governance import policy
from search.models import FTS_TABLE, SearchEntry
from search.query import ParsedQuery, QueryError, parse  # noqa: F401  (parse: routes use it too)
from stories.models import Segment, Story

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_OPEN, _CLOSE = "\x02", "\x03"
_fts = table(FTS_TABLE, column("rowid"), column("text"))

__all__ = ["QueryError", "Filters", "search", "SearchResults"]


@dataclass
class Filters:
    theme_id: int | None = None
    role: str | None = None
    speaker: str | None = None
    story_ids: set | None = None  # e.g. a workshop's stories
    date_from: date | None = None
    date_to: date | None = None


@dataclass
class SearchResults:
    query: ParsedQuery
    total: int
    items: list = field(default_factory=list)  # dicts: story_id, passage_id, start, end, snippet, speaker, ...


def _sees_everything_unredacted(user) -> bool:
    return user.has_role("admin", "safeguarding_lead")


def _redacted_scope(user) -> list:
    """Per-row policy clauses: the stories whose redacted words `user` may search (any one suffices)."""
    story_id = SearchEntry.story_id
    parts = []
    if user.has_role("facilitator"):
        parts += [policy.analysable_clause(story_id, Story.status), policy.workshop_clause(story_id)]
    elif user.has_role("reporter"):
        parts.append(policy.analysable_clause(story_id, Story.status))
    if user.has_role("manager"):
        parts.append(policy.manager_readable_clause(story_id))
    return parts


def visibility_clause(user):
    """WHERE clause over SearchEntry joined to Story: the rows `user` may match."""
    if _sees_everything_unredacted(user):
        return SearchEntry.audience.in_(("all", "full"))
    own = Story.reporter_id == user.id
    scopes = _redacted_scope(user)
    others = (and_(~own, or_(*scopes), SearchEntry.audience.in_(("all", "redacted"))) if scopes else false())
    return or_(and_(own, SearchEntry.audience.in_(("all", "full"))), others)


def _filter_clauses(filters: Filters) -> list:
    clauses = []
    if filters.role:
        clauses.append(Story.storyteller_role == filters.role)
    if filters.speaker:
        clauses.append(SearchEntry.speaker == filters.speaker)
    if filters.story_ids is not None:
        clauses.append(SearchEntry.story_id.in_(filters.story_ids or {-1}))
    told_on = func.coalesce(Story.recorded_on, func.date(Story.created_at))
    if filters.date_from:
        clauses.append(told_on >= filters.date_from)
    if filters.date_to:
        clauses.append(told_on <= filters.date_to)
    if filters.theme_id:
        from themes.evidence import in_theme_clause

        clauses.append(in_theme_clause(filters.theme_id, SearchEntry.story_id, SearchEntry.start, SearchEntry.end))
    return clauses


def _is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


def _match(parsed: ParsedQuery):
    """(FROM clause, WHERE clause, rank expression) of the full-text match on this database."""
    if _is_postgresql():  # the stored column of hashed lexemes, under its GIN index (search/lexemes.py)
        from search.lexemes import hashed_query

        query = cast(bindparam("hashed_query", hashed_query(db.session, parsed.plain)), TSQUERY)
        return SearchEntry.__table__, SearchEntry.tsv.op("@@")(query), -func.ts_rank(SearchEntry.tsv, query)
    joined = _fts.join(SearchEntry.__table__, SearchEntry.id == _fts.c.rowid)
    return joined, literal_column(FTS_TABLE).op("MATCH")(parsed.fts5()), func.bm25(literal_column(FTS_TABLE))


def search(user, text: str, filters: Filters | None = None, *, page: int = 1, per_page: int = PAGE_SIZE) -> SearchResults:
    """The hits of `text` among the words `user` may see, best first. Raises QueryError on a bad query."""
    parsed = parse(text)
    filters = filters or Filters()
    per_page = max(1, min(int(per_page), MAX_PAGE_SIZE))
    page = max(1, int(page))
    source, match, rank = _match(parsed)
    source = source.join(Story.__table__, Story.id == SearchEntry.story_id)
    where = and_(match, visibility_clause(user), *_filter_clauses(filters))
    with _index_costed_as_cached():
        rows, total = _page(source, where, rank, per_page, (page - 1) * per_page)
    with policy.reading_once():  # the page's titles and words: each story's redactions read once, together
        policy.prefetch_redactions({r.story_id for r in rows})
        snippets = _snippets(parsed, rows)
        titles = {r.story_id: policy.redacted_title_of(r.story_id, r.title) for r in rows}
    return SearchResults(parsed, int(total or 0), [_item(r, snippets.get(r.id, ""), titles[r.story_id]) for r in rows])


@contextmanager
def _index_costed_as_cached():
    """On PostgreSQL, plan the match with random_page_cost 1.1 (pages in memory or on SSD), for this statement only.

    With the default 4 the planner scans all of search_entries for a word in ~4% of rows (e.g. "housing": 4,400 of
    101,000), testing `@@` on every row: twice the time of the GIN bitmap scan it takes for a rarer or commoner
    word (EXPLAIN ANALYZE in bench/search.py's data). The setting is put back before anything else runs."""
    if not _is_postgresql():
        yield
        return
    old = db.session.execute(sql_text("SELECT current_setting('random_page_cost'), "
                                  "set_config('random_page_cost', '1.1', true)")).scalar()
    try:
        yield
    finally:
        db.session.execute(sql_text("SELECT set_config('random_page_cost', :old, true)"), {"old": old})


def _page(source, where, rank, limit: int, offset: int):
    """(rows of one page, total) in one pass over the matches: the matches (narrow: id, story, position,
    rank) are made once as a materialised CTE, counted, and only the page's rows are joined to their
    stories. (A window count over the wide rows cost PostgreSQL twice as much; a second COUNT query
    made both databases match twice; see bench/search.py.)"""
    hits = (select(SearchEntry.id.label("id"), SearchEntry.story_id.label("story_id"),
                   SearchEntry.position.label("position"), rank.label("rank"))
            .select_from(source).where(where).cte("hits").prefix_with("MATERIALIZED"))
    total = select(func.count()).select_from(hits).scalar_subquery()
    page = (select(hits).order_by(hits.c.rank, hits.c.story_id, hits.c.position)
            .limit(limit).offset(offset).subquery("page"))
    joined = (page.join(SearchEntry.__table__, SearchEntry.id == page.c.id)
              .join(Story.__table__, Story.id == page.c.story_id))
    with_words = _is_postgresql()  # PostgreSQL's index keeps no words: the snippets read the page's segments
    if with_words:
        joined = joined.join(Segment, Segment.id == SearchEntry.segment_id, isouter=True)
    rows = db.session.execute(
        select(page.c.id, page.c.story_id, page.c.position, SearchEntry.start, SearchEntry.end, SearchEntry.speaker,
               SearchEntry.segment_id, SearchEntry.audience, Story.title, Story.storyteller_role, Story.recorded_on,
               total.label("total"), *([Segment] if with_words else []))
        .select_from(joined)
        .order_by(page.c.rank, page.c.story_id, page.c.position)).all()
    if rows:
        return rows, rows[0].total
    return rows, (db.session.scalar(select(func.count()).select_from(source).where(where)) if offset else 0)


def _snippets(parsed: ParsedQuery, rows) -> dict:
    """{entry id: snippet with the match between \\x02 and \\x03} for one page of hits (`_page`'s rows)."""
    if not rows:
        return {}
    if _is_postgresql():  # the words come from the segments and governance, not from the index
        from search.index import texts_of
        from search.lexemes import headlines

        options = f"StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2"
        texts = texts_of(db.session, rows, {r.segment_id: r.Segment for r in rows if r.Segment is not None})
        ids = [r.id for r in rows if r.id in texts]
        return dict(zip(ids, headlines(db.session, parsed.plain, [texts[i] for i in ids], options)))
    snippet = func.snippet(literal_column(FTS_TABLE), 0, _OPEN, _CLOSE, "…", 24)
    stmt = (select(_fts.c.rowid, snippet).select_from(_fts)
            .where(literal_column(FTS_TABLE).op("MATCH")(parsed.fts5()), _fts.c.rowid.in_([r.id for r in rows])))
    return {row[0]: row[1] for row in db.session.execute(stmt)}


def marked(snippet: str) -> Markup:
    """The snippet as safe HTML: the person's words escaped, the match in <mark>."""
    escaped = html.escape(snippet or "")
    return Markup(escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>"))


def plain(snippet: str) -> str:
    return (snippet or "").replace(_OPEN, "").replace(_CLOSE, "")


def _item(row, snippet: str, title: str) -> dict:
    return {"entry_id": row.id, "story_id": row.story_id, "start": row.start, "end": row.end, "speaker": row.speaker,
            "title": title, "role": row.storyteller_role, "recorded_on": row.recorded_on, "snippet": snippet,
            "passage_id": None}


def attach_passages(items: list[dict]) -> None:
    """Fill each hit's passage_id: the latest run's live passage covering it (None if there is none)."""
    from themes.evidence import passages_at

    found = passages_at([(i["story_id"], i["start"], i["end"]) for i in items])
    for item in items:
        item["passage_id"] = found.get((item["story_id"], item["start"], item["end"]))


def attach_clips(items: list[dict], window: float = 0.0) -> None:
    """Fill each hit's clip_url: the redacted clip of its segment, only where `quote` consent allows."""
    stories = {}
    for item in items:
        story = stories.setdefault(item["story_id"], db.session.get(Story, item["story_id"]))
        start, end = item["start"], item["end"]
        item["clip_url"] = policy.clip_url(story, max(0.0, start - window), end + window) if start is not None and end is not None else None


def speakers() -> list[str]:
    """The speaker labels in the index (for the filter)."""
    return [s for s in db.session.scalars(select(SearchEntry.speaker).where(SearchEntry.speaker != "").distinct().order_by(SearchEntry.speaker))]


def bracketed(snippet: str) -> str:
    """The snippet as plain text for the API: the match between [[ and ]]."""
    return (snippet or "").replace(_OPEN, "[[").replace(_CLOSE, "]]")
