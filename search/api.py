"""API: GET /api/v1/search — the same search, the same rules, as the search page."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import endpoint
from api.schemas import Int64
from search import services
from search.routes import SEARCHERS

api_bp = Blueprint("search_api", __name__, description="Full-text search over the words you may see")


class SearchArgs(Schema):
    q = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    theme_id = Int64(load_default=None)
    workshop_id = Int64(load_default=None)
    role = fields.Str(load_default=None)
    speaker = fields.Str(load_default=None, validate=validate.Length(max=40))
    date_from = fields.Date(load_default=None)
    date_to = fields.Date(load_default=None)
    page = fields.Int(load_default=1, validate=validate.Range(1, 10_000))
    per_page = fields.Int(load_default=services.PAGE_SIZE, validate=validate.Range(1, services.MAX_PAGE_SIZE))


class HitSchema(Schema):
    story_id = fields.Int()
    passage_id = fields.Int(allow_none=True)
    start = fields.Float(allow_none=True)
    end = fields.Float(allow_none=True)
    snippet = fields.Str(metadata={"description": "the words around the match, the match between [[ and ]]"})
    speaker = fields.Str()
    clip_url = fields.Str(allow_none=True, metadata={"description": "signed ten-minute URL of the redacted clip, "
                                                                    "only with quote consent"})


class ResultsSchema(Schema):
    items = fields.List(fields.Nested(HitSchema))
    total = fields.Int()


@endpoint(api_bp, "/search", *SEARCHERS, query=SearchArgs, gives=ResultsSchema)
def search(args):
    """Search the words of every story you may see (phrases in quotes, -word to leave out)."""
    from search.routes import _workshop_story_ids

    filters = services.Filters(theme_id=args["theme_id"], role=args["role"], speaker=args["speaker"],
                               story_ids=_workshop_story_ids(args["workshop_id"]),
                               date_from=args["date_from"], date_to=args["date_to"])
    try:
        results = services.search(current_user, args["q"], filters, page=args["page"], per_page=args["per_page"])
    except services.QueryError as exc:
        abort(422, str(exc))
    services.attach_passages(results.items)
    services.attach_clips(results.items)
    items = [{**item, "snippet": services.bracketed(item["snippet"])} for item in results.items]
    return {"items": items, "total": results.total}
