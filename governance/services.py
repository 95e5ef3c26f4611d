"""Governance rules: each state change is one function that audits and commits.

Audit entries name stories by id and never copy their words (the audit log is
kept for good, and a story's words may have to be erased).
"""
from __future__ import annotations

import calendar
import importlib
import io
import json
import time
import zipfile
from datetime import date
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, select

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from governance.models import (
    DECISIONS,
    AlwaysRedactTerm,
    GovernanceSetting,
    Redaction,
    SafeguardingFlag,
    StoryGovernance,
)
from stories.models import ConsentRecord, MediaFile, Story, TranscriptVersion

DEFAULT_RETENTION_MONTHS = 24


class GovernanceError(ValueError):
    """A rule refused the change; the message is meant for the person asking."""


# --- settings ------------------------------------------------------------------

def get_setting(key: str, default=None):
    row = db.session.get(GovernanceSetting, key)
    return default if row is None or row.value is None else row.value


def retention_months() -> int:
    return int(get_setting("retention_months", DEFAULT_RETENTION_MONTHS))


def set_retention_months(months: int, actor=None) -> None:
    if not 1 <= int(months) <= 240:
        raise GovernanceError("Choose between 1 and 240 months.")
    before = retention_months()
    row = db.session.get(GovernanceSetting, "retention_months") or GovernanceSetting(key="retention_months")
    row.value = int(months)
    db.session.add(row)
    record("governance.retention_set", object_type="governance_settings", object_id="retention_months",
           summary=f"Originals kept for {int(months)} months", before={"months": before},
           after={"months": int(months)}, actor=actor)
    db.session.commit()


def always_redact_terms() -> list[AlwaysRedactTerm]:
    return db.session.scalars(select(AlwaysRedactTerm).order_by(AlwaysRedactTerm.term)).all()


def add_always_term(term: str, kind: str = "name", actor=None) -> AlwaysRedactTerm:
    from engines.redaction.spans import KINDS

    term = " ".join((term or "").split())
    if not term:
        raise GovernanceError("Type the name or place to hide.")
    if kind not in KINDS:
        raise GovernanceError("Choose what kind of detail it is.")
    if db.session.scalar(select(AlwaysRedactTerm).where(AlwaysRedactTerm.term.ilike(term))):
        raise GovernanceError("That is already on the list.")
    row = AlwaysRedactTerm(term=term, kind=kind, added_by_id=getattr(actor, "id", None))
    db.session.add(row)
    # The term itself is sensitive (a staff name): the audit keeps its kind, not its words.
    record("governance.term_added", row, summary=f"A {kind} added to the always-hide list", actor=actor)
    db.session.commit()
    return row


def remove_always_term(row: AlwaysRedactTerm, actor=None) -> None:
    record("governance.term_removed", row, summary=f"A {row.kind} removed from the always-hide list", actor=actor)
    db.session.delete(row)
    db.session.commit()


# --- per-story state -------------------------------------------------------------

def governance_for(story: Story | int, create: bool = True) -> StoryGovernance | None:
    story_id = story if isinstance(story, int) else story.id
    row = db.session.get(StoryGovernance, story_id)
    if row is None and create:
        row = StoryGovernance(story_id=story_id)
        db.session.add(row)
    return row


def _story_or_error(story_id: int) -> Story:
    story = db.session.get(Story, story_id)
    if story is None:
        raise GovernanceError(f"There is no story {story_id}.")
    return story


def redactions_for(story: Story) -> list[Redaction]:
    return db.session.scalars(
        select(Redaction).where(Redaction.story_id == story.id).order_by(Redaction.start_char, Redaction.id)
    ).all()


def flags_for(story: Story) -> list[SafeguardingFlag]:
    return db.session.scalars(
        select(SafeguardingFlag).where(SafeguardingFlag.story_id == story.id).order_by(SafeguardingFlag.segment_position)
    ).all()


# --- detection after transcription ------------------------------------------------

def start_scan(story: Story, user=None):
    """Hold the story and queue `governance.scan` (from the web: detection needs the worker)."""
    from jobs.services import start_job

    gov = governance_for(story)
    gov.scan_state = "pending"
    record("governance.scan_requested", story, summary="Checking for names and risks", actor=user)
    db.session.commit()
    return start_job("governance.scan", story_id=story.id, user=user)


def after_transcription(story_id: int, report=None) -> dict:
    """Run redaction detection and safeguarding flags on a freshly typed-up story.

    Call it from the worker, at the end of the stories transcription task (and
    after a typed story or an edited transcript is saved, through `start_scan`).
    The story is held out of every use while this runs.
    """
    gov = governance_for(story_id)
    gov.scan_state = "pending"
    db.session.commit()
    return scan_story(story_id, report=report)


def scan_story(story_id: int, report=None, nlp=None, embed=None) -> dict:
    """Detect redactions (re-anchoring decided ones) and flag safeguarding risks."""
    report = report or (lambda percent, message="": None)
    story = _story_or_error(story_id)
    try:
        report(5, "Looking for names, places and numbers")
        redaction_counts = _detect(story, nlp=nlp)
        report(55, "Looking for anything a safeguarding lead should read")
        categories = _flag(story, embed=embed)
        gov = governance_for(story)
        gov.scan_state = "done"
        gov.scanned_at = utcnow()
        gov.scanned_revision = story.revision
        record("governance.scanned", story, summary=(
            f"{redaction_counts['proposed']} redactions proposed, {redaction_counts['dropped']} dropped; "
            f"safeguarding: {', '.join(categories) or 'nothing flagged'}"), actor=None,
            after={"redactions": redaction_counts, "flags": categories})
        db.session.commit()
    except Exception:
        db.session.rollback()
        gov = governance_for(story_id)
        gov.scan_state = "failed"
        record("governance.scan_failed", object_type="stories", object_id=story_id,
               summary="The automatic check failed; the story stays held")
        db.session.commit()
        raise
    report(100, "Checked")
    return {"redactions": redaction_counts, "flags": categories}


def _detect(story: Story, nlp=None) -> dict:
    from engines.redaction import detect_redactions

    text = story.transcript_text
    existing = redactions_for(story)
    kept: list[Redaction] = []
    dropped = 0
    for row in existing:
        if row.state == "proposed" and row.source != "reviewer":
            db.session.delete(row)  # detection runs again below
            continue
        if text[row.start_char:row.end_char] == row.text and row.text:
            kept.append(row)
            continue
        place = _nearest(text, row.text, row.start_char)
        if place is None:
            record("redaction.dropped", object_type="stories", object_id=story.id,
                   summary=f"A {row.state} {row.kind} redaction no longer matches the edited transcript")
            db.session.delete(row)
            dropped += 1
            continue
        row.start_char, row.end_char = place, place + len(row.text)
        kept.append(row)
    terms = [(t.term, t.kind) for t in always_redact_terms()]
    if story.storyteller_name.strip():
        terms.append((story.storyteller_name.strip(), "name"))
    proposed = 0
    for span in detect_redactions(text, always_redact=terms, nlp=nlp):
        if any(k.start_char <= span.start_char and k.end_char >= span.end_char for k in kept):
            continue  # already decided by a person
        always = "always_redact" in span.source
        db.session.add(Redaction(
            story_id=story.id, start_char=span.start_char, end_char=span.end_char, kind=span.kind,
            text=span.text, source="always_redact" if always else "detector",
            state="accepted" if always else "proposed", decided_at=utcnow() if always else None))
        proposed += 1
    _purge_clips(story.id)
    return {"proposed": proposed, "kept": len(kept), "dropped": dropped}


def _nearest(text: str, words: str, near: int) -> int | None:
    if not words:
        return None
    places, start = [], text.find(words)
    while start >= 0:
        places.append(start)
        start = text.find(words, start + 1)
    return min(places, key=lambda p: abs(p - near)) if places else None


def _flag(story: Story, embed=None) -> list[str]:
    from engines.safeguarding import flag_risks

    segments = [s for s in story.segments if s.text.strip()]
    flags = flag_risks([s.text.strip() for s in segments], embed=embed) if segments else []
    old = {(f.category, f.evidence) for f in flags_for(story)}
    db.session.execute(delete(SafeguardingFlag).where(SafeguardingFlag.story_id == story.id))
    for flag in flags:
        db.session.add(SafeguardingFlag(story_id=story.id, segment_position=segments[flag.passage_index].position,
                                        category=flag.category, score=flag.score, evidence=flag.evidence))
    gov = governance_for(story)
    categories = sorted({f.category for f in flags})
    new = {(f.category, f.evidence) for f in flags} - old
    if flags and (gov.safeguarding_state == "none" or (new and gov.safeguarding_state in ("no_action", "action_taken"))):
        gov.safeguarding_state = "awaiting"
        gov.flagged_at = utcnow()
        record("safeguarding.flagged", story, summary=f"Waiting for the safeguarding lead: {', '.join(categories)}",
               after={"categories": categories, "passages": len({f.passage_index for f in flags})})
    return categories


# --- redaction review ---------------------------------------------------------------

def _purge_clips(story_id: int) -> None:
    from governance.clips import purge_clips

    purge_clips(story_id)


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
    _purge_clips(row.story_id)
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
    _purge_clips(story.id)
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
    record("redaction.added", object_type="stories", object_id=story.id, actor=actor,
           summary=f"{kind} hidden at characters {start_char}-{end_char}",
           after={"redaction_id": row.id, "kind": kind})
    db.session.commit()
    _purge_clips(story.id)
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


# --- consent -----------------------------------------------------------------------

# What other domains must do when a story leaves every use ("withdrawn": consent withdrawn or the
# safeguarding lead restricted it) or is about to be erased / has been erased. Each entry is
# "module:function", imported only when the hook runs (governance imports no domain at load time).
STORY_HOOKS = {
    "withdrawn": ("themes.services:withdraw_story", "workshops.services:on_story_withdrawn"),
    "erasing": ("themes.services:withdraw_story", "workshops.services:on_story_erasing"),
    "erased": (),
}


def _notify(event: str, story_id: int) -> None:
    """Run the STORY_HOOKS of `event` for one story.

    The change itself is already committed and every domain also filters through
    governance.policy at query time, so one failing hook is logged and the others still run.
    """
    for target in STORY_HOOKS.get(event, ()):
        module_name, _, function_name = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name in (module_name, module_name.split(".")[0]):
                continue  # that domain is not installed
            raise
        function = getattr(module, function_name, None)
        if function is None:
            continue
        try:
            function(story_id)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("story hook %s failed for story %s", target, story_id)


def withdraw_consent(story: Story, actor=None, *, requested_by: str = "", reason: str = "") -> ConsentRecord:
    """Withdraw consent now: the story leaves analysis, workshops, quotes and managers' views at once."""
    consent = story.current_consent
    if consent is None or consent.withdrawn_at is not None:
        raise GovernanceError("Consent for this story is already withdrawn.")
    requested_by = (requested_by or "").strip() or "the storyteller"
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = getattr(actor, "id", None)
    consent.withdrawal_requested_by = requested_by[:200]
    consent.withdrawal_reason = (reason or "").strip()
    record("consent.withdrawn", story, actor=actor, summary=f"Consent withdrawn (asked by {requested_by[:80]})",
           before={"scopes": consent.scopes}, after={"scopes": [], "requested_by": requested_by[:200]})
    db.session.commit()
    _purge_clips(story.id)
    _notify("withdrawn", story.id)
    return consent


# --- safeguarding -----------------------------------------------------------------

def safeguarding_queue() -> list[tuple[Story, StoryGovernance]]:
    rows = db.session.execute(
        select(Story, StoryGovernance).join(StoryGovernance, StoryGovernance.story_id == Story.id)
        .where((StoryGovernance.safeguarding_state == "awaiting") | (StoryGovernance.scan_state == "failed"))
        .order_by(StoryGovernance.flagged_at, Story.id)
    ).all()
    return [(s, g) for s, g in rows]


def recent_decisions(limit: int = 20) -> list[tuple[Story, StoryGovernance]]:
    rows = db.session.execute(
        select(Story, StoryGovernance).join(StoryGovernance, StoryGovernance.story_id == Story.id)
        .where(StoryGovernance.safeguarding_state.in_(DECISIONS))
        .order_by(StoryGovernance.decided_at.desc()).limit(limit)
    ).all()
    return [(s, g) for s, g in rows]


def decide_safeguarding(story: Story, decision: str, note: str = "", actor=None) -> StoryGovernance:
    """The safeguarding lead's decision. "restricted" keeps the story out of analysis for good."""
    if decision not in DECISIONS:
        raise GovernanceError("Choose no action, action taken or restricted.")
    gov = governance_for(story)
    if gov.safeguarding_state == "restricted":
        raise GovernanceError("This story is restricted for good; the decision cannot be changed.")
    before = gov.safeguarding_state
    gov.safeguarding_state = decision
    gov.decided_at = utcnow()
    gov.decided_by_id = getattr(actor, "id", None)
    gov.decision_note = (note or "").strip()
    if gov.scan_state == "failed" and decision != "restricted":
        gov.scan_state = "done"  # the lead read it in place of the failed check
    record("safeguarding.decided", story, actor=actor, summary=f"Safeguarding decision: {decision}",
           before={"state": before}, after={"state": decision, "note": gov.decision_note})
    db.session.commit()
    if decision == "restricted":
        _purge_clips(story.id)
        _notify("withdrawn", story.id)
    return gov


def record_unredacted_view(user, story: Story, where: str = "story page") -> None:
    """Audit one view of a story's unredacted transcript (call on every such page view)."""
    record("story.viewed_unredacted", story, actor=user, summary=f"Unredacted transcript viewed ({where})")
    db.session.commit()


# --- retention ------------------------------------------------------------------------

def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def retention_due(story: Story, today: date | None = None, months: int | None = None) -> bool:
    today = today or date.today()
    base = story.recorded_on or story.created_at.date()
    return _add_months(base, retention_months() if months is None else months) <= today


def apply_retention(today: date | None = None) -> list[int]:
    """Delete original audio and unredacted text of every story past the retention period.

    The redacted text stays where consent in force allows; without consent the text goes too.
    Returns the ids of the stories changed.
    """
    months = retention_months()
    done_ids = set(db.session.scalars(
        select(StoryGovernance.story_id).where(StoryGovernance.originals_deleted_at.is_not(None))).all())
    changed = []
    for story in db.session.scalars(select(Story).order_by(Story.id)).all():
        if story.id in done_ids or not retention_due(story, today, months):
            continue
        delete_originals(story)
        changed.append(story.id)
    return changed


def delete_originals(story: Story, actor=None) -> None:
    from governance.policy import redacted_segments

    keep_text = bool(story.consent_scopes())
    redacted = redacted_segments(story)
    for segment, shown in zip(story.segments, redacted):
        segment.text = shown["text"] if keep_text else ""
        segment.words = []
    story.storyteller_name = ""
    db.session.execute(delete(TranscriptVersion).where(TranscriptVersion.story_id == story.id))
    db.session.execute(delete(Redaction).where(Redaction.story_id == story.id))
    for flag in flags_for(story):
        flag.evidence = ""
    media_ids = [story.media_id]
    story.media = None
    db.session.flush()
    files = _release_media(story, media_ids)
    gov = governance_for(story)
    gov.originals_deleted_at = utcnow()
    record("retention.originals_deleted", story, actor=actor,
           summary="Original audio and unredacted text deleted at the end of the retention period"
           + ("; redacted text kept" if keep_text else "; no consent in force, text deleted"))
    db.session.commit()
    _delete_files(files)
    _purge_clips(story.id)
    checkpoint_database()


# --- erasure ------------------------------------------------------------------------------

def _release_media(story: Story, media_ids) -> list[str]:
    """Delete MediaFile rows no other story or consent uses; return their media-store keys to delete after commit."""
    files = []
    for media_id in {m for m in media_ids if m is not None}:
        media = db.session.get(MediaFile, media_id)
        if media is None:
            continue
        others = db.session.scalar(select(Story.id).where(Story.media_id == media_id, Story.id != story.id).limit(1))
        others = others or db.session.scalar(select(ConsentRecord.id).where(
            ConsentRecord.form_media_id == media_id, ConsentRecord.story_id != story.id).limit(1))
        if others:
            continue
        same_file = db.session.scalar(select(MediaFile.id).where(
            MediaFile.storage_path == media.storage_path, MediaFile.id != media.id).limit(1))
        if not same_file:
            files.append(media.storage_path)
        db.session.delete(media)
    return files


def _delete_files(keys) -> None:
    """Delete objects from the media store, every version where the bucket keeps versions."""
    from core.storage import storage

    store = storage()
    for key in keys:
        store.delete(key)


def checkpoint_database() -> None:
    """On SQLite, move the WAL into the main file and truncate it, so deleted pages do not linger there."""
    if db.engine.dialect.name != "sqlite":
        return
    for _ in range(20):
        with db.engine.connect() as conn:
            busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if not busy:
            return
        time.sleep(0.1)
    current_app.logger.warning("could not fully checkpoint the SQLite WAL after an erasure")


def erase_story(story: Story, actor=None) -> int:
    """Erase a story completely: audio, transcripts, passages, embeddings, clips, pack files.

    Leaves one audit entry saying story N existed and who erased it. Returns the id.
    """
    story_id = story.id
    _notify("erasing", story_id)  # themes: passages off the boards; workshops: pack files deleted
    media_ids = [story.media_id] + [c.form_media_id for c in story.consents]
    _erase_theme_rows(story)
    from jobs.models import Job

    db.session.execute(delete(Job).where(Job.story_id == story_id))
    for model in (Redaction, SafeguardingFlag, StoryGovernance, TranscriptVersion):
        db.session.execute(delete(model).where(model.story_id == story_id))
    files = _release_media(story, media_ids)
    held = {"role": story.storyteller_role, "created": story.created_at.date().isoformat(),
            "segments": len(story.segments)}
    db.session.delete(story)
    db.session.flush()
    record("story.erased", object_type="stories", object_id=story_id, actor=actor,
           summary=f"Story {story_id} existed and was erased", before=held)
    db.session.commit()
    _delete_files(files)
    _purge_clips(story_id)
    _notify("erased", story_id)
    checkpoint_database()
    return story_id


def _erase_theme_rows(story: Story) -> None:
    try:
        from themes import models as theme_models
    except ImportError:
        return
    from engines.embeddings import text_key

    from governance.policy import redacted_segments

    Passage = theme_models.Passage
    rows = db.session.execute(
        select(Passage.id, Passage.text, theme_models.ThemeRun.model)
        .join(theme_models.ThemeRun, theme_models.ThemeRun.id == Passage.run_id)
        .where(Passage.story_id == story.id)
    ).all()
    texts = {r.text for r in rows} | {s.text.strip() for s in story.segments} | {
        s["text"] for s in redacted_segments(story)}
    models = {None} | {r.model or None for r in rows}
    keys = {text_key(t, m) for t in texts for m in models}
    cache = getattr(theme_models, "EmbeddingCache", None)
    if cache is not None and keys:
        db.session.execute(delete(cache).where(cache.key.in_(list(keys))))
    passage_ids = [r.id for r in rows]
    if passage_ids:
        for name in ("ThemeNote", "ThemeDecision"):
            model = getattr(theme_models, name, None)
            if model is not None:
                db.session.execute(delete(model).where(model.passage_id.in_(passage_ids)))
        db.session.execute(delete(Passage).where(Passage.id.in_(passage_ids)))
    codes = getattr(theme_models, "PassageCode", None)
    if codes is not None:
        db.session.execute(delete(codes).where(codes.story_id == story.id))


# --- subject access -------------------------------------------------------------------------

def subject_access_zip(story: Story, actor=None) -> bytes:
    """Everything held about one story, as a ZIP: audio, transcripts, consent, uses, audit trail."""
    from audit.models import AuditEntry
    from governance.clips import ClipRefused, media_path
    from governance.policy import redacted_text

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = {
            "story": {"id": story.id, "title": story.title, "storyteller_role": story.storyteller_role,
                      "storyteller_name": story.storyteller_name,
                      "recorded_on": story.recorded_on.isoformat() if story.recorded_on else None,
                      "status": story.status, "created_at": story.created_at.isoformat(), "notes": story.notes,
                      "reporter": story.reporter.email if story.reporter else None},
            "consent": [{"id": c.id, "method": c.method, "scopes": c.scopes,
                         "recorded_at": c.recorded_at.isoformat(),
                         "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                         "superseded_at": c.superseded_at.isoformat() if c.superseded_at else None,
                         "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
                         "withdrawal_requested_by": c.withdrawal_requested_by,
                         "withdrawal_reason": c.withdrawal_reason, "notes": c.notes} for c in story.consents],
            "redactions": [{"start_char": r.start_char, "end_char": r.end_char, "kind": r.kind, "text": r.text,
                            "state": r.state, "source": r.source} for r in redactions_for(story)],
            "safeguarding": safeguarding_export(story),
            "used_in": usage(story),
        }
        archive.writestr("story.json", json.dumps(info, indent=2, ensure_ascii=False, default=str))
        archive.writestr("transcript.txt", story.transcript_text)
        archive.writestr("transcript_redacted.txt", redacted_text(story))
        archive.writestr("transcript_segments.json", json.dumps([s.to_dict() for s in story.segments], indent=2,
                                                                ensure_ascii=False, default=str))
        versions = db.session.scalars(select(TranscriptVersion).where(TranscriptVersion.story_id == story.id)
                                      .order_by(TranscriptVersion.number)).all()
        archive.writestr("transcript_versions.json", json.dumps(
            [{"number": v.number, "kind": v.kind, "created_at": v.created_at.isoformat(), "note": v.note,
              "segments": v.segments} for v in versions], indent=2, ensure_ascii=False, default=str))
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "stories", AuditEntry.object_id == str(story.id)).order_by(AuditEntry.id)).all()
        archive.writestr("audit.json", json.dumps(
            [{"at": e.at.isoformat(), "actor": e.actor_label, "action": e.action, "summary": e.summary}
             for e in entries], indent=2, ensure_ascii=False))
        media = [("audio", story.media)] + [("consent_form", c.form_media) for c in story.consents if c.form_media]
        for label, item in media:
            if item is None:
                continue
            try:
                with media_path(item) as path:
                    name = Path(item.original_filename or path.name).name
                    archive.write(path, f"{label}/{name}")
            except (ClipRefused, FileNotFoundError, OSError) as exc:
                archive.writestr(f"{label}/MISSING.txt", f"The file could not be read: {exc}")
        archive.writestr("README.txt", (
            f"Everything Storyloom holds about story {story.id}, exported {utcnow().isoformat()}Z.\n"
            "story.json: details, consent history, redactions, safeguarding state, where it was used.\n"
            "transcript.txt: the words as typed up; transcript_redacted.txt: as shown to others.\n"
            "audit.json: every recorded action on this story.\n"))
    record("story.subject_access_exported", story, actor=actor, summary="Everything held about the story exported")
    db.session.commit()
    return buffer.getvalue()


def usage(story: Story) -> dict:
    """Where a story was used: theme runs (and what workshops report through `story_usage`)."""
    used: dict = {"theme_runs": []}
    try:
        from themes.models import Passage
    except ImportError:
        Passage = None
    if Passage is not None:
        rows = db.session.execute(select(Passage.run_id, Passage.position, Passage.theme_id)
                                  .where(Passage.story_id == story.id)).all()
        runs: dict = {}
        for run_id, position, theme_id in rows:
            runs.setdefault(run_id, []).append({"position": position, "theme_id": theme_id})
        used["theme_runs"] = [{"run_id": k, "passages": v} for k, v in sorted(runs.items())]
    for name in ("workshops.services",):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        if hasattr(module, "story_usage"):
            used["workshops"] = module.story_usage(story.id)
    return used


def safeguarding_export(story: Story) -> dict:
    gov = governance_for(story, create=False)
    return {
        "state": gov.safeguarding_state if gov else "none",
        "scan_state": gov.scan_state if gov else "never",
        "flags": [{"category": f.category, "score": f.score, "segment_position": f.segment_position}
                  for f in flags_for(story)],
        "decided_at": gov.decided_at.isoformat() if gov and gov.decided_at else None,
    }
