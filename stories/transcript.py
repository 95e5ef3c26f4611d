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

SPEAKERS = ("", "Reporter", "Storyteller", "Someone else")  # the editor also offers every label in use


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
        Segment(position=i, start=s["start"], end=s["end"], text=s["text"].strip(), speaker=(s.get("speaker") or "")[:40],
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


def _common_ends(a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int) -> tuple[list, list]:
    """Pairs of the common prefix and of the common suffix of a[a0:a1] and b[b0:b1]."""
    head = []
    while a0 < a1 and b0 < b1 and a[a0] == b[b0]:
        head.append((a0, b0))
        a0, b0 = a0 + 1, b0 + 1
    tail = []
    while a1 > a0 and b1 > b0 and a[a1 - 1] == b[b1 - 1]:
        a1, b1 = a1 - 1, b1 - 1
        tail.append((a1, b1))
    return head, tail[::-1]


def _unique_anchors(a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int) -> list[tuple[int, int]]:
    """Tokens found exactly once in each middle, chained in order (longest increasing run: patience diff)."""
    import bisect
    from collections import Counter

    count_a, count_b = Counter(a[a0:a1]), Counter(b[b0:b1])
    where_a = {a[i]: i for i in range(a0, a1) if count_a[a[i]] == 1}
    pairs = [(where_a[b[j]], j) for j in range(b0, b1) if count_b[b[j]] == 1 and b[j] in where_a]
    tails, tail_at, back = [], [], [None] * len(pairs)
    for k, (i, _j) in enumerate(pairs):
        slot = bisect.bisect_left(tails, i)
        back[k] = tail_at[slot - 1] if slot else None
        if slot == len(tails):
            tails.append(i)
            tail_at.append(k)
        else:
            tails[slot], tail_at[slot] = i, k
    chain, k = [], tail_at[-1] if tail_at else None
    while k is not None:
        chain.append(pairs[k])
        k = back[k]
    return chain[::-1]


SMALL_GAP = 64  # a stretch this short on both sides is matched exactly (difflib on at most 64 x 64)


def _small_gap_pairs(a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int) -> list[tuple[int, int]]:
    matcher = difflib.SequenceMatcher(a=a[a0:a1], b=b[b0:b1], autojunk=False)
    return [(a0 + i + k, b0 + j + k) for i, j, size in matcher.get_matching_blocks() for k in range(size)]


LOOKAHEAD = 32


def _run(a: list[str], b: list[str], i: int, j: int, a1: int, b1: int, length: int = 3) -> bool:
    """True when `length` words from a[i] and b[j] are equal (a real re-synchronisation, not a chance hit)."""
    return i + length <= a1 and j + length <= b1 and all(a[i + k] == b[j + k] for k in range(length))


def _nearby_pairs(a: list[str], b: list[str], a0: int, a1: int, b0: int, b1: int) -> list[tuple[int, int]]:
    """A long stretch with no word unique to it: walk both sides, matching equal words; at a difference,
    take a replaced word, or the nearest insertion or deletion within LOOKAHEAD words after which
    three words agree again (linear: at most LOOKAHEAD tries per word)."""
    pairs, i, j = [], a0, b0
    while i < a1 and j < b1:
        if a[i] == b[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
            continue
        if _run(a, b, i + 1, j + 1, a1, b1):
            i, j = i + 1, j + 1  # one word replaced
            continue
        step = next(((di, dj) for k in range(1, LOOKAHEAD) for di, dj in ((0, k), (k, 0), (k, k))
                     if _run(a, b, i + di, j + dj, a1, b1)), (1, 1))
        i, j = i + step[0], j + step[1]
    return pairs


def matched_pairs(a: list[str], b: list[str]) -> list[tuple[int, int]]:
    """(i, j) of tokens kept from `a` in `b`, in order: a patience diff, near-linear in practice.

    difflib.SequenceMatcher over a whole segment is quadratic (a 10 MB segment held a worker at full
    CPU for minutes). Here: common ends; then tokens unique in both sides, chained in order, split the
    rest into stretches, each treated the same way; a stretch short on both sides is matched exactly;
    a long one with nothing unique keeps only its common ends (its words are aligned afresh).
    """
    pairs: list[tuple[int, int]] = []
    stack = [(0, len(a), 0, len(b))]
    while stack:
        a0, a1, b0, b1 = stack.pop()
        head, tail = _common_ends(a, b, a0, a1, b0, b1)
        pairs.extend(head + tail)
        a0, b0 = a0 + len(head), b0 + len(head)
        a1, b1 = a1 - len(tail), b1 - len(tail)
        if a0 >= a1 or b0 >= b1:
            continue
        if a1 - a0 <= SMALL_GAP and b1 - b0 <= SMALL_GAP:
            pairs.extend(_small_gap_pairs(a, b, a0, a1, b0, b1))
            continue
        anchors = _unique_anchors(a, b, a0, a1, b0, b1)
        if not anchors:
            pairs.extend(_nearby_pairs(a, b, a0, a1, b0, b1))
            continue
        pairs.extend(anchors)
        previous = (a0 - 1, b0 - 1)
        for anchor in anchors + [(a1, b1)]:
            stack.append((previous[0] + 1, anchor[0], previous[1] + 1, anchor[1]))
            previous = anchor
    return sorted(pairs)


def retime_words(old_words: list[dict], new_text: str, seg_start=None, seg_end=None) -> list[dict]:
    """Words for `new_text`: each unchanged word keeps its timing; each changed word has none yet.

    Changed words are marked `edited` with start/end None until `stories.alignment` finds where
    they are spoken. (They used to share the gap they fill evenly: a tone over a retyped phone
    number then covered 1.1 s of 3.6 s of digits.)
    """
    new_tokens = _tokens(new_text)
    kept = dict((j, i) for i, j in matched_pairs([_norm(w.get("text", "")) for w in old_words],
                                                 [_norm(t) for t in new_tokens]))
    words = []
    for j, token in enumerate(new_tokens):
        if j in kept:
            word = dict(old_words[kept[j]])
            word["text"] = token
        else:
            word = {"text": token, "start": None, "end": None, "probability": None, "low_confidence": False,
                    "edited": True}
        words.append(word)
    return words


def save_transcript(story: Story, edits: list[dict], base_revision: int, actor, *, kind: str = "edit",
                    note: str = "") -> TranscriptVersion:
    """Save the editor's segments [{id, text, speaker}]; 409-style StoryError if someone saved in between.

    The revision is claimed first, before any word is written (see `claim_revision`). `kind` and
    `note` name the version (a find and replace saves through here too, as kind "replace").
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
    version = _snapshot(story, kind, actor, note=note, claimed=True)
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
