"""API: stories (create by upload, list, read, edit the transcript) and resumable uploads.

Bodies and answers are the schemas in stories/schemas.py; what a viewer may see of a
story (title, file name, words) is worked out by those schemas' viewer fields. Story
details arrive as multipart form fields checked by the Add a story page's own form,
so the API and the page accept exactly the same things.
"""
from __future__ import annotations

from flask import request, url_for
from flask_login import current_user
from flask_smorest import Blueprint, abort
from werkzeug.datastructures import CombinedMultiDict

from api import endpoint
from api.schemas import use_context
from core.request import body_limit
from extensions import db
from stories import services, transcript, uploads
from stories.forms import RecordStoryForm, UploadStoryForm
from stories.media import MediaError
from stories.schemas import (CHUNK_BODY, ChunkQuerySchema, FinishQuerySchema, StoryDetailSchema, StoryFormSchema,
                             StoryPageSchema, StoryQuerySchema, StorySchema, StoryUploadSchema, TranscriptSaveSchema,
                             UploadSchema, UploadStartSchema)

api_bp = Blueprint("stories_api", __name__, description="Stories and their transcripts")

VIEWERS = ("reporter", "admin", "facilitator", "safeguarding_lead")
ADDERS = ("reporter", "admin")
MULTIPART = "multipart/form-data"


def _form(form_class):
    form = form_class(formdata=CombinedMultiDict([request.files, request.form]), meta={"csrf": False})
    if not form.validate():
        abort(422, message="Some details are missing or not right.", errors=form.errors)
    return form


def _reporter_id(reporter: str | None) -> int | None:
    if not reporter:
        return None
    if reporter.isdigit():
        return int(reporter) if len(reporter) < 19 else -1
    from accounts.services import get_user_by_email

    user = get_user_by_email(reporter)
    return user.id if user else -1


@endpoint(api_bp, "/stories", *VIEWERS, query=StoryQuerySchema, gives=StoryPageSchema)
def list_stories(args):
    """Stories you may see; filter with ?status=, ?reporter= (id or email), ?role=."""
    from sqlalchemy.orm import selectinload

    from stories.models import ConsentRecord, Story

    stmt = services.visible_stories(current_user, status=args.get("status"), reporter_id=_reporter_id(args.get("reporter")),
                                    role=args.get("role"))
    stmt = stmt.options(selectinload(Story.consents).selectinload(ConsentRecord.scope_rows))
    page = db.paginate(stmt, page=args["page"], per_page=args["per_page"], max_per_page=200, error_out=False)
    use_context(jobs=services.latest_transcriptions([s.id for s in page.items]))
    query = {k: v for k, v in request.args.items() if k != "page"}
    following = url_for("stories_api.list_stories", **query, page=page.next_num) if page.has_next else None
    body = {"stories": page.items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "next": following}
    return (body, 200, {"Link": f'<{following}>; rel="next"'}) if following else body


@endpoint(api_bp, "/stories", *ADDERS, method="POST", status=201, gives=StoryDetailSchema)
@api_bp.doc(requestBody={"required": True, "content": {MULTIPART: {"schema": StoryUploadSchema}}})
def create_story():
    """Create a story by uploading a sound file (multipart: `audio` plus the details fields)."""
    form = _form(UploadStoryForm)
    upload = next(f for f in form.audio.data if getattr(f, "filename", ""))
    try:
        return services.create_audio_story(upload.stream, upload.filename, form.details(), form.consent(), current_user,
                                           content_type=upload.mimetype or "", consent_form=form.consent_form.data)
    except (MediaError, services.StoryError) as exc:
        abort(exc.status, message=exc.message)


@endpoint(api_bp, "/stories/<int:story_id>", *VIEWERS, gives=StoryDetailSchema)
def get_story(story_id: int):
    """One story with its segments and word timings."""
    story = services.get_story(current_user, story_id)
    services.note_unredacted_view(current_user, story, "API")
    return story


@endpoint(api_bp, "/stories/<int:story_id>/transcript", *VIEWERS, method="PATCH", takes=TranscriptSaveSchema,
          gives=StoryDetailSchema)
def patch_transcript(data, story_id: int):
    """Edit segments: {"revision": N, "segments": [{"id", "text", "speaker"}]}; 409 if the revision is old."""
    story = services.get_story(current_user, story_id, edit=True)
    try:
        segments = services.check_transcript_save(data)
        version = transcript.save_transcript(story, segments, data["revision"], current_user)
    except services.StoryError as exc:
        abort(exc.status if exc.status >= 400 else 400, message=exc.message)
    use_context(saved_version=version.number)
    return story


# --- resumable uploads -------------------------------------------------------------------

@endpoint(api_bp, "/uploads", *ADDERS, method="POST", takes=UploadStartSchema, status=201, gives=UploadSchema)
def create_upload(data):
    """Start a resumable upload: {"filename", "content_type"} -> {id, received: 0}."""
    return uploads.create_session(current_user, data["filename"] or "recording.webm", data["content_type"])


@endpoint(api_bp, "/uploads/<upload_id>", *ADDERS, gives=UploadSchema)
def upload_status(upload_id: str):
    """How many bytes have arrived (carry on from there)."""
    session = uploads.get_session(current_user, upload_id)
    uploads.sync(session)  # a piece cut off half way by a crash is not counted
    return session


@endpoint(api_bp, "/uploads/<upload_id>", *ADDERS, method="PUT", query=ChunkQuerySchema, gives=UploadSchema)
@body_limit(None)  # each piece has its own bound (uploads.put_limit), answered with the bytes kept
@api_bp.doc(requestBody=CHUNK_BODY)
def upload_chunk(args, upload_id: str):
    """Send the next bytes; ?offset= must equal the bytes received so far (else 409 with `received`)."""
    session = uploads.get_session(current_user, upload_id)
    try:
        uploads.append_chunk(session, args["offset"], request.stream, request.content_length)
    except MediaError as exc:
        abort(exc.status, message=exc.message, received=session.received)
    return session


@endpoint(api_bp, "/uploads/<upload_id>", *ADDERS, method="DELETE", status=204)
def discard_upload(upload_id: str):
    """Throw away an upload (e.g. the reporter records again)."""
    uploads.discard(uploads.get_session(current_user, upload_id))


@endpoint(api_bp, "/uploads/<upload_id>/finish", *ADDERS, method="POST", query=FinishQuerySchema, status=201,
          gives=StorySchema)
@api_bp.doc(requestBody={"required": True, "content": {MULTIPART: {"schema": StoryFormSchema}}})
def finish_upload(args, upload_id: str):
    """Turn a finished upload into a story (form fields as for the Add a story page)."""
    session = uploads.get_session(current_user, upload_id)
    form = _form(RecordStoryForm)
    try:
        with uploads.open_plain(session) as stream:  # decrypted into DATA_DIR/tmp, deleted afterwards
            story = services.create_audio_story(stream, session.filename, form.details(), form.consent(), current_user,
                                                source_kind=args["kind"], content_type=session.content_type,
                                                consent_form=form.consent_form.data)
    except (MediaError, services.StoryError) as exc:
        abort(exc.status, message=exc.message)
    except FileNotFoundError:
        abort(404)
    uploads.discard(session)
    return story
