"""The automatic check after every change of words: redaction detection and safeguarding flags."""
from __future__ import annotations

from sqlalchemy import delete

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from governance.anchors import anchor_rows
from governance.clips import purge_clips
from governance.languages import state_after_check
from governance.models import Redaction, SafeguardingFlag
from governance.records import flags_for, governance_for, redactions_for, story_or_error
from governance.settings import always_redact_terms
from stories.models import Story


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
    story = story_or_error(story_id)
    try:
        report(5, "Looking for names, places and numbers")
        redaction_counts = _detect(story, nlp=nlp)
        report(55, "Looking for anything a safeguarding lead should read")
        categories = _flag(story, embed=embed)
        gov = governance_for(story)
        gov.scan_state = state_after_check(story)  # another language waits for a person
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
    """Detect in the transcript, the title and the notes (each reviewed the same way)."""
    counts = {"proposed": 0, "kept": 0, "dropped": 0}
    for field, text in story_texts(story).items():
        for key, value in _detect_in(story, field, text, nlp=nlp).items():
            counts[key] += value
    purge_clips(story.id)
    return counts


def story_texts(story: Story) -> dict[str, str]:
    """The texts of a story that redactions apply to, by field."""
    return {"transcript": story.transcript_text, "title": story.title or "", "notes": story.notes or ""}


def _detect_in(story: Story, field: str, text: str, nlp=None) -> dict:
    from engines.redaction import detect_redactions

    existing = redactions_for(story, field)
    kept: list[Redaction] = []
    dropped = 0
    for row in existing:
        if row.end_char <= row.start_char and row.audio_start is not None:
            continue  # audio only: its words were retyped away, the audio stays muted
        if row.state == "proposed" and row.source != "reviewer" and row.audio_start is None:
            db.session.delete(row)  # detection runs again below
            continue
        if text[row.start_char:row.end_char] == row.text and row.text:
            kept.append(row)
            continue
        place = _nearest(text, row.text, row.start_char)
        if place is None and row.applies and row.audio_start is not None:
            # Judged identifying where it was spoken: rewording never un-mutes it, a reviewer may.
            row.start_char = row.end_char = 0
            record("redaction.audio_kept", object_type="stories", object_id=story.id,
                   summary=f"A {row.state} {row.kind} redaction's words were retyped; its audio stays muted")
            continue
        if place is None and row.state == "proposed" and row.source != "reviewer":
            db.session.delete(row)
            continue
        if place is None:
            record("redaction.dropped", object_type="stories", object_id=story.id,
                   summary=f"A {row.state} {row.kind} redaction no longer matches the edited {field}")
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
        always = "always_redact" in span.source
        covering = [k for k in kept if k.start_char <= span.start_char and k.end_char >= span.end_char]
        if covering and not (always and all(k.state == "rejected" for k in covering)):
            continue  # already decided by a person
        if covering:  # the organisation's always-hide list wins over this story's "leave it in"
            record("redaction.site_list_wins", object_type="stories", object_id=story.id,
                   summary=f"A {span.kind} kept in by a reviewer is hidden: it is on the site's always-hide list")
        db.session.add(Redaction(
            story_id=story.id, field=field, start_char=span.start_char, end_char=span.end_char, kind=span.kind,
            text=span.text, source="always_redact" if always else "detector",
            state="accepted" if always else "proposed", decided_at=utcnow() if always else None))
        proposed += 1
    if field == "transcript":
        db.session.flush()
        anchor_rows(story, redactions_for(story, "transcript"))
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
    from governance.alerts import alert_urgent, severity_for

    segments = [s for s in story.segments if s.text.strip()]
    flags = flag_risks([s.text.strip() for s in segments], embed=embed) if segments else []
    old = {(f.category, f.evidence) for f in flags_for(story)}
    db.session.execute(delete(SafeguardingFlag).where(SafeguardingFlag.story_id == story.id))
    for flag in flags:
        db.session.add(SafeguardingFlag(story_id=story.id, segment_position=segments[flag.passage_index].position,
                                        category=flag.category, score=flag.score, evidence=flag.evidence,
                                        severity=severity_for(flag.category), text_revision=story.revision))
    gov = governance_for(story)
    categories = sorted({f.category for f in flags})
    new = {(f.category, f.evidence) for f in flags} - old
    if flags and (gov.safeguarding_state == "none" or (new and gov.safeguarding_state in ("no_action", "action_taken"))):
        gov.safeguarding_state = "awaiting"
        gov.flagged_at = utcnow()
        record("safeguarding.flagged", story, summary=f"Waiting for the safeguarding lead: {', '.join(categories)}",
               after={"categories": categories, "passages": len({f.passage_index for f in flags}),
                      "text_revision": story.revision})
    alert_urgent(story, sorted({f.category for f in flags if (f.category, f.evidence) in new}))
    return categories
