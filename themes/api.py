"""API: theme runs, their themes and passages; renaming themes and moving passages."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from core.access import allow
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


class RunSummarySchema(Schema):
    id = fields.Int()
    status = fields.Str()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    message = fields.Str()
    model = fields.Str()
    seeds = fields.List(fields.Dict())
    story_count = fields.Int()
    previous_run_id = fields.Int(allow_none=True)


class PassageSchema(Schema):
    id = fields.Int()
    story_id = fields.Int()
    start = fields.Float(allow_none=True)
    end = fields.Float(allow_none=True)
    text = fields.Str(allow_none=True)
    theme_id = fields.Int(allow_none=True)
    machine_theme_id = fields.Int(allow_none=True)
    moved_by_people = fields.Bool()
    pinned = fields.Bool()
    off_topic = fields.Bool()


class ThemeSchema(Schema):
    id = fields.Int()
    label = fields.Str()
    machine_label = fields.Str()
    description = fields.Str()
    keywords = fields.List(fields.Str())
    origin = fields.Str()
    seed_name = fields.Str()
    is_outlier = fields.Bool()
    version = fields.Int()
    story_ids = fields.List(fields.Int())
    passages = fields.List(fields.Nested(PassageSchema))


class RunDetailSchema(RunSummarySchema):
    settings = fields.Dict()
    story_ids = fields.List(fields.Int())
    themes = fields.List(fields.Nested(ThemeSchema))


class ThemePatchSchema(Schema):
    label = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=4000))
    reason = fields.Str(load_default="", validate=validate.Length(max=500))
    version = fields.Int(required=True)


class MoveSchema(Schema):
    theme_id = fields.Int(required=True)
    reason = fields.Str(load_default="", validate=validate.Length(max=500))


def _summary(run: ThemeRun, viewer) -> dict:
    return {"id": run.id, "status": run.status, "created_at": run.created_at, "finished_at": run.finished_at,
            "message": run.message, "model": run.model, "seeds": run.seeds or [],
            "story_count": len(set(run.story_ids or []) & viewer.analysable),
            "previous_run_id": run.previous_run_id}


def _passage(p: Passage, viewer) -> dict:
    return {"id": p.id, "story_id": p.story_id, "start": p.start, "end": p.end,
            "text": viewer.text(p), "theme_id": p.theme_id,
            "machine_theme_id": p.machine_theme_id, "moved_by_people": p.moved_by_people, "pinned": p.pinned,
            "off_topic": p.off_topic}


def _theme(card, viewer) -> dict:
    t = card.theme
    return {"id": t.id, "label": t.label, "machine_label": t.machine_label, "description": t.description,
            "keywords": t.keywords or [], "origin": t.origin, "seed_name": t.seed_name, "is_outlier": t.is_outlier,
            "version": t.version, "story_ids": sorted(card.story_ids),
            "passages": [_passage(p, viewer) for p in card.passages]}


@api_bp.route("/theme-runs")
@allow(*VIEWERS)
@api_bp.response(200, RunSummarySchema(many=True))
def list_runs():
    """Every theme run, newest first."""
    viewer = board.viewer_for(current_user)
    return [_summary(r, viewer) for r in services.list_runs()]


@api_bp.route("/theme-runs", methods=["POST"])
@allow(*SHAPERS)
@api_bp.arguments(RunRequestSchema)
@api_bp.response(202, RunStartedSchema)
def start_run(args):
    """Queue theme discovery (optionally with seed themes); returns the run and job ids."""
    try:
        run, job = services.queue_run(seeds=args["seeds"], min_stories=args["min_stories"], actor=current_user)
    except services.ThemeError as exc:
        abort(422, str(exc))
    return {"run_id": run.id, "job_id": job.id, "status": job.status}


@api_bp.route("/theme-runs/<int:run_id>")
@allow(*VIEWERS)
@api_bp.response(200, RunDetailSchema)
def get_run(run_id: int):
    """One run with its themes and their passages (text only where the caller may read it)."""
    run = db.session.get(ThemeRun, run_id)
    if run is None:
        abort(404)
    viewer = board.viewer_for(current_user)
    cards, _ = board.build_cards(run, viewer, with_codes=False) if run.status == "done" else ([], {})
    return {**_summary(run, viewer), "settings": run.settings or {},
            "story_ids": sorted(set(run.story_ids or []) & viewer.analysable),
            "themes": [_theme(c, viewer) for c in cards]}


@api_bp.route("/themes/<int:theme_id>", methods=["PATCH"])
@allow(*SHAPERS)
@api_bp.arguments(ThemePatchSchema)
@api_bp.response(200, ThemeSchema)
def patch_theme(args, theme_id: int):
    """Rename a theme or change its description; send the `version` you read (409 if it changed since)."""
    theme = db.session.get(Theme, theme_id)
    if theme is None:
        abort(404)
    try:
        services.rename_theme(theme, label=args.get("label", theme.label), description=args.get("description"),
                              expected_version=args["version"], actor=current_user, reason=args["reason"])
    except services.EditConflict as exc:
        abort(409, str(exc))
    except services.ThemeError as exc:
        abort(422, str(exc))
    viewer = board.viewer_for(current_user)
    cards, _ = board.build_cards(theme.run, viewer, with_codes=False)
    card = next((c for c in cards if c.theme.id == theme.id), None)
    return _theme(card, viewer)


@api_bp.route("/passages/<int:passage_id>/move", methods=["POST"])
@allow(*SHAPERS)
@api_bp.arguments(MoveSchema)
@api_bp.response(200, PassageSchema)
def move_passage(args, passage_id: int):
    """Move a passage to another theme of the same run (what drag-and-drop on the board calls)."""
    passage = db.session.get(Passage, passage_id)
    theme = db.session.get(Theme, args["theme_id"])
    if passage is None or theme is None:
        abort(404)
    viewer = board.viewer_for(current_user)
    if passage.story_id not in viewer.analysable:
        abort(404)
    try:
        services.move_passage(passage, theme, actor=current_user, reason=args["reason"])
    except services.ThemeError as exc:
        abort(422, str(exc))
    return _passage(db.session.scalar(select(Passage).where(Passage.id == passage_id)), viewer)
