"""The search page: a box, filters, hits with the match marked and a play button."""
from __future__ import annotations

from datetime import date

from flask import render_template, request
from flask_login import current_user

from core.access import allow
from search import bp, services
from stories.models import STORYTELLER_ROLES

SEARCHERS = ("reporter", "facilitator", "manager", "safeguarding_lead", "admin")


def _date(value: str | None, errors: list, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors.append(f"The {label} date must look like 2026-03-31.")
        return None


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def filters_from(args, errors: list) -> services.Filters:
    role = args.get("role") or None
    if role and role not in STORYTELLER_ROLES:
        errors.append("Choose a storyteller from the list.")
        role = None
    return services.Filters(theme_id=_int(args.get("theme_id")), role=role, speaker=args.get("speaker") or None,
                            date_from=_date(args.get("date_from"), errors, "'from'"),
                            date_to=_date(args.get("date_to"), errors, "'to'"))


@bp.route("/search")
@allow(*SEARCHERS)
def search_page():
    """Search every story's words you may see; an empty box shows the page with its help."""
    from themes.evidence import themes_of_run

    text = (request.args.get("q") or "").strip()
    errors: list[str] = []
    filters = filters_from(request.args, errors)
    results = None
    if text and not errors:
        try:
            results = services.search(current_user, text, filters, page=_int(request.args.get("page")) or 1)
        except services.QueryError as exc:
            errors.append(str(exc))
        else:
            services.attach_passages(results.items)
            services.attach_clips(results.items)
    return render_template("search/index.html", text=text, filters=filters, results=results, errors=errors,
                           roles=STORYTELLER_ROLES, themes=themes_of_run(), speakers=services.speakers(),
                           marked=services.marked, page=_int(request.args.get("page")) or 1,
                           page_size=services.PAGE_SIZE)
