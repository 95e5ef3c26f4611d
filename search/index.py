"""Keeping the search index in step with the stories, inside the same transaction.

A session listener notes every story whose segments, redactions, consent or
check state changed in a flush; just before that transaction commits, those stories'
index rows are rebuilt (or removed: a withdrawn story leaves the index, an
erased one takes its rows with it). So a transcript save, a redaction decision,
a withdrawal and an erasure each change the index in the commit that makes them.
"""
from __future__ import annotations

from sqlalchemy import delete, event, insert, select
from sqlalchemy.orm import Session

from extensions import db
from search.models import SearchEntry
from stories.models import ConsentRecord, Segment, Story

_PENDING = "search_pending_story_ids"
_MAX_ROUNDS = 5


def entries_for(story: Story) -> list[dict]:
    """The index rows of one story: 'all' where nothing is hidden, else a 'full' and a 'redacted' row."""
    from governance.policy import redacted_segments

    consent = story.current_consent
    if consent is not None and consent.withdrawn_at is not None:
        return []
    rows = []
    for segment, shown in zip(story.segments, redacted_segments(story)):
        full = (segment.text or "").strip()
        if not full:
            continue
        common = {"story_id": story.id, "segment_id": segment.id, "position": segment.position,
                  "start": segment.start, "end": segment.end, "speaker": segment.speaker or ""}
        redacted = shown["text"].strip()
        if redacted == full:
            rows.append({**common, "audience": "all", "text": full})
            continue
        rows.append({**common, "audience": "full", "text": full})
        if redacted:
            rows.append({**common, "audience": "redacted", "text": redacted})
    return rows


def stored(session, rows: list[dict], key: bytes | None = None) -> list[dict]:
    """Rows as the database keeps them: on PostgreSQL no words, only the hashed lexemes (`search/lexemes.py`)."""
    if session.get_bind().dialect.name != "postgresql" or not rows:
        return rows
    from search.lexemes import hashed_vectors

    vectors = hashed_vectors(session, [row["text"] for row in rows], key)
    return [{**row, "text": "", "tsv": vector} for row, vector in zip(rows, vectors)]


def reindex_story(story_id: int, session=None, key: bytes | None = None) -> int:
    """Replace one story's index rows; returns how many rows it has now."""
    session = session or db.session
    session.execute(delete(SearchEntry).where(SearchEntry.story_id == story_id))
    story = session.get(Story, story_id)
    if story is None:
        return 0
    rows = entries_for(story)
    if rows:
        session.execute(insert(SearchEntry), stored(session, rows, key))
    return len(rows)


def reindex_all(session=None) -> int:
    """Rebuild the whole index (after a migration, or to repair it); returns the row count."""
    session = session or db.session
    session.execute(delete(SearchEntry))
    total, key = 0, None
    if session.get_bind().dialect.name == "postgresql":
        from search.lexemes import search_key

        key = search_key()
    for story_id in session.scalars(db.select(Story.id).order_by(Story.id)).all():
        total += reindex_story(story_id, session, key)
    return total


def _changed_story_ids(session) -> set[int]:
    from governance.models import Redaction, StoryGovernance

    ids = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        # A check's state decides what others may read (governance/freshness.py, languages.py) as redactions do.
        if isinstance(obj, (Segment, Redaction, ConsentRecord, StoryGovernance)) and obj.story_id is not None:
            ids.add(obj.story_id)
        elif isinstance(obj, Story) and obj in session.deleted and obj.id is not None:
            ids.add(obj.id)
    return ids


@event.listens_for(Session, "after_flush")
def _note_changes(session, flush_context) -> None:
    changed = _changed_story_ids(session)
    if changed:
        session.info.setdefault(_PENDING, set()).update(changed)


@event.listens_for(Session, "before_commit")
def _apply_changes(session) -> None:
    for _ in range(_MAX_ROUNDS):
        session.flush()
        pending = session.info.pop(_PENDING, None)
        if not pending:
            return
        for story_id in sorted(pending):
            reindex_story(story_id, session)


@event.listens_for(Session, "after_rollback")
def _forget_changes(session) -> None:
    session.info.pop(_PENDING, None)


def texts_of(session, entries, segments: dict | None = None) -> dict[int, str]:
    """{entry id: its words} for index rows (id, story_id, segment_id, audience), worked out again from the
    segments and governance's redaction: PostgreSQL's rows keep no words to show a snippet from.
    `segments`: {segment id: Segment} the caller already read (else they are read here)."""
    texts, redacted_stories = {}, set()
    if segments is None:
        segment_ids = {e.segment_id for e in entries if e.audience != "redacted"}
        segments = {s.id: s for s in session.scalars(select(Segment).where(Segment.id.in_(segment_ids)))} if segment_ids else {}
    if any(e.audience == "redacted" for e in entries):  # their stories' words, redactions and checks in a few queries
        from governance.policy import prefetch_story_texts

        prefetch_story_texts({e.story_id for e in entries if e.audience == "redacted"})
    for entry in entries:
        if entry.audience == "redacted":
            redacted_stories.add(entry.story_id)
        elif entry.segment_id in segments:
            texts[entry.id] = (segments[entry.segment_id].text or "").strip()
    from governance.policy import redacted_segments

    for story_id in redacted_stories:  # the query let these through the policy: only their redacted words are needed
        story = session.get(Story, story_id)
        shown = ({segment.id: row["text"].strip() for segment, row in zip(story.segments, redacted_segments(story))}
                 if story else {})
        for entry in entries:
            if entry.story_id == story_id and entry.audience == "redacted":
                texts[entry.id] = shown.get(entry.segment_id, "")
    return texts
