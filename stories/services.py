"""The rules for stories: who sees them, creating them, consent, transcription state.

Each change of state is one function here that writes the audit log and commits.
Editing and versions of the transcript are in stories/transcript.py; resumable
uploads in stories/uploads.py.
"""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app
from sqlalchemy import select

from audit.services import record
from core.timeutil import utcnow
from extensions import db
from stories.media import MediaError, store_upload
from stories.models import CONSENT_METHODS, CONSENT_SCOPES, STORYTELLER_ROLES, ConsentRecord, ConsentScope, Segment, Story, TranscriptVersion

TRANSCRIBE = "stories.transcribe"
TEXT_SUFFIXES = {".txt"}
MAX_TEXT_BYTES = 2 * 1024 * 1024


class StoryError(Exception):
    """A request about a story that cannot be done; `message` is plain English."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def check_transcript_save(data) -> list:
    """The segments of a transcript save, within the limits (413/422 naming the limit)."""
    from flask import current_app

    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise StoryError("Send a JSON object with 'revision' and a list of 'segments'.", 422)
    segments = data["segments"]
    most = int(current_app.config["MAX_SEGMENTS_PER_SAVE"])
    if len(segments) > most:
        raise StoryError(f"A save can hold at most {most:,} segments; this one has {len(segments):,}.", 413)
    longest = int(current_app.config["MAX_SEGMENT_CHARS"])
    for number, segment in enumerate(segments, start=1):
        if not isinstance(segment, dict):
            raise StoryError(f"Segment {number} must be a JSON object.", 422)
        text = segment.get("text", "")
        if not isinstance(text, str) or len(text) > longest:
            raise StoryError(f"Segment {number} is longer than the {longest:,}-character limit for one segment.", 422)
    return segments


# --- who may do what (the rules are governance/policy.py) --------------------------

def note_unredacted_view(user, story: Story, where: str, *, audio: bool = False) -> bool:
    """Audit a view of the unredacted transcript (or the original audio) when that is what `user` is shown.

    Returns True when an entry was written. Nothing is written for people shown the redacted
    words only, nor for a story with no words (or no recording) yet.
    """
    from governance.policy import sees_unredacted
    from governance.services import record_unredacted_view

    if not sees_unredacted(user, story):
        return False
    if audio and story.media_id is None:
        return False
    if not audio and not story.media_id and not any((s.text or "").strip() for s in story.segments):
        return False
    record_unredacted_view(user, story, where=where)
    return True


def get_story(user, story_id: int, *, edit: bool = False) -> Story:
    """The story if `user` may open (or edit) it; otherwise 404, so its existence is not revealed."""
    from governance.policy import may, may_edit_transcript

    from sqlalchemy.orm import joinedload

    # Its consent and reporter come in the same query: the page asks what is in force several times.
    from accounts.models import User

    story = db.session.get(Story, story_id, options=[joinedload(Story.consents).joinedload(ConsentRecord.scope_rows),
                                                     joinedload(Story.reporter).joinedload(User.roles)])
    if story is None or not may(user, story, "list") or (edit and not may_edit_transcript(user, story)):
        abort(404)
    return story


def visible_stories(user, *, status: str | None = None, reporter_id: int | None = None, role: str | None = None):
    """select() of stories `user` may list, newest first, with optional filters."""
    from governance.policy import story_ids

    stmt = select(Story).where(Story.id.in_(story_ids(user, "list"))).order_by(Story.created_at.desc(), Story.id.desc())
    if status:
        stmt = stmt.where(Story.status == status)
    if reporter_id:
        stmt = stmt.where(Story.reporter_id == reporter_id)
    if role:
        stmt = stmt.where(Story.storyteller_role == role)
    return stmt


# --- creating stories --------------------------------------------------------------

def _check_details(details: dict) -> None:
    if not (details.get("title") or "").strip():
        raise StoryError("Give the story a short title.")
    if details.get("storyteller_role") not in STORYTELLER_ROLES:
        raise StoryError("Choose who told the story.")


def _new_story(details: dict, reporter, *, source_kind: str, source_filename: str = "") -> Story:
    _check_details(details)
    return Story(
        title=details["title"].strip()[:200], reporter_id=reporter.id, storyteller_role=details["storyteller_role"],
        storyteller_name=(details.get("storyteller_name") or "").strip()[:120],
        recorded_on=details.get("recorded_on"), language=(details.get("language") or "en")[:16],
        notes=details.get("notes") or "", source_kind=source_kind, source_filename=(source_filename or "")[:255],
    )


def _add_consent(story: Story, consent: dict | None, user, form_media=None) -> ConsentRecord | None:
    """Record what the storyteller agreed to. No scopes: no record, so the story enters no analysis."""
    scopes = sorted(set((consent or {}).get("scopes") or []))
    unknown = [s for s in scopes if s not in CONSENT_SCOPES]
    if unknown:
        raise StoryError(f"Unknown consent: {', '.join(unknown)}.")
    if not scopes:
        return None
    method = consent.get("method") or "signed_form"
    if method not in CONSENT_METHODS:
        raise StoryError("Choose how the storyteller said yes.")
    start, end = consent.get("clip_start"), consent.get("clip_end")
    if start is not None and end is not None and end <= start:
        raise StoryError("The end of the consent clip must be after its start.")
    record_ = ConsentRecord(method=method, recorded_by_id=getattr(user, "id", None),
                            verbal_clip_start=start if method == "verbal" else None,
                            verbal_clip_end=end if method == "verbal" else None,
                            form_media=form_media)
    record_.scope_rows = [ConsentScope(scope=s) for s in scopes]
    story.consents.append(record_)
    return record_


def _store_consent_form(form_file) -> object | None:
    if form_file is None or not getattr(form_file, "filename", ""):
        return None
    return store_upload(form_file.stream, form_file.filename, kind="document",
                        max_bytes=current_app.config["MAX_UPLOAD_BYTES"], content_type=form_file.mimetype or "")


def create_audio_story(stream, filename: str, details: dict, consent: dict | None, reporter, *, actor=None,
                       source_kind: str = "audio", content_type: str = "", consent_form=None,
                       reviewed: bool = False, transcribe: bool = True) -> Story:
    """Store the sound file and a new story for it, then queue its transcription.

    Raises MediaError / StoryError; on failure nothing is saved.
    """
    actor = actor or reporter
    _check_details(details)
    try:
        media = store_upload(stream, filename, max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
                             content_type=content_type)
        form_media = _store_consent_form(consent_form)
        story = _new_story(details, reporter, source_kind=source_kind, source_filename=_display_name(filename))
        story.media = media
        story.duration_s = media.duration_s
        _add_consent(story, consent, actor, form_media)
        db.session.add(story)
        db.session.flush()  # the whole unit: record() alone would flush the story before its media
        record("story.created", story, actor=actor,
               summary=f"{source_kind} story added ({round(media.duration_s or 0)} s)",  # never its title: see audit/
               after={"consent": story.consent_scopes(), "role": story.storyteller_role})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if transcribe:
        start_transcription(story, actor, reviewed=reviewed)
    return story


def _display_name(filename: str) -> str:
    from werkzeug.utils import secure_filename

    return secure_filename(filename or "") or "upload"


def read_text_file(stream, filename: str) -> str:
    """The words of an uploaded .txt file (UTF-8, or Windows' usual encoding)."""
    if Path(filename or "").suffix.lower() not in TEXT_SUFFIXES:
        raise StoryError("Only .txt files can be added as typed stories.")
    data = stream.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        raise StoryError("This text file is too large for one story.")
    if b"\x00" in data:
        raise StoryError("This does not look like a text file.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StoryError("This text file could not be read.")


def split_paragraphs(text: str) -> list[str]:
    parts = [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n")]
    parts = [p for p in parts if p]
    if len(parts) == 1 and "\n" in text.strip():
        parts = [" ".join(p.split()) for p in text.splitlines() if p.strip()]
    return parts


def create_text_story(text: str, details: dict, consent: dict | None, reporter, *, actor=None, filename: str = "",
                      consent_form=None, kind: str = "typed") -> Story:
    """A typed (or .txt) story: no transcription; it counts as checked by whoever typed it."""
    actor = actor or reporter
    paragraphs = split_paragraphs(text or "")
    if not paragraphs:
        raise StoryError("The story has no words in it.")
    try:
        form_media = _store_consent_form(consent_form)
        story = _new_story(details, reporter, source_kind="text", source_filename=_display_name(filename) if filename else "")
        story.segments = [Segment(position=i, text=p) for i, p in enumerate(paragraphs)]
        story.status = "ready"
        story.reviewed_at = utcnow()
        story.reviewed_by_id = actor.id if actor else None
        _add_consent(story, consent, actor, form_media)
        db.session.add(story)
        db.session.flush()
        db.session.add(TranscriptVersion(story_id=story.id, number=1, kind="import", created_by_id=getattr(actor, "id", None),
                                         segments=[s.to_dict() for s in story.segments], note=kind))
        story.revision = 1
        record("story.created", story, actor=actor, summary="text story added",
               after={"consent": story.consent_scopes(), "role": story.storyteller_role})
        _hold_for_check(story)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    start_governance_check(story, actor)
    return story


# --- governance: redaction and safeguarding checks of new words -----------------------------

def _hold_for_check(story: Story) -> None:
    """Hold the story out of every use from the same commit that saves its words, until the check ran."""
    from governance.services import governance_for

    governance_for(story).scan_state = "pending"


def start_governance_check(story: Story, actor=None):
    """Queue redaction detection and safeguarding flags for words a person typed or edited
    (a recording's transcript is checked by the transcription job itself)."""
    from governance.services import start_scan
    from stories.alignment import ALIGN, needs_alignment

    if needs_alignment(story):  # edited words get real times first; that job then runs the check
        from jobs.services import start_job

        return start_job(ALIGN, story_id=story.id, user=actor)
    return start_scan(story, actor)


# --- transcription state -------------------------------------------------------------

def start_transcription(story: Story, actor=None, *, reviewed: bool = False):
    from jobs.services import start_job

    story.status = "queued"
    story.status_reason = ""
    record("story.transcription_queued", story, actor=actor, summary="queued for transcription")
    db.session.commit()
    return start_job(TRANSCRIBE, story_id=story.id, params={"reviewed": bool(reviewed)}, user=actor)


def latest_transcription(story: Story):
    from jobs.services import latest_job

    return latest_job(TRANSCRIBE, story_id=story.id)


def latest_transcriptions(story_ids) -> dict:
    """{story id: its latest transcription job} for many stories, in one query."""
    from sqlalchemy import func

    from jobs.models import Job

    if not story_ids:
        return {}
    latest = (select(func.max(Job.id)).where(Job.kind == TRANSCRIBE, Job.story_id.in_(list(story_ids)))
              .group_by(Job.story_id))
    return {job.story_id: job for job in db.session.scalars(select(Job).where(Job.id.in_(latest)))}


def retry_transcription(story: Story, actor) -> object:
    """Try again after a failed transcription."""
    from jobs.services import retry_job

    if story.status != "failed" or story.media is None:
        raise StoryError("Only a story that could not be typed up can be tried again.")
    job = latest_transcription(story)
    story.status = "queued"
    story.status_reason = ""
    record("story.transcription_retried", story, actor=actor, summary="transcription tried again")
    db.session.commit()
    if job is not None and job.status in ("failed", "cancelled"):
        return retry_job(job, user=actor)
    return start_transcription(story, actor)


def mark_reviewed(story: Story, actor) -> Story:
    """The transcript has been checked: the story moves on to analysis (if consent allows)."""
    if story.status not in ("needs_review", "ready"):
        raise StoryError("This story cannot be marked as checked yet: it has not been typed up.")
    if story.status == "ready":
        return story
    story.status = "ready"
    story.reviewed_at = utcnow()
    story.reviewed_by_id = actor.id
    record("story.reviewed", story, actor=actor, summary="transcript marked as checked",
           before={"status": "needs_review"}, after={"status": "ready"})
    db.session.commit()
    return story


