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


def _workshop_story_ids(workshop_id: int | None) -> set | None:
    """The stories of a workshop (those still with workshop consent), for the workshop filter."""
    if not workshop_id:
        return None
    from extensions import db
    from workshops.models import Workshop
    from workshops.planning import workshop_stories

    workshop = db.session.get(Workshop, workshop_id)
    return {s.id for s in workshop_stories(workshop)} if workshop else set()


def workshops_list() -> list:
    from extensions import db
    from workshops.models import Workshop

    return db.session.scalars(db.select(Workshop).order_by(Workshop.date.desc(), Workshop.id.desc())).all()


def filters_from(args, errors: list) -> services.Filters:
    role = args.get("role") or None
    if role and role not in STORYTELLER_ROLES:
        errors.append("Choose a storyteller from the list.")
        role = None
    return services.Filters(theme_id=_int(args.get("theme_id")), role=role, speaker=args.get("speaker") or None,
                            story_ids=_workshop_story_ids(_int(args.get("workshop_id"))),
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
                           workshops=workshops_list() if current_user.has_role("facilitator", "admin") else [],
                           workshop_id=_int(request.args.get("workshop_id")),
                           marked=services.marked, page=_int(request.args.get("page")) or 1,
                           page_size=services.PAGE_SIZE)


@bp.route("/search/seed", methods=["POST"])
@allow("facilitator", "admin")
def save_as_seed():
    """Keep this search as a seed theme: find themes again with it (and the last run's seeds) as candidates."""
    from flask import flash, redirect, url_for

    from themes import services as themes

    text = " ".join((request.form.get("q") or "").split())[:200]
    try:
        parsed = services.parse(text)
    except services.QueryError as exc:
        flash(str(exc), "error")
        return redirect(url_for("search.search_page"))
    name = (request.form.get("name") or "").strip()[:200] or " ".join(parsed.include).capitalize()
    last = themes.latest_run()
    seeds = [s for s in (last.seeds if last else []) if s.get("name", "").lower() != name.lower()]
    seeds.append({"name": name, "description": f"What people said about {' or '.join(parsed.include)}"})
    try:
        themes.queue_run(seeds=seeds, min_stories=(last.settings or {}).get("min_stories", 2) if last else 2,
                         actor=current_user)
    except themes.ThemeError as exc:
        flash(str(exc), "error")
        return redirect(url_for("search.search_page", q=text))
    flash(f"“{name}” is a seed theme now: the themes are being found again with it.", "info")
    return redirect(url_for("themes.board"))
