"""Marshmallow schemas shared by the API blueprints.

Fields that depend on who is asking read the viewer from the schema context
(`with SchemaContext({"viewer": user}): JobSchema().dump(job)`), which
defaults to the signed-in user of the request; never from hand-built dicts.
"""
from flask import has_request_context
from marshmallow import Schema, fields
from marshmallow.experimental.context import Context

SchemaContext = Context[dict]


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
    errors = fields.Dict()


def current_viewer():
    """The user the fields are dumped for: the schema context's viewer, else the signed-in user."""
    viewer = SchemaContext.get({}).get("viewer")
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
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    eta_seconds = fields.Method("_eta", allow_none=True)

    def _eta(self, job):
        return job.eta_seconds()

    def _error_detail(self, job):
        viewer = current_viewer()
        if viewer is not None and viewer.has_role("admin"):
            return job.error_detail or None
        return None
