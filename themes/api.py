"""API: theme runs, their themes and passages; renaming themes and moving passages."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from api import endpoint
from api.schemas import UTCDateTime, computed, context_value, use_context
from core.errors import error_response
from extensions import db
from themes import board, services
from themes.models import Passage, Theme, ThemeRun

api_bp = Blueprint("themes_api", __name__, description="Theme runs and themes")

VIEWERS = ("reporter", "facilitator", "manager", "admin")
SHAPERS = ("facilitator", "admin")


class SeedSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    description = fields.Str(load_default="", validate=validate.Length(max=1000))


class RunRequestSchema(Schema):
    seeds = fields.List(fields.Nested(SeedSchema), load_default=list)
    min_stories = fields.Int(load_default=2, validate=validate.Range(1, 50))


class RunStartedSchema(Schema):
    run_id = fields.Int()
    job_id = fields.Int()
    status = fields.Str()


def theme_viewer():
    """What the viewer may see of the themes (themes.board.Viewer), from the schema context."""
    return context_value("theme_viewer") or board.viewer_for(current_user)


def _seen_story_ids(run: ThemeRun) -> list[int]:
    return sorted(set(run.story_ids or []) & theme_viewer().analysable)


class RunSummarySchema(Schema):
    id = fields.Int()
    status = fields.Str()
    created_at = UTCDateTime()
    finished_at = UTCDateTime(allow_none=True)
    message = fields.Str()
    model = fields.Str()
    seeds = computed(fields.List, lambda run: run.seeds or [], fields.Dict())
    story_count = computed(fields.Int, lambda run: len(_seen_story_ids(run)),
                           metadata={"description": "stories of the run you may see analysed"})
    previous_run_id = fields.Int(allow_none=True)


class PassageSchema(Schema):
    id = fields.Int()
    story_id = fields.Int()
    start = fields.Float(allow_none=True)
    end = fields.Float(allow_none=True)
    text = computed(fields.Str, lambda p: theme_viewer().text(p), allow_none=True,
                    metadata={"description": "redacted words, or null where you may not read them"})
    theme_id = fields.Int(allow_none=True)
    machine_theme_id = fields.Int(allow_none=True)
    moved_by_people = fields.Bool()
    pinned = fields.Bool()
    off_topic = fields.Bool()


class ThemeSchema(Schema):
    """A theme as its board card shows it (themes.board.Card: the theme, its live passages and stories)."""

    id = fields.Int(attribute="theme.id")
    label = fields.Str(attribute="theme.label")
    machine_label = fields.Str(attribute="theme.machine_label")
    description = fields.Str(attribute="theme.description")
    keywords = computed(fields.List, lambda card: card.theme.keywords or [], fields.Str())
    origin = fields.Str(attribute="theme.origin")
    seed_name = fields.Str(attribute="theme.seed_name")
    is_outlier = fields.Bool(attribute="theme.is_outlier")
    version = fields.Int(attribute="theme.version")
    story_ids = computed(fields.List, lambda card: sorted(card.story_ids), fields.Int())
    passages = fields.List(fields.Nested(PassageSchema))


class RunDetailSchema(RunSummarySchema):
    settings = computed(fields.Dict, lambda run: run.settings or {})
    story_ids = computed(fields.List, _seen_story_ids, fields.Int())
    themes = computed(fields.List, lambda run: context_value("cards", []), fields.Nested(ThemeSchema))


class ThemePatchSchema(Schema):
    label = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=4000))
    reason = fields.Str(load_default="", validate=validate.Length(max=500))
    version = fields.Int(required=True)


class MoveSchema(Schema):
    theme_id = fields.Int(required=True)
    reason = fields.Str(load_default="", validate=validate.Length(max=500))


@endpoint(api_bp, "/theme-runs", *VIEWERS, gives=RunSummarySchema(many=True))
def list_runs():
    """Every theme run, newest first."""
    use_context(theme_viewer=board.viewer_for(current_user))
    return services.list_runs()


@api_bp.errorhandler(services.ThemeError)
def _refused(exc: services.ThemeError):
    """A theme rule said no: 409 for an edit overtaken by another person's, 422 otherwise."""
    return error_response(409 if isinstance(exc, services.EditConflict) else 422, str(exc))


@endpoint(api_bp, "/theme-runs", *SHAPERS, method="POST", takes=RunRequestSchema, status=202, gives=RunStartedSchema)
def start_run(args):
    """Queue theme discovery (optionally with seed themes); returns the run and job ids."""
    run, job = services.queue_run(seeds=args["seeds"], min_stories=args["min_stories"], actor=current_user)
    return {"run_id": run.id, "job_id": job.id, "status": job.status}


@endpoint(api_bp, "/theme-runs/<int:run_id>", *VIEWERS, gives=RunDetailSchema)
def get_run(run_id: int):
    """One run with its themes and their passages (text only where the caller may read it)."""
    run = db.get_or_404(ThemeRun, run_id)
    viewer = board.viewer_for(current_user)
    cards, _ = board.build_cards(run, viewer, with_codes=False) if run.status == "done" else ([], {})
    use_context(theme_viewer=viewer, cards=cards)
    return run


@endpoint(api_bp, "/themes/<int:theme_id>", *SHAPERS, method="PATCH", takes=ThemePatchSchema, gives=ThemeSchema)
def patch_theme(args, theme_id: int):
    """Rename a theme or change its description; send the `version` you read (409 if it changed since)."""
    theme = db.get_or_404(Theme, theme_id)
    services.rename_theme(theme, label=args.get("label", theme.label), description=args.get("description"),
                          expected_version=args["version"], actor=current_user, reason=args["reason"])
    viewer = board.viewer_for(current_user)
    cards, _ = board.build_cards(theme.run, viewer, with_codes=False)
    use_context(theme_viewer=viewer)
    return next((c for c in cards if c.theme.id == theme.id), board.Card(theme))


@endpoint(api_bp, "/passages/<int:passage_id>/move", *SHAPERS, method="POST", takes=MoveSchema, gives=PassageSchema)
def move_passage(args, passage_id: int):
    """Move a passage to another theme of the same run (what drag-and-drop on the board calls)."""
    passage = db.session.get(Passage, passage_id)
    theme = db.session.get(Theme, args["theme_id"])
    if passage is None or theme is None:
        abort(404)
    viewer = board.viewer_for(current_user)
    if passage.story_id not in viewer.analysable:
        abort(404)
    services.move_passage(passage, theme, actor=current_user, reason=args["reason"])
    use_context(theme_viewer=viewer)
    return db.session.scalar(select(Passage).where(Passage.id == passage_id))
