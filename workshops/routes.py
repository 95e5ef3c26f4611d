"""Workshop pages: plan, present, pack; design actions and the managers' dashboard.

Rules live in planning, packs, actions, evidence and dashboard; these views parse, call one, render.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import (Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from config import PALETTE, ROLE_COLOURS
from core.access import PUBLIC, allow
from core.pagecache import cached_page
from extensions import db
from governance.policy import may, redacted_title
from themes import read as theme_read
from workshops import actions as action_rules
from workshops import bp, clips, dashboard, errors, evidence, packs, planning
from workshops.forms import ActionForm, PackForm, UpdateForm, WorkshopForm
from workshops.models import ACTION_STATUSES, DEFAULT_PROMPTS, DesignAction, Workshop

STAFF = ("facilitator", "admin")
FOLLOWERS = ("manager", "facilitator", "admin")


@bp.app_context_processor
def _story_outcomes_helper():
    """templates/workshops/_story_outcomes.html is included by the story page; it calls this."""
    return {"workshop_story_outcomes": evidence.story_outcomes}


# --- workshops -------------------------------------------------------------------------------

@bp.route("/workshops")
@allow(*STAFF)
def index():
    """All workshops, newest first."""
    return render_template("workshops/index.html", workshops=planning.list_workshops(), runs=theme_read.list_runs())


def _workshop_choices(form: WorkshopForm, run):
    themes = theme_read.run_themes(run)
    stories = planning.eligible_stories(run)
    form.theme_ids.choices = [(t.id, t.label) for t in themes]
    form.story_ids.choices = [(s.id, f"{redacted_title(s)} ({s.role_label})") for s in stories]
    return themes, stories


def _workshop_data(form: WorkshopForm, themes) -> dict:
    prompts = {t.id: request.form.get(f"prompts-{t.id}", "") for t in themes if f"prompts-{t.id}" in request.form}
    return {"title": form.title.data, "date": form.date.data, "place": form.place.data,
            "purpose": form.purpose.data, "attendees": form.attendees.data or "",
            "theme_run_id": int(form.theme_run_id.data or 0) or None, "theme_ids": form.theme_ids.data or [],
            "story_ids": form.story_ids.data or [], "prompts": prompts}


def _edit_workshop(workshop: Workshop | None):
    from themes.models import ThemeRun

    form = WorkshopForm(obj=workshop) if workshop is not None and request.method == "GET" else WorkshopForm()
    run_id = request.values.get("theme_run_id", type=int) or request.args.get("run_id", type=int) \
        or (workshop.theme_run_id if workshop else None)
    run = db.session.get(ThemeRun, run_id) if run_id else None
    if run is None:
        if workshop is None:
            return render_template("workshops/choose_run.html", runs=theme_read.list_runs())
        abort(404)
    themes, stories = _workshop_choices(form, run)
    form.theme_run_id.data = str(run.id)
    if request.method == "GET":
        if workshop is not None:
            form.attendees.data = "\n".join(workshop.attendees or [])
            form.theme_ids.data = workshop.theme_ids
            form.story_ids.data = workshop.story_ids
            form.version.data = str(workshop.version)
        else:
            form.theme_ids.data = [t.id for t in themes]
            form.story_ids.data = [s.id for s in stories]
    prompts = {t.id: (request.form.get(f"prompts-{t.id}") if request.method == "POST" else None) for t in themes}
    for t in themes:
        if prompts[t.id] is None:
            given = workshop.prompts_for(t.id) if workshop is not None else []
            prompts[t.id] = "\n".join(given or DEFAULT_PROMPTS)
    status = 200
    if form.validate_on_submit():
        data = _workshop_data(form, themes)
        try:
            if workshop is None:
                workshop = planning.create_workshop(data, actor=current_user)
                flash("The workshop is planned. You can present it or download its pack.", "success")
            else:
                planning.update_workshop(workshop, data, expected_version=form.version.data or None,
                                         actor=current_user)
                flash("Workshop saved. The pack will be rebuilt with the new contents.", "success")
            return redirect(url_for("workshops.show", workshop_id=workshop.id))
        except errors.WorkshopError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            status = 409 if isinstance(exc, errors.EditConflict) else 400
    elif request.method == "POST":
        status = 400
    prevalences = {t.id: theme_read.prevalence(t) for t in themes}
    return render_template("workshops/form.html", form=form, workshop=workshop, run=run, themes=themes,
                           stories=stories, prompts=prompts, prevalences=prevalences), status


@bp.route("/workshops/new", methods=["GET", "POST"])
@allow(*STAFF)
def new():
    """Plan a workshop: first choose a theme run, then its themes, stories and prompts."""
    return _edit_workshop(None)


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit(workshop_id: int):
    """Change a workshop's details, themes, stories or prompts."""
    return _edit_workshop(db.get_or_404(Workshop, workshop_id))


@bp.route("/workshops/<int:workshop_id>")
@allow(*STAFF)
def show(workshop_id: int):
    """A workshop: its plan, its pack and the actions decided in it."""
    workshop = db.get_or_404(Workshop, workshop_id)
    stories = planning.workshop_stories(workshop)
    dropped = len(set(workshop.story_ids) - {s.id for s in stories})
    pack = packs.servable_pack(workshop)
    job = packs.pack_job(workshop)
    if job is not None and (pack is not None and job.id == pack.job_id):
        job = None
    return render_template("workshops/show.html", workshop=workshop, stories=stories, dropped=dropped,
                           themes=planning.workshop_themes(workshop), pack=pack, job=job, form=PackForm())


@bp.route("/workshops/<int:workshop_id>/present")
@allow(*STAFF)
def present(workshop_id: int):
    """Present mode: one theme per screen, large type, keyboard or clicker; works offline once loaded."""
    workshop = db.get_or_404(Workshop, workshop_id)
    return render_template("workshops/present.html", workshop=workshop, slides=planning.slides(workshop))


@bp.route("/workshops/present-sw.js")
@allow(PUBLIC)
def service_worker():
    """The service worker that keeps present mode working offline (scope /workshops/)."""
    path = Path(current_app.static_folder) / "js" / "workshops-sw.js"
    response = Response(path.read_text(encoding="utf-8"), mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/workshops/"
    response.headers["Cache-Control"] = "no-cache"
    return response


def _send_clip(source, name: str):
    """The redacted clip of a passage or a chosen quote, if it may be heard now and `?v=` is still current."""
    if source is None or not clips.has_clip(source) or not may(current_user, source.story, "quote"):
        abort(404)
    from core.serve import send_sealed

    if request.args.get("v") != clips.clip_version(source):
        abort(404)  # the story's consent or redactions changed since this address was handed out
    return send_sealed(clips.redacted_clip_path(source), "audio/mpeg", download_name=name)


@bp.route("/workshops/clips/<int:passage_id>.mp3")
@allow(*FOLLOWERS)
def clip(passage_id: int):
    """The redacted clip of a key passage (only with quote consent)."""
    from themes.models import Passage

    return _send_clip(db.session.get(Passage, passage_id), f"clip-{passage_id}.mp3")


@bp.route("/workshops/clips/quotes/<int:quote_id>.mp3")
@allow(*FOLLOWERS)
def quote_clip(quote_id: int):
    """The redacted clip of a quote people chose, its own start and end (as the board and pack show it:
    quotable and analysable story, some words still showing)."""
    chosen = theme_read.chosen_quote(quote_id)
    return _send_clip(chosen[0] if chosen else None, f"quote-{quote_id}.mp3")


@bp.route("/workshops/<int:workshop_id>/pack", methods=["POST"])
@allow(*STAFF)
def build_pack(workshop_id: int):
    """Build (or rebuild) the workshop pack in the worker."""
    workshop = db.get_or_404(Workshop, workshop_id)
    if not PackForm().validate_on_submit():
        abort(400)
    try:
        state, _ = packs.request_pack(workshop, actor=current_user)
    except errors.WorkshopError as exc:
        flash(str(exc), "error")
        return redirect(url_for("workshops.show", workshop_id=workshop.id))
    flash("The pack is ready to download." if state == "ready" else "The pack is being made. This page shows how far it has got.",
          "success" if state == "ready" else "info")
    return redirect(url_for("workshops.show", workshop_id=workshop.id, _anchor="pack"))


@bp.route("/workshops/<int:workshop_id>/pack.zip")
@allow(*STAFF)
def download_pack(workshop_id: int):
    """Download the pack; if its contents changed since it was built, a new one is made instead."""
    workshop = db.get_or_404(Workshop, workshop_id)
    pack = packs.servable_pack(workshop)
    if pack is None:
        try:
            packs.request_pack(workshop, actor=current_user)
        except errors.WorkshopError as exc:
            flash(str(exc), "error")
        else:
            flash("The pack's contents have changed since it was made (or it was never made), so a new one is "
                  "being built. Download it when the bar is full.", "info")
        return redirect(url_for("workshops.show", workshop_id=workshop.id, _anchor="pack"))
    packs.record_download(pack, actor=current_user)
    from core.serve import send_sealed

    return send_sealed(pack.path, "application/zip", download_name=packs.pack_download_name(workshop))


# --- design actions --------------------------------------------------------------------------

def _action_choices(form: ActionForm, workshop: Workshop | None, action: DesignAction | None = None) -> dict:
    """Fill the form's evidence choices; returns {quote id: clip URL}."""
    themes, stories, quotes = evidence.action_choices(workshop, action)
    form.theme_ids.choices = [(t.id, t.label) for t in themes]
    form.story_ids.choices = [(s.id, f"{redacted_title(s)} ({s.role_label})") for s in stories]
    form.quotes.choices = [(p.id, f"\u201c{text[:140]}{'…' if len(text) > 140 else ''}\u201d — {theme.label if theme else ''}")
                           for p, theme, text in quotes]
    form.chosen.choices = [(q.id, f"\u201c{text[:140]}{'…' if len(text) > 140 else ''}\u201d — {label}")
                           for q, label, text in evidence.chosen_choices(workshop, action)]
    return {p.id: clips.clip_url(p) for p, _, _ in quotes}


def _action_data(form: ActionForm, workshop_id) -> dict:
    return {"title": form.title.data, "description": form.description.data, "owner": form.owner.data,
            "due_date": form.due_date.data, "status": form.status.data, "status_reason": form.status_reason.data,
            "proposed_by": form.proposed_by.data, "disagreement": form.disagreement.data,
            "workshop_id": workshop_id, "theme_ids": form.theme_ids.data or [],
            "story_ids": form.story_ids.data or [], "quotes": form.quotes.data or [], "chosen": form.chosen.data or []}


@bp.route("/workshops/<int:workshop_id>/actions/new", methods=["GET", "POST"])
@allow(*STAFF)
def new_action(workshop_id: int):
    """Record a decision from the workshop as a design action."""
    workshop = db.get_or_404(Workshop, workshop_id)
    form = ActionForm()
    clips = _action_choices(form, workshop)
    status = 200
    if form.validate_on_submit():
        try:
            action = action_rules.create_action(_action_data(form, workshop.id), actor=current_user)
        except errors.WorkshopError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            status = 400
        else:
            flash(f"Action recorded: {action.title}", "success")
            return redirect(url_for("workshops.show", workshop_id=workshop.id, _anchor="actions"))
    elif request.method == "POST":
        status = 400
    return render_template("workshops/action_form.html", form=form, workshop=workshop, action=None, clips=clips,
                           latest=None), status


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@allow(*STAFF)
def edit_action(action_id: int):
    """Change an action. If someone else saved meanwhile, both versions are shown and nothing is lost."""
    action = db.get_or_404(DesignAction, action_id)
    form = ActionForm(obj=action) if request.method == "GET" else ActionForm()
    clips = _action_choices(form, action.workshop, action)
    if request.method == "GET":
        form.theme_ids.data, form.story_ids.data, form.quotes.data = action.theme_ids, action.story_ids, action.quote_ids
        form.chosen.data = action.chosen_quote_ids
        form.version.data = str(action.version)
    status, latest = 200, None
    if form.validate_on_submit():
        try:
            action_rules.update_action(action, _action_data(form, action.workshop_id),
                                   expected_version=form.version.data or None, actor=current_user)
        except errors.EditConflict as exc:
            db.session.rollback()
            action = db.get_or_404(DesignAction, action_id)
            db.session.refresh(action)
            form.form_errors.append(str(exc))
            latest = action
            form.version.data = str(action.version)  # saving again now is a deliberate choice
            status = 409
        except errors.WorkshopError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            status = 400
        else:
            flash("Action saved.", "success")
            return redirect(url_for("workshops.action", action_id=action.id))
    elif request.method == "POST":
        status = 400
    return render_template("workshops/action_form.html", form=form, workshop=action.workshop, action=action,
                           clips=clips, latest=latest), status


def _dashboard_filters() -> dict:
    args = request.args
    status = args.get("status") if args.get("status") in ACTION_STATUSES else None
    due = args.get("due") if args.get("due") in ("overdue", "soon", "none") else None
    return {"status": status, "theme_id": args.get("theme_id", type=int), "owner": (args.get("owner") or "").strip() or None,
            "workshop_id": args.get("workshop_id", type=int), "due": due}


ACTIONS_PER_PAGE = 50


@bp.route("/actions")
@allow(*FOLLOWERS)
@cached_page
def actions():
    """Managers' dashboard: design actions with filters, overdue ones first to the eye, summary charts."""
    filters = _dashboard_filters()
    page = db.paginate(dashboard.filter_actions(**filters), per_page=ACTIONS_PER_PAGE, max_per_page=200, error_out=False)
    charts = dashboard.chart_data()
    workshops = planning.list_workshops()
    return render_template(
        "workshops/actions.html", actions=page.items, page=page, filters=filters, statuses=ACTION_STATUSES,
        themes=dashboard.cited_themes(), workshops=workshops, today=date.today(),
        status_chart=dashboard.bar_chart(charts["by_status"], title="Actions by status"),
        theme_chart=dashboard.bar_chart(charts["by_theme"], title="Actions by theme", colour=PALETTE["good"]),
        gap_chart=dashboard.bar_chart(charts["gaps"], title="Themes with stories but no action yet",
                                     colour=ROLE_COLOURS["staff"], unit="stories"),
        gaps=charts["gaps"], query=request.query_string.decode())


@bp.route("/actions.csv")
@allow(*FOLLOWERS)
def actions_csv():
    """The dashboard's actions (same filters) as a CSV file."""
    rows = db.session.scalars(dashboard.filter_actions(**_dashboard_filters())).all()
    return Response("\ufeff" + dashboard.actions_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=design-actions-{date.today()}.csv"})


@bp.route("/actions/<int:action_id>")
@allow(*FOLLOWERS)
def action(action_id: int):
    """One action with its evidence (within consent and redaction) and its timeline."""
    item = db.get_or_404(DesignAction, action_id)
    form = UpdateForm()
    form.version.data = str(item.version)
    if not current_user.has_role(*STAFF):
        form.status.choices = [("", "Keep the status as it is")]
    return render_template("workshops/action.html", action=item,
                           evidence=evidence.action_evidence(item, current_user), form=form)


@bp.route("/actions/<int:action_id>/updates", methods=["POST"])
@allow(*FOLLOWERS)
def add_update(action_id: int):
    """Add to the action's timeline: a comment (anyone following), or a status change (facilitators, admins)."""
    item = db.get_or_404(DesignAction, action_id)
    form = UpdateForm()
    form.status.choices = [("", "")] + list(ACTION_STATUSES.items())
    if not form.validate_on_submit():
        abort(400)
    try:
        action_rules.add_update(item, actor=current_user, comment=form.comment.data or "",
                            status=form.status.data or None, expected_version=form.version.data or None)
    except errors.NotAllowed:
        abort(403)
    except errors.WorkshopError as exc:
        db.session.rollback()
        item = db.get_or_404(DesignAction, action_id)
        db.session.refresh(item)
        form.form_errors.append(str(exc))
        form.version.data = str(item.version)
        if not current_user.has_role(*STAFF):
            form.status.choices = [("", "Keep the status as it is")]
        return render_template("workshops/action.html", action=item,
                               evidence=evidence.action_evidence(item, current_user), form=form), \
            409 if isinstance(exc, errors.EditConflict) else 400
    flash("Added to the timeline.", "success")
    return redirect(url_for("workshops.action", action_id=item.id, _anchor="timeline"))
