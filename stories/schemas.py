"""The stories API's request and answer bodies (flask-smorest; the viewer-dependent fields through `viewed`)."""
from __future__ import annotations

from flask import url_for
from marshmallow import EXCLUDE, Schema, fields, missing, validate

from api.schemas import INT64_MAX, computed, context_value, viewed
from stories.models import CONSENT_METHODS, CONSENT_SCOPES, STORYTELLER_ROLES

INT64 = validate.Range(min=0, max=INT64_MAX)


class SegmentSchema(Schema):
    id = fields.Int()
    position = fields.Int()
    start = fields.Float(allow_none=True)
    end = fields.Float(allow_none=True)
    text = fields.Str()
    speaker = fields.Str()
    flags = fields.List(fields.Raw())
    words = fields.List(fields.Dict(), metadata={"description": "word timings; empty for the redacted words"})


class EnglishSegmentSchema(Schema):
    start = fields.Float(allow_none=True)
    end = fields.Float(allow_none=True)
    text = fields.Str()


class JobBriefSchema(Schema):
    id = fields.Int()
    status = fields.Str()
    progress = fields.Int()


def _title(viewer, story):
    from governance import policy

    return policy.shown_title(viewer, story)


def _file_name(viewer, story):
    from governance import policy

    return story.source_filename if policy.sees_file_name(viewer, story) else None


def _segments(viewer, story):
    from governance import policy

    if policy.sees_unredacted(viewer, story):
        return [s.to_dict() for s in story.segments]
    return [{"id": s.id, **red, "words": []} for s, red in zip(story.segments, policy.redacted_segments(story))]


def _english(viewer, story):
    from governance import policy

    return policy.shown_english(viewer, story)


def _job(viewer, story):
    """The story's latest transcription: from the context's `jobs` map when the view looked them up at once."""
    jobs = context_value("jobs")
    if jobs is not None:
        return jobs.get(story.id)
    from stories.services import latest_transcription

    return latest_transcription(story)


class StorySchema(Schema):
    id = fields.Int()
    title = viewed(fields.Str, _title)
    status = fields.Str()
    status_label = fields.Str()
    status_reason = fields.Str(allow_none=True)
    storyteller_role = fields.Str()
    source_kind = fields.Str()
    source_filename = viewed(fields.Str, _file_name, allow_none=True,
                             metadata={"description": "only for the story's reporter and admins"})
    duration_s = fields.Float(allow_none=True)
    language = fields.Str(allow_none=True)
    reporter_id = fields.Int(allow_none=True)
    consent = computed(fields.List, lambda s: s.consent_scopes(), fields.Str(),
                       metadata={"description": "consent scopes in force now"})
    revision = fields.Int()
    created_at = computed(fields.Str, lambda s: s.created_at.isoformat() + "Z", metadata={"format": "date-time"})
    recorded_on = fields.Date(allow_none=True)
    url = computed(fields.Str, lambda s: url_for("stories.show", story_id=s.id))
    job = viewed(fields.Nested, _job, JobBriefSchema, allow_none=True)


class StoryDetailSchema(StorySchema):
    segments = viewed(fields.List, _segments, fields.Nested(SegmentSchema),
                      metadata={"description": "unredacted only for the reporter, admins and the safeguarding lead"})
    english_segments = viewed(fields.List, _english, fields.Nested(EnglishSegmentSchema),
                              metadata={"description": "the redacted English version of a story told in another "
                                                       "language ([{start, end, text}]; empty otherwise)"})
    version = computed(fields.Int, lambda s: context_value("saved_version", missing),
                       metadata={"description": "after a transcript save: the new version's number"})


class StoryPageSchema(Schema):
    stories = fields.List(fields.Nested(StorySchema))
    page = fields.Int()
    per_page = fields.Int()
    total = fields.Int()
    next = fields.Str(allow_none=True)


class StoryQuerySchema(Schema):
    status = fields.Str(validate=validate.Length(max=40))
    reporter = fields.Str(validate=validate.Length(max=254), metadata={"description": "a reporter's id or email"})
    role = fields.Str(validate=validate.Length(max=40))
    page = fields.Int(load_default=1, validate=validate.Range(1, 100_000))
    per_page = fields.Int(load_default=50, validate=validate.Range(1, 200))


class StoryFormSchema(Schema):
    """The details fields of the Add a story page (multipart/form-data); checked by the page's own form."""

    title = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    storyteller_role = fields.Str(required=True, validate=validate.OneOf(list(STORYTELLER_ROLES)))
    storyteller_name = fields.Str(validate=validate.Length(max=120))
    recorded_on = fields.Date()
    language = fields.Str(metadata={"description": "a language the speech model knows, e.g. en"})
    notes = fields.Str(validate=validate.Length(max=5000))
    consent_scopes = fields.List(fields.Str(validate=validate.OneOf(list(CONSENT_SCOPES))))
    consent_method = fields.Str(validate=validate.OneOf(list(CONSENT_METHODS)))
    consent_clip_start = fields.Str(validate=validate.Length(max=12), metadata={"description": "minutes:seconds"})
    consent_clip_end = fields.Str(validate=validate.Length(max=12), metadata={"description": "minutes:seconds"})
    consent_form = fields.Raw(metadata={"type": "string", "format": "binary"})


class StoryUploadSchema(StoryFormSchema):
    audio = fields.List(fields.Raw(metadata={"type": "string", "format": "binary"}), required=True)


class SegmentEditSchema(Schema):
    id = fields.Int(required=True, validate=INT64)
    text = fields.Str()
    speaker = fields.Str(validate=validate.Length(max=40))


class TranscriptSaveSchema(Schema):
    revision = fields.Int(required=True, validate=INT64)
    segments = fields.List(fields.Nested(SegmentEditSchema), required=True)


class UploadStartSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    filename = fields.Str(load_default="recording.webm", validate=validate.Length(max=255))
    content_type = fields.Str(load_default="", validate=validate.Length(max=120))


class UploadSchema(Schema):
    id = fields.Str()
    filename = fields.Str()
    received = fields.Int(metadata={"description": "bytes held so far: send the next piece from here"})


class ChunkQuerySchema(Schema):
    offset = fields.Int(required=True, validate=INT64, metadata={"description": "must equal `received`"})


class FinishQuerySchema(Schema):
    kind = fields.Str(load_default="recording", validate=validate.OneOf(["recording", "audio"]))


CHUNK_BODY = {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                                     "format": "binary"}}}}
