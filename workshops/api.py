"""API: workshops and design actions (field names fixed by the issue)."""
from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import EXCLUDE, Schema, fields, validate

from api import endpoint
from api.schemas import Int64, UTCDateTime
from core.errors import error_response
from extensions import db
from workshops import actions as action_rules
from workshops import dashboard, errors, planning
from workshops.models import ACTION_STATUSES, DesignAction, Workshop

api_bp = Blueprint("workshops_api", __name__, description="Workshops and design actions")


class WorkshopIn(Schema):
    class Meta:
        unknown = EXCLUDE

    title = fields.Str(required=True)
    date = fields.Date(load_default=None, allow_none=True)
    place = fields.Str(load_default="")
    purpose = fields.Str(load_default="")
    attendees = fields.List(fields.Str(), load_default=list)
    theme_run_id = fields.Int(required=True)
    theme_ids = fields.List(fields.Int(), required=True)
    story_ids = fields.List(fields.Int(), required=True)
    prompts = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()), load_default=dict)


class WorkshopOut(Schema):
    id = fields.Int()
    title = fields.Str()
    date = fields.Date(allow_none=True)
    place = fields.Str()
    purpose = fields.Str()
    attendees = fields.List(fields.Str())
    theme_run_id = fields.Int(allow_none=True)
    theme_ids = fields.List(fields.Int())
    story_ids = fields.List(fields.Int())
    prompts = fields.Method("get_prompts")
    version = fields.Int()

    def get_prompts(self, workshop):
        return {str(t.theme_id): list(t.prompts or []) for t in workshop.themes}


class ActionIn(Schema):
    class Meta:
        unknown = EXCLUDE

    title = fields.Str(required=True)
    description = fields.Str(load_default="")
    workshop_id = fields.Int(load_default=None, allow_none=True)
    owner = fields.Str(load_default="")
    due_date = fields.Date(load_default=None, allow_none=True)
    status = fields.Str(load_default="proposed", validate=validate.OneOf(list(ACTION_STATUSES)))
    status_reason = fields.Str(load_default="")
    proposed_by = fields.Str(load_default="")
    disagreement = fields.Str(load_default="")
    theme_ids = fields.List(fields.Int(), load_default=list)
    story_ids = fields.List(fields.Int(), load_default=list)
    quotes = fields.List(fields.Int(), load_default=list)
    chosen = fields.List(fields.Int(), load_default=list)  # quotes people chose (themes' Quote ids)


class ActionPatch(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.Str(load_default=None, validate=validate.OneOf(list(ACTION_STATUSES)))
    comment = fields.Str(load_default="")
    version = fields.Int(load_default=None, allow_none=True)


class ActionQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.Str(load_default=None, validate=validate.OneOf(list(ACTION_STATUSES)))
    theme_id = Int64(load_default=None)
    owner = fields.Str(load_default=None)
    workshop_id = Int64(load_default=None)
    due = fields.Str(load_default=None, validate=validate.OneOf(["overdue", "soon", "none"]))


class UpdateOut(Schema):
    at = UTCDateTime()
    author = fields.Str(attribute="author_label")
    kind = fields.Str()
    from_status = fields.Str()
    to_status = fields.Str()
    comment = fields.Str()


class ActionOut(Schema):
    id = fields.Int()
    title = fields.Str()
    description = fields.Str()
    workshop_id = fields.Int(allow_none=True)
    owner = fields.Str()
    due_date = fields.Date(allow_none=True)
    status = fields.Str()
    status_reason = fields.Str()
    proposed_by = fields.Str()
    disagreement = fields.Str()
    overdue = fields.Bool(attribute="is_overdue")
    theme_ids = fields.List(fields.Int())
    story_ids = fields.List(fields.Int())
    quotes = fields.List(fields.Int(), attribute="quote_ids")
    chosen = fields.List(fields.Int(), attribute="chosen_quote_ids")
    version = fields.Int()
    updates = fields.List(fields.Nested(UpdateOut))


@api_bp.errorhandler(errors.WorkshopError)
@api_bp.errorhandler(errors.NotAllowed)
def _refused(exc: Exception):
    """A workshop rule said no: 409 for an edit overtaken by another, 403 for a person not allowed, else 422."""
    code = 409 if isinstance(exc, errors.EditConflict) else 403 if isinstance(exc, errors.NotAllowed) else 422
    return error_response(code, str(exc))


@endpoint(api_bp, "/workshops", "facilitator", "admin", method="POST", takes=WorkshopIn, status=201, gives=WorkshopOut)
def create_workshop(data):
    """Create a workshop from a theme run: its themes, stories (workshop consent only) and prompts."""
    return planning.create_workshop(data, actor=current_user)


@endpoint(api_bp, "/workshops/<int:workshop_id>", "facilitator", "admin", gives=WorkshopOut)
def get_workshop(workshop_id: int):
    """One workshop."""
    return db.get_or_404(Workshop, workshop_id)


@endpoint(api_bp, "/actions", "facilitator", "admin", method="POST", takes=ActionIn, status=201, gives=ActionOut)
def create_action(data):
    """Record a design action with the themes, stories and quotes (passage ids) it rests on."""
    return action_rules.create_action(data, actor=current_user)


@endpoint(api_bp, "/actions", "manager", "facilitator", "admin", query=ActionQuery, gives=ActionOut(many=True))
def list_actions(query):
    """Design actions, filtered by status, theme_id, owner, workshop_id or due (overdue|soon|none)."""
    return db.session.scalars(dashboard.filter_actions(**query)).all()


@endpoint(api_bp, "/actions/<int:action_id>", "manager", "facilitator", "admin", gives=ActionOut)
def get_action(action_id: int):
    """One design action with its timeline."""
    return db.get_or_404(DesignAction, action_id)


@endpoint(api_bp, "/actions/<int:action_id>", "manager", "facilitator", "admin", method="PATCH", takes=ActionPatch,
          gives=ActionOut)
def patch_action(data, action_id: int):
    """Change the status with a comment (facilitators, admins), or add a comment (managers too).

    Send `version` to guard against overwriting someone else's change (409 if it moved on).
    """
    action = db.get_or_404(DesignAction, action_id)
    action_rules.add_update(action, actor=current_user, comment=data.get("comment") or "",
                            status=data.get("status"), expected_version=data.get("version"))
    return action
