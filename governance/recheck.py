"""A word added to the site's "always hide" list reaches every story already checked.

In the commit that adds the word, every story whose words may hold it (its first word appears in a
segment, the title or the notes) is marked "being checked": from that moment it is out of every
non-reporter view. The job `governance.recheck_terms` then runs the full check on each of them in
the worker, with progress, and the site's list wins over a per-story "leave it in"
(`scanning._detect`).
"""
from __future__ import annotations

from sqlalchemy import select

from extensions import db
from governance.records import governance_for
from stories.models import Segment, Story

RECHECK_TERMS = "governance.recheck_terms"


def stories_that_may_hold(term: str) -> list[int]:
    """Ids of stories whose segments, title or notes contain the term's first word (any case).

    Story words are sealed in the database (core/shred.py), so SQL cannot search them: each
    story's words are opened and read here, one story at a time."""
    first = (term.split() or [""])[0].casefold()
    if not first:
        return []
    found = set()
    for story_id, title, notes in db.session.execute(select(Story.id, Story.title, Story.notes)):
        if first in (title or "").casefold() or first in (notes or "").casefold():
            found.add(story_id)
    for story_id, text in db.session.execute(select(Segment.story_id, Segment.text)):
        if story_id not in found and first in (text or "").casefold():
            found.add(story_id)
    return sorted(found)


def hold_stories_for_term(term: str) -> list[int]:
    """Mark the stories that may hold `term` as being checked (the caller commits). Returns their ids."""
    ids = stories_that_may_hold(term)
    for story_id in ids:
        governance_for(story_id).scan_state = "pending"
    return ids


def start_term_recheck(story_ids: list[int], actor=None):
    """Queue the re-check of `story_ids` (nothing to queue for none)."""
    from jobs.services import start_job

    if not story_ids:
        return None
    return start_job(RECHECK_TERMS, subject_type="always_redact_terms", params={"story_ids": list(story_ids)},
                     user=actor)


def recheck_stories(story_ids: list[int], report) -> dict:
    """Run the full check on each story in turn; a story that fails stays held and the rest go on."""
    from governance.scanning import scan_story

    done, failed = [], []
    total = max(1, len(story_ids))
    for index, story_id in enumerate(story_ids):
        report(int(100 * index / total), f"Checking story {index + 1} of {len(story_ids)}")
        if db.session.get(Story, story_id) is None:
            continue  # erased since
        try:
            scan_story(story_id)
            done.append(story_id)
        except Exception:  # scan_story marked it failed (held) and logged it
            failed.append(story_id)
    message = f"{len(done)} stories checked again for the new word"
    if failed:
        message += f"; {len(failed)} could not be checked and stay held"
    report(100, message)
    return {"checked": done, "failed": failed}
