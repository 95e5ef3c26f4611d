"""The transcript: saving the machine's, editing it, its versions and their differences.

Every save makes a TranscriptVersion (who, when, what). Edits keep the timing of
each word that did not change, so the player still follows along.
"""
from __future__ import annotations

import difflib
import re

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from stories.models import Segment, Story, TranscriptVersion
from stories.services import StoryError, _hold_for_check, start_governance_check

SPEAKERS = ("", "Reporter", "Storyteller", "Someone else")


def _next_number(story: Story) -> int:
    from sqlalchemy import func, select

    current = db.session.scalar(select(func.max(TranscriptVersion.number)).where(TranscriptVersion.story_id == story.id))
    return (current or 0) + 1


CONFLICT = ("Someone else saved this transcript while you were editing. "
            "Your changes were not saved: reload the page to see theirs.")


def claim_revision(story: Story, seen) -> None:
    """Move the story from revision `seen` to the next one, in the one statement that checks it.

    `UPDATE stories SET revision = revision + 1 WHERE id = :id AND revision = :seen`: of any number
    of saves made from the same revision, the database lets exactly one through (PostgreSQL holds the
    row until that save commits, then re-checks the others; SQLite lets one writer in at a time).
    Every other gets StoryError 409 and nothing of theirs is written.
    """
    from sqlalchemy import update
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm.attributes import set_committed_value

    try:
        seen = int(seen)
    except (TypeError, ValueError):
        raise StoryError(CONFLICT, 409) from None
    try:
        result = db.session.execute(
            update(Story).where(Story.id == story.id, Story.revision == seen)
            .values(revision=Story.revision + 1).execution_options(synchronize_session=False))
    except OperationalError as exc:  # SQLite: another save holds the write lock past the busy timeout
        db.session.rollback()
        raise StoryError(CONFLICT, 409) from exc
    if result.rowcount != 1:
        db.session.rollback()
        raise StoryError(CONFLICT, 409)
    set_committed_value(story, "revision", seen + 1)


def _snapshot(story: Story, kind: str, actor, note: str = "", *, claimed: bool = False) -> TranscriptVersion:
    if not claimed:
        claim_revision(story, story.revision or 0)
    version = TranscriptVersion(story_id=story.id, number=_next_number(story), kind=kind,
                                created_by_id=getattr(actor, "id", None),
                                segments=[_segment_data(s) for s in story.segments], note=note)
    db.session.add(version)
    return version


def _segment_data(segment: Segment) -> dict:
    return {"start": segment.start, "end": segment.end, "text": segment.text, "speaker": segment.speaker,
            "avg_logprob": segment.avg_logprob, "no_speech_prob": segment.no_speech_prob,
            "flags": list(segment.flags or []), "words": list(segment.words or [])}


def save_machine_transcript(story: Story, result: dict, *, reviewed: bool = False) -> TranscriptVersion:
    """Replace the story's segments with a transcription result (TranscriptResult.to_dict())."""
    story.segments = [
        Segment(position=i, start=s["start"], end=s["end"], text=s["text"].strip(), speaker="",
                avg_logprob=s.get("avg_logprob"), no_speech_prob=s.get("no_speech_prob"),
                flags=list(s.get("flags") or []), words=[dict(w) for w in s.get("words") or []])
        for i, s in enumerate(result["segments"])
    ]
    db.session.flush()
    version = _snapshot(story, "machine", None, note=result.get("model", ""))
    story.duration_s = result.get("duration_s") or story.duration_s
    story.status = "ready" if reviewed else "needs_review"
    story.status_reason = ""
    if reviewed:
        story.reviewed_at = utcnow()
    low = sum(1 for s in result["segments"] for w in s.get("words") or [] if w.get("low_confidence"))
    flagged = sum(1 for s in result["segments"] if s.get("flags"))
    record("story.transcribed", story, actor=None,
           summary=f"{len(story.segments)} segments, {low} uncertain words, {flagged} flagged segments")
    return version


# --- editing --------------------------------------------------------------------------

def _tokens(text: str) -> list[str]:
    return text.split()


def _norm(token: str) -> str:
    return re.sub(r"[^\w']", "", token.lower())


def retime_words(old_words: list[dict], new_text: str, seg_start, seg_end) -> list[dict]:
    """Words for `new_text`, keeping each unchanged word's timing; changed words share the gap they fill."""
    new_tokens = _tokens(new_text)
    old_tokens = [w.get("text", "") for w in old_words]
    matcher = difflib.SequenceMatcher(a=[_norm(t) for t in old_tokens], b=[_norm(t) for t in new_tokens], autojunk=False)
    words: list[dict | None] = [None] * len(new_tokens)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(b1 - b0):
                kept = dict(old_words[a0 + k])
                kept["text"] = new_tokens[b0 + k]
                words[b0 + k] = kept
        else:
            # The old words' span (if any) is the time the new words take.
            span_start = old_words[a0]["start"] if a1 > a0 else None
            span_end = old_words[a1 - 1]["end"] if a1 > a0 else None
            for k in range(b0, b1):
                words[k] = {"text": new_tokens[k], "start": None, "end": None, "probability": None,
                            "low_confidence": False, "edited": True, "_span": (span_start, span_end, k - b0, b1 - b0)}
    # Fill times of edited words: within the replaced span, or between their timed neighbours.
    for i, word in enumerate(words):
        if "_span" not in word:
            continue
        span_start, span_end, k, n = word.pop("_span")
        if span_start is None:
            prev_end = next((w["end"] for w in reversed(words[:i]) if w.get("end") is not None and "_span" not in w), seg_start)
            next_start = next((w["start"] for w in words[i + 1:] if w.get("start") is not None and "_span" not in w), seg_end)
            span_start, span_end = prev_end, next_start
        if span_start is not None and span_end is not None and span_end >= span_start:
            step = (span_end - span_start) / n
            word["start"], word["end"] = round(span_start + k * step, 3), round(span_start + (k + 1) * step, 3)
    return words


def save_transcript(story: Story, edits: list[dict], base_revision: int, actor) -> TranscriptVersion:
    """Save the editor's segments [{id, text, speaker}]; 409-style StoryError if someone saved in between.

    The revision is claimed first, before any word is written (see `claim_revision`).
    """
    claim_revision(story, base_revision)
    by_id = {s.id: s for s in story.segments}
    changed = 0
    for edit in edits:
        segment = by_id.get(int(edit.get("id", 0) or 0))
        if segment is None:
            db.session.rollback()
            raise StoryError("That part of the transcript no longer exists. Please reload the page.", 409)
        text = " ".join(str(edit.get("text", "")).split())
        speaker = str(edit.get("speaker", segment.speaker) or "")[:40]
        if text != segment.text:
            segment.words = retime_words(list(segment.words or []), text, segment.start, segment.end)
            segment.text = text
            changed += 1
        if speaker != segment.speaker:
            segment.speaker = speaker
            changed += 1
    if not changed:
        db.session.rollback()
        raise StoryError("There were no changes to save.", 200)
    version = _snapshot(story, "edit", actor, claimed=True)
    record("story.transcript_edited", story, actor=actor, summary=f"version {version.number}: {changed} change(s)")
    _hold_for_check(story)
    db.session.commit()
    start_governance_check(story, actor)  # new words: check them for names and risks again
    return version


def restore_version(story: Story, number: int, actor) -> TranscriptVersion:
    """Make an earlier version the current transcript again (as a new version)."""
    old = db.session.scalars(db.select(TranscriptVersion).where(TranscriptVersion.story_id == story.id,
                                                                 TranscriptVersion.number == number)).first()
    if old is None:
        raise StoryError("That version does not exist.", 404)
    story.segments = [
        Segment(position=i, start=s.get("start"), end=s.get("end"), text=s.get("text", ""), speaker=s.get("speaker", ""),
                avg_logprob=s.get("avg_logprob"), no_speech_prob=s.get("no_speech_prob"),
                flags=list(s.get("flags") or []), words=list(s.get("words") or []))
        for i, s in enumerate(old.segments)
    ]
    db.session.flush()
    version = _snapshot(story, "restore", actor, note=f"from version {number}")
    record("story.transcript_restored", story, actor=actor, summary=f"version {number} restored as {version.number}")
    _hold_for_check(story)
    db.session.commit()
    start_governance_check(story, actor)
    return version


def versions(story: Story) -> list[TranscriptVersion]:
    return db.session.scalars(db.select(TranscriptVersion).where(TranscriptVersion.story_id == story.id)
                              .order_by(TranscriptVersion.number.desc())).all()


def version_text(version: TranscriptVersion) -> str:
    return "\n".join(s.get("text", "").strip() for s in version.segments if s.get("text", "").strip())


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in equal/insert/delete: the words that changed from `before` to `after`."""
    a, b = before.split(), after.split()
    out = []
    for tag, a0, a1, b0, b1 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(("equal", " ".join(a[a0:a1])))
        if tag in ("delete", "replace"):
            out.append(("delete", " ".join(a[a0:a1])))
        if tag in ("insert", "replace"):
            out.append(("insert", " ".join(b[b0:b1])))
    return out


def machine_version(story: Story) -> TranscriptVersion | None:
    return db.session.scalars(db.select(TranscriptVersion).where(TranscriptVersion.story_id == story.id)
                              .order_by(TranscriptVersion.number).limit(1)).first()
