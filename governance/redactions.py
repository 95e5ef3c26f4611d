"""Redaction review: accept, reject, add; and what a reviewer who may not read the whole story sees."""
from __future__ import annotations

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from governance.clips import purge_clips
from governance.errors import GovernanceError
from governance.models import Redaction
from governance.records import redactions_for
from stories.models import Story


def _decide_redaction(row: Redaction, state: str, actor) -> Redaction:
    if row.source == "always_redact" and state == "rejected":
        raise GovernanceError("This is on the site's always-hide list, so it stays hidden.")
    before = row.state
    row.state = state
    row.decided_at = utcnow()
    row.decided_by_id = getattr(actor, "id", None)
    record(f"redaction.{state}", object_type="stories", object_id=row.story_id, actor=actor,
           summary=f"{row.kind} at characters {row.start_char}-{row.end_char}: {before} → {state}",
           after={"redaction_id": row.id, "kind": row.kind, "state": state})
    db.session.commit()
    purge_clips(row.story_id)
    return row


CONTEXT_WORDS = 6


def _masked(text: str, offset: int, spans) -> str:
    """`text` (which starts at `offset` in the transcript) with each of `spans` that touches it tagged."""
    from engines.redaction.spans import Span, apply_redactions

    end = offset + len(text)
    local = [Span(max(s.start_char, offset) - offset, min(s.end_char, end) - offset, s.kind, "", s.source)
             for s in spans if s.start_char < end and s.end_char > offset]
    return apply_redactions(text, local) if local else text


def redaction_in_context(story: Story, rows: list[Redaction] | None = None, words: int = CONTEXT_WORDS) -> list[dict]:
    """Each redaction as a reviewer who may not read the whole unredacted transcript sees it.

    For every row: its state, kind and, unless it is hidden (accepted), its own words with up to
    `words` words either side. The context comes from the transcript with every other proposed or
    accepted redaction already tagged, so nothing hidden elsewhere shows through it.
    """
    from engines.redaction.spans import Span

    text = story.transcript_text
    rows = redactions_for(story) if rows is None else rows
    held = [r for r in rows if r.state in ("proposed", "accepted") and r.end_char > r.start_char]
    out = []
    for row in rows:
        item = {"row": row, "words": None, "before": "", "after": ""}
        if row.state != "accepted":
            others = [Span(r.start_char, r.end_char, r.kind, "", r.source) for r in held if r.id != row.id]
            before = _masked(text[:row.start_char], 0, others).split()
            after = _masked(text[row.end_char:], row.end_char, others).split()
            item.update(words=row.text, before=" ".join(before[-words:]) if words else "",
                        after=" ".join(after[:words]) if words else "",
                        cut_before=len(before) > words, cut_after=len(after) > words)
        out.append(item)
    return out


def record_redaction_review_view(user, story: Story) -> None:
    """Audit a reviewer seeing suggested redactions in their context (not the whole transcript)."""
    record("story.viewed_redaction_spans", story, actor=user,
           summary="Suggested redactions viewed with a few words of context")
    db.session.commit()


def words_visible_in_redacted(story: Story, words: str) -> bool:
    """True when `words` can be read in the story as shown redacted (what a facilitator sees)."""
    from governance.policy import redacted_text

    needle = " ".join((words or "").split()).lower()
    return bool(needle) and needle in " ".join(redacted_text(story).split()).lower()


def accept_redaction(row: Redaction, actor=None) -> Redaction:
    return _decide_redaction(row, "accepted", actor)


def reject_redaction(row: Redaction, actor=None) -> Redaction:
    return _decide_redaction(row, "rejected", actor)


def accept_all_proposed(story: Story, actor=None) -> int:
    rows = [r for r in redactions_for(story) if r.state == "proposed"]
    for row in rows:
        row.state, row.decided_at, row.decided_by_id = "accepted", utcnow(), getattr(actor, "id", None)
    record("redaction.accepted_all", story, summary=f"{len(rows)} suggested redactions accepted", actor=actor,
           after={"count": len(rows)})
    db.session.commit()
    purge_clips(story.id)
    return len(rows)


def add_redaction(story: Story, start_char: int, end_char: int, kind: str, actor=None) -> Redaction:
    """A reviewer hides a stretch they selected (accepted at once). It may cross segments or overlap others."""
    from engines.redaction.spans import KINDS

    text = story.transcript_text
    if kind not in KINDS:
        raise GovernanceError("Choose what kind of detail it is.")
    if not (0 <= start_char < end_char <= len(text)):
        raise GovernanceError("Select some words in the transcript first.")
    # Never leave half a word showing.
    while start_char > 0 and text[start_char - 1].isalnum():
        start_char -= 1
    while end_char < len(text) and text[end_char].isalnum():
        end_char += 1
    row = Redaction(story_id=story.id, start_char=start_char, end_char=end_char, kind=kind,
                    text=text[start_char:end_char], source="reviewer", state="accepted",
                    created_by_id=getattr(actor, "id", None), decided_at=utcnow(),
                    decided_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    from governance.anchors import anchor_rows

    anchor_rows(story, [row])  # the audio where these words are spoken stays muted from now on
    record("redaction.added", object_type="stories", object_id=story.id, actor=actor,
           summary=f"{kind} hidden at characters {start_char}-{end_char}",
           after={"redaction_id": row.id, "kind": kind})
    db.session.commit()
    purge_clips(story.id)
    return row


def add_redaction_by_words(story: Story, words: str, kind: str, actor=None) -> list[Redaction]:
    """Hide every place the typed words appear (for people who cannot select text)."""
    words = " ".join((words or "").split())
    text = story.transcript_text
    if not words:
        raise GovernanceError("Type the words to hide.")
    lowered, found, start = text.lower(), [], text.lower().find(words.lower())
    while start >= 0:
        found.append(start)
        start = lowered.find(words.lower(), start + len(words))
    if not found:
        raise GovernanceError("Those words are not in the transcript.")
    return [add_redaction(story, s, s + len(words), kind, actor) for s in found]
