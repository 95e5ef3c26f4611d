"""Marshmallow schemas shared by the API blueprints."""
from marshmallow import Schema, fields


class UserSchema(Schema):
    id = fields.Int()
    email = fields.Str()
    name = fields.Str()
    roles = fields.List(fields.Str(), attribute="role_names")
    active = fields.Bool()


class JobSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    story_id = fields.Int(allow_none=True)
    subject_type = fields.Str()
    subject_id = fields.Int(allow_none=True)
    status = fields.Str()
    progress = fields.Int()
    message = fields.Str()
    error = fields.Str()
    attempts = fields.Int()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    eta_seconds = fields.Int(allow_none=True)


class ErrorSchema(Schema):
    code = fields.Int()
    status = fields.Str()
    message = fields.Str()
    errors = fields.Dict()
