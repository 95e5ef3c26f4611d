"""Find and replace across a story, or across all of a reporter's stories: a preview of every match
first, then one version per story, then undo.

A replace is an edit like any other: it goes through `transcript.save_transcript`, so unchanged
words keep their times, the replaced words are left untimed until the job `stories.align` finds
where they are spoken, and the story is held for the governance check from the same commit
(`governance/freshness.py`). Versions and the audit log say how many words changed, never which:
the words may be the very name being taken out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from audit.services import record
from extensions import db
from stories.models import Story, TranscriptVersion
from stories.services import StoryError
from stories.transcript import restore_version, save_transcript

CONTEXT_CHARS = 40
MAX_FIND_CHARS = 200
REPLACE_KIND = "replace"


@dataclass(frozen=True)
class Match:
    """One place the words were found: `key` names it in the preview's check boxes."""

    story_id: int
    segment_id: int
    start: int
    end: int
    before: str
    found: str
    after: str

    @property
    def key(self) -> str:
        return f"{self.story_id}:{self.segment_id}:{self.start}"


def pattern_for(find: str, *, match_case: bool = False) -> re.Pattern:
    """Whole words only; any run of spaces in `find` matches any run in the transcript."""
    words = find.split()
    if not words:
        raise StoryError("Type the words to find.", 422)
    if len(find) > MAX_FIND_CHARS:
        raise StoryError(f"The words to find can be at most {MAX_FIND_CHARS} characters.", 422)
    body = r"\s+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!\w){body}(?!\w)", 0 if match_case else re.IGNORECASE)


def find_matches(stories, find: str, *, match_case: bool = False) -> list[Match]:
    """Every match in the stories' current words, in story and reading order."""
    pattern = pattern_for(find, match_case=match_case)
    out = []
    for story in stories:
        for segment in story.segments:
            text = segment.text or ""
            for hit in pattern.finditer(text):
                out.append(Match(story.id, segment.id, hit.start(), hit.end(),
                                 text[max(0, hit.start() - CONTEXT_CHARS):hit.start()], hit.group(0),
                                 text[hit.end():hit.end() + CONTEXT_CHARS]))
    return out


def _replaced_text(text: str, spans: list[tuple[int, int]], replacement: str) -> str:
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def replace_in_story(story: Story, find: str, replacement: str, base_revision, actor, *,
                     chosen: set[str] | None = None, match_case: bool = False) -> TranscriptVersion:
    """Replace the chosen matches (all when `chosen` is None) as one new version of the story.

    `base_revision` is the revision the preview was made from: if anyone saved since, the
    preview's places no longer hold and StoryError 409 says so, with nothing written.
    """
    replacement = " ".join(str(replacement or "").split())
    if (story.revision or 0) != _as_int(base_revision):
        raise StoryError("These words changed after the preview was made. Nothing was replaced: "
                         "please look at the preview again.", 409)
    spans: dict[int, list[tuple[int, int]]] = {}
    for match in find_matches([story], find, match_case=match_case):
        if chosen is None or match.key in chosen:
            spans.setdefault(match.segment_id, []).append((match.start, match.end))
    if not spans:
        raise StoryError("None of the chosen words were found, so nothing was replaced.", 200)
    by_id = {s.id: s for s in story.segments}
    edits = [{"id": seg_id, "text": _replaced_text(by_id[seg_id].text, places, replacement),
              "speaker": by_id[seg_id].speaker} for seg_id, places in spans.items()]
    count = sum(len(p) for p in spans.values())
    return save_transcript(story, edits, base_revision, actor, kind=REPLACE_KIND,
                           note=f"find and replace: {count} change{'s' if count != 1 else ''}")


def _as_int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def last_replace(story: Story) -> TranscriptVersion | None:
    """The story's newest version when it is a find and replace (so it can be undone), else None."""
    newest = db.session.scalars(db.select(TranscriptVersion).where(TranscriptVersion.story_id == story.id)
                                .order_by(TranscriptVersion.number.desc()).limit(1)).first()
    return newest if newest is not None and newest.kind == REPLACE_KIND else None


def undo_replace(story: Story, base_revision, actor) -> TranscriptVersion:
    """Bring back the words from before the story's last find and replace, as a new version.

    The earlier words come back with their own times, and the story is held and checked again
    like after any edit. Refused (409) when anything was saved after the replace.
    """
    replaced = last_replace(story)
    if replaced is None or (story.revision or 0) != _as_int(base_revision):
        raise StoryError("The words changed after that replace, so it cannot be undone here. "
                         "Earlier versions are still in the list of versions.", 409)
    before = db.session.scalar(db.select(db.func.max(TranscriptVersion.number)).where(
        TranscriptVersion.story_id == story.id, TranscriptVersion.number < replaced.number))
    if before is None:
        raise StoryError("There is no version from before that replace.", 409)
    version = restore_version(story, before, actor)
    record("story.replace_undone", story, actor=actor, summary=f"version {replaced.number} undone as {version.number}")
    db.session.commit()
    return version


def replaceable_stories(user, story_id: int | None = None) -> list[Story]:
    """The stories a person's find and replace reaches: one story, or every story they reported
    that has words (their own words are the ones they may see unredacted and edit)."""
    from governance.policy import may_edit_transcript

    if story_id is not None:
        from stories.services import get_story

        return [get_story(user, story_id, edit=True)]  # 404 unless theirs to edit (and so to see unredacted)
    rows = db.session.scalars(db.select(Story).where(Story.reporter_id == user.id).order_by(Story.id)).all()
    return [s for s in rows if s.segments and may_edit_transcript(user, s)]
