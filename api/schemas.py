"""Marshmallow schemas shared by the API blueprints.

Fields that depend on who is asking read the viewer from the schema context
(`with SchemaContext({"viewer": user}): JobSchema().dump(job)`), which
defaults to the signed-in user of the request; never from hand-built dicts.
A view whose answer flask-smorest dumps after the view returns puts what the
fields need for this request with `use_context(key=value)` (kept on `flask.g`,
so it ends with the request); `context_value(key)` reads either.

`ErrorSchema` is the body of every error answer and the one error schema the
OpenAPI document declares on every operation (`extensions.StoryloomApi`).
"""
from datetime import timezone

from flask import g, has_request_context
from marshmallow import Schema, fields, validate
from marshmallow.experimental.context import Context

SchemaContext = Context[dict]


def use_context(**values) -> None:
    """Context for the schemas dumping this request's answer (ends with the request)."""
    g.api_schema_context = {**g.get("api_schema_context", {}), **values}


def context_value(key: str, default=None):
    """A value from the schema context, else from `use_context` for this request."""
    context = SchemaContext.get({})
    if key in context:
        return context[key]
    if has_request_context():
        return g.get("api_schema_context", {}).get(key, default)
    return default


INT64_MAX = 2 ** 63 - 1


class Int64(fields.Integer):
    """An integer a 64-bit column can hold (a query string can carry any number of digits)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validate", validate.Range(-INT64_MAX, INT64_MAX))
        super().__init__(*args, **kwargs)


class UTCDateTime(fields.DateTime):
    """A moment as RFC 3339 with its offset: the database keeps naive UTC, OpenAPI's date-time needs the zone."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class UserSchema(Schema):
    id = fields.Int()
    email = fields.Str()
    name = fields.Str()
    roles = fields.List(fields.Str(), attribute="role_names")
    active = fields.Bool()


class ErrorSchema(Schema):
    """The body of every error answer (core/errors.py)."""

    code = fields.Int(required=True)
    status = fields.Str(required=True)
    message = fields.Str(required=True)
    errors = fields.Dict(metadata={"description": "What was wrong with each field, by location and field name"})
    received = fields.Int(metadata={"description": "Resumable uploads: the bytes the server holds; carry on from there"})


def current_viewer():
    """The user the fields are dumped for: the schema context's viewer, else the signed-in user."""
    viewer = context_value("viewer")
    if viewer is None and has_request_context():
        from flask_login import current_user

        viewer = current_user if current_user.is_authenticated else None
    return viewer


class JobSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    story_id = fields.Int(allow_none=True)
    subject_type = fields.Str()
    subject_id = fields.Int(allow_none=True)
    status = fields.Str()
    progress = fields.Int()
    message = fields.Str()
    error = fields.Str(metadata={"description": "What went wrong, in plain words."})
    error_detail = fields.Method("_error_detail", allow_none=True,
                                 metadata={"description": "Technical detail; admins only, otherwise null."})
    attempts = fields.Int()
    created_at = UTCDateTime()
    started_at = UTCDateTime(allow_none=True)
    finished_at = UTCDateTime(allow_none=True)
    eta_seconds = fields.Method("_eta", allow_none=True)

    def _eta(self, job):
        return job.eta_seconds()

    def _error_detail(self, job):
        viewer = current_viewer()
        if viewer is not None and viewer.has_role("admin"):
            return job.error_detail or None
        return None



def computed(field_class: type[fields.Field], getter, *args, **kwargs) -> fields.Field:
    """A field of `field_class` whose value is `getter(obj)` (documented like any field of that class)."""

    class ComputedField(field_class):
        def get_value(self, obj, attr, accessor=None, default=None):
            return getter(obj)

    ComputedField.__name__ = f"Computed{field_class.__name__}"
    return ComputedField(*args, **kwargs)


def viewed(field_class: type[fields.Field], shown, *args, **kwargs) -> fields.Field:
    """A field whose value is `shown(viewer, obj)`: what the viewer (`current_viewer()`) may see of `obj`."""
    return computed(field_class, lambda obj: shown(current_viewer(), obj), *args, **kwargs)
