"""API: stories (create by upload, list, read, edit the transcript) and resumable uploads."""
from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.datastructures import CombinedMultiDict

from core.access import allow
from extensions import db
from stories import services, transcript, uploads
from stories.forms import RecordStoryForm, UploadStoryForm
from stories.media import MediaError

api_bp = Blueprint("stories_api", __name__, description="Stories and their transcripts")

VIEWERS = ("reporter", "admin", "facilitator", "safeguarding_lead")
ADDERS = ("reporter", "admin")


_LOOK_UP = object()


def story_dict(story, *, with_segments: bool = False, job=_LOOK_UP) -> dict:
    from governance import policy
    from governance.policy import redacted_segments

    job = services.latest_transcription(story) if job is _LOOK_UP else job
    data = {
        "id": story.id, "title": policy.shown_title(current_user, story), "status": story.status, "status_label": story.status_label,
        "status_reason": story.status_reason, "storyteller_role": story.storyteller_role,
        "source_kind": story.source_kind,
        "source_filename": story.source_filename if policy.sees_file_name(current_user, story) else None, "duration_s": story.duration_s,
        "language": story.language, "reporter_id": story.reporter_id, "consent": story.consent_scopes(),
        "revision": story.revision, "created_at": story.created_at.isoformat() + "Z",
        "recorded_on": story.recorded_on.isoformat() if story.recorded_on else None,
        "url": url_for("stories.show", story_id=story.id),
        "job": {"id": job.id, "status": job.status, "progress": job.progress} if job else None,
    }
    if with_segments:
        if policy.sees_unredacted(current_user, story):
            data["segments"] = [s.to_dict() for s in story.segments]
        else:
            data["segments"] = [{"id": s.id, **red, "words": []} for s, red in zip(story.segments, redacted_segments(story))]
    return data


def _problem(message: str, status: int, errors: dict | None = None):
    body = {"code": status, "message": message}
    if errors:
        body["errors"] = errors
    return jsonify(body), status


def _form(form_class):
    return form_class(formdata=CombinedMultiDict([request.files, request.form]), meta={"csrf": False})


@api_bp.route("/stories", methods=["GET"])
@allow(*VIEWERS)
def list_stories():
    """Stories you may see; filter with ?status=, ?reporter= (id or email), ?role=."""
    reporter = request.args.get("reporter")
    reporter_id = None
    if reporter:
        if reporter.isdigit():
            reporter_id = int(reporter)
        else:
            from accounts.services import get_user_by_email

            user = get_user_by_email(reporter)
            reporter_id = user.id if user else -1
    stmt = services.visible_stories(current_user, status=request.args.get("status"), reporter_id=reporter_id,
                                    role=request.args.get("role"))
    from sqlalchemy.orm import selectinload

    from stories.models import ConsentRecord, Story

    stmt = stmt.options(selectinload(Story.consents).selectinload(ConsentRecord.scope_rows))
    page = db.paginate(stmt, per_page=50, max_per_page=200, error_out=False)
    jobs = services.latest_transcriptions([s.id for s in page.items])
    args = {k: v for k, v in request.args.items() if k != "page"}
    following = url_for("stories_api.list_stories", **args, page=page.next_num) if page.has_next else None
    response = jsonify({
        "stories": [story_dict(s, job=jobs.get(s.id)) for s in page.items],
        "page": page.page, "per_page": page.per_page, "total": page.total, "next": following,
    })
    if following:
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response


@api_bp.route("/stories", methods=["POST"])
@allow(*ADDERS)
def create_story():
    """Create a story by uploading a sound file (multipart: `audio` plus the details fields)."""
    form = _form(UploadStoryForm)
    if not form.validate():
        return _problem("Some details are missing or not right.", 422, form.errors)
    upload = next(f for f in form.audio.data if getattr(f, "filename", ""))
    try:
        story = services.create_audio_story(upload.stream, upload.filename, form.details(), form.consent(), current_user,
                                            content_type=upload.mimetype or "", consent_form=form.consent_form.data)
    except (MediaError, services.StoryError) as exc:
        return _problem(exc.message, exc.status)
    return jsonify(story_dict(story, with_segments=True)), 201


@api_bp.route("/stories/<int:story_id>", methods=["GET"])
@allow(*VIEWERS)
def get_story(story_id: int):
    """One story with its segments and word timings."""
    story = services.get_story(current_user, story_id)
    body = story_dict(story, with_segments=True)
    services.note_unredacted_view(current_user, story, "API")
    return jsonify(body)


@api_bp.route("/stories/<int:story_id>/transcript", methods=["PATCH"])
@allow(*VIEWERS)
def patch_transcript(story_id: int):
    """Edit segments: {"revision": N, "segments": [{"id", "text", "speaker"}]}; 409 if the revision is old."""
    story = services.get_story(current_user, story_id, edit=True)
    data = request.get_json(silent=True)
    try:
        segments = services.check_transcript_save(data)
        version = transcript.save_transcript(story, segments, data.get("revision", -1), current_user)
    except services.StoryError as exc:
        return _problem(exc.message, exc.status if exc.status >= 400 else 400)
    except (TypeError, ValueError):
        return _problem("Something in those segments was not right.", 400)
    body = story_dict(story, with_segments=True)
    body["version"] = version.number
    return jsonify(body)


# --- resumable uploads -------------------------------------------------------------------

@api_bp.route("/uploads", methods=["POST"])
@allow(*ADDERS)
def create_upload():
    """Start a resumable upload: {"filename", "content_type"} -> {id, received: 0}."""
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        return _problem("Send a JSON object: {\"filename\": …, \"content_type\": …}.", 422)
    session = uploads.create_session(current_user, str(data.get("filename") or "recording.webm"),
                                     str(data.get("content_type") or ""))
    return jsonify(session.to_dict()), 201


@api_bp.route("/uploads/<upload_id>", methods=["GET"])
@allow(*ADDERS)
def upload_status(upload_id: str):
    """How many bytes have arrived (carry on from there)."""
    session = uploads.get_session(current_user, upload_id)
    uploads.sync(session)  # a piece cut off half way by a crash is not counted
    return jsonify(session.to_dict())


@api_bp.route("/uploads/<upload_id>", methods=["PUT"])
@allow(*ADDERS)
def upload_chunk(upload_id: str):
    """Send the next bytes; ?offset= must equal the bytes received so far (else 409 with `received`)."""
    session = uploads.get_session(current_user, upload_id)
    offset = request.args.get("offset", type=int)
    if offset is None:
        return _problem("Say where this piece starts with ?offset=.", 400)
    try:
        received = uploads.append_chunk(session, offset, request.stream, request.content_length)
    except MediaError as exc:
        return jsonify({"code": exc.status, "message": exc.message, "received": session.received}), exc.status
    return jsonify({"id": session.id, "received": received})


@api_bp.route("/uploads/<upload_id>", methods=["DELETE"])
@allow(*ADDERS)
def discard_upload(upload_id: str):
    """Throw away an upload (e.g. the reporter records again)."""
    uploads.discard(uploads.get_session(current_user, upload_id))
    return "", 204


@api_bp.route("/uploads/<upload_id>/finish", methods=["POST"])
@allow(*ADDERS)
def finish_upload(upload_id: str):
    """Turn a finished upload into a story (form fields as for the Add a story page)."""
    session = uploads.get_session(current_user, upload_id)
    form = _form(RecordStoryForm)
    if not form.validate():
        return _problem("Some details are missing or not right.", 422, form.errors)
    kind = "recording" if request.args.get("kind", "recording") == "recording" else "audio"
    try:
        with uploads.open_plain(session) as stream:  # decrypted into DATA_DIR/tmp, deleted afterwards
            story = services.create_audio_story(stream, session.filename, form.details(), form.consent(), current_user,
                                                source_kind=kind, content_type=session.content_type,
                                                consent_form=form.consent_form.data)
    except (MediaError, services.StoryError) as exc:
        return _problem(exc.message, exc.status)
    except FileNotFoundError:
        abort(404)
    uploads.discard(session)
    return jsonify(story_dict(story)), 201
