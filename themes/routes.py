"""Theme board pages: runs, cards, reshaping, prevalence, codebook."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from core.access import allow
from core.forms import ConfirmForm, submit
from core.pagecache import cached_page
from extensions import db
from stories.models import STORYTELLER_ROLES
from themes import board, bp, qdpx, services
from themes.forms import (CodeForm, MergeForm, MoveForm, NewThemeForm, NoteForm, ReclusterForm, RunForm, SplitForm,
                          TagForm, ThemeEditForm)
from themes import shaping_routes  # noqa: E402,F401  (fewer / more themes, more like this, undo)
from themes.models import Code, Passage, Theme, ThemeRun

VIEWERS = ("reporter", "facilitator", "manager", "admin")
SHAPERS = ("facilitator", "admin")
CODERS = ("reporter", "facilitator", "admin")

@bp.app_context_processor
def _template_helpers():
    """`story_theme_mix(story_id)` for templates/themes/_story_mix.html on other domains' pages."""
    return {"story_theme_mix": services.story_theme_mix}


def _back(default: str) -> str:
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return default


def story_url(story_id: int) -> str | None:
    try:
        return url_for("stories.show", story_id=story_id)
    except BuildError:
        return None


def _submit(form, action, **said):
    """`core.forms.submit` with the themes' rules' refusal (ThemeError)."""
    return submit(form, action, services.ThemeError, **said)


def _move_choices(run: ThemeRun):
    return [(t.id, t.label) for t in services.visible_themes(run) if not t.is_outlier]


# --- the board -------------------------------------------------------------------

@bp.route("/themes", endpoint="board")
@allow(*VIEWERS)
@cached_page
def board_page():
    """The latest finished run's board (and any run in progress)."""
    return _render_board(services.latest_run())


@bp.route("/themes/runs/<int:run_id>")
@allow(*VIEWERS)
@cached_page
def run_board(run_id: int):
    """The board of one run, earlier ones included."""
    return _render_board(db.get_or_404(ThemeRun, run_id))


def _render_board(run: ThemeRun | None):
    viewer = board.viewer_for(current_user)
    in_progress = db.session.scalars(
        select(ThemeRun).where(ThemeRun.status.in_(("queued", "running"))).order_by(ThemeRun.id.desc()).limit(1)).first()
    last_failed = db.session.scalars(select(ThemeRun).order_by(ThemeRun.id.desc()).limit(1)).first()
    if last_failed is not None and last_failed.status != "failed":
        last_failed = None
    cards, extras = ([], {}) if run is None or run.status != "done" else board.build_cards(run, viewer, light=True)
    move_form = MoveForm()
    move_form.theme_id.choices = _move_choices(run) if run is not None else []
    return render_template(
        "themes/board.html", run=run, cards=cards, extras=extras, viewer=viewer, runs=services.list_runs(),
        in_progress=in_progress, in_progress_job=services.run_job_for(in_progress) if in_progress else None,
        last_failed=last_failed, run_form=RunForm(), new_theme_form=NewThemeForm(), move_form=move_form,
        decisions=board.decisions(run) if run is not None else [], clip=viewer.clip,
        is_latest=run is not None and run == services.latest_run(), role_names=STORYTELLER_ROLES,
        code_choices=[(c.id, c.name) for c in services.list_codes()] if viewer.may_code and cards else [],
    )


@bp.route("/themes/runs", methods=["POST"])
@allow(*SHAPERS)
def start_run():
    """Queue theme discovery with the candidate themes people entered."""
    form = RunForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(f"Problem: {errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], str) else errors}", "error")
        return redirect(url_for("themes.board"))
    try:
        run, _ = services.queue_run(seeds=form.seed_list(), min_stories=form.min_stories.data, actor=current_user)
    except services.ThemeError as exc:
        flash(str(exc), "error")
        return redirect(url_for("themes.board"))
    if run.status == "failed":
        flash(f"Theme discovery could not finish: {run.message}", "error")
    else:
        flash("Finding themes. This page shows how far it has got.", "info")
    return redirect(url_for("themes.board"))


@bp.route("/themes/runs/<int:run_id>/themes", methods=["POST"])
@allow(*SHAPERS)
def new_theme(run_id: int):
    """Make a theme by hand."""
    run = db.get_or_404(ThemeRun, run_id)
    form = NewThemeForm()
    theme = _submit(form, lambda: services.create_theme(run, label=form.label.data,
                                                        description=form.description.data or "", actor=current_user),
                    invalid="Give the new theme a name.",
                    done=lambda t: f"New theme “{t.label}” made. Move passages into it from the other themes.")
    if theme is not None:
        return redirect(url_for("themes.theme_page", theme_id=theme.id))
    return redirect(url_for("themes.run_board", run_id=run.id))


# --- prevalence --------------------------------------------------------------------

@bp.route("/themes/runs/<int:run_id>/prevalence")
@allow(*VIEWERS)
@cached_page
def prevalence(run_id: int):
    """Share of stories touching each theme, by storyteller role: table and chart."""
    run = db.get_or_404(ThemeRun, run_id)
    data = board.prevalence(run, board.viewer_for(current_user))
    return render_template("themes/prevalence.html", run=run, data=data, chart=board.chart_geometry(data))


@bp.route("/themes/runs/<int:run_id>/prevalence.csv")
@allow(*VIEWERS)
def prevalence_csv(run_id: int):
    """The prevalence table as CSV."""
    return _prevalence_file(run_id, board.prevalence_csv, "text/csv", "csv")


@bp.route("/themes/runs/<int:run_id>/prevalence.png")
@allow(*VIEWERS)
def prevalence_png(run_id: int):
    """The prevalence chart as a PNG picture."""
    return _prevalence_file(run_id, board.prevalence_png, "image/png", "png")


def _prevalence_file(run_id: int, render, mimetype: str, extension: str) -> Response:
    """The run's prevalence as this viewer may see it, made into a file by `render`, as a download."""
    run = db.get_or_404(ThemeRun, run_id)
    body = render(board.prevalence(run, board.viewer_for(current_user)))
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f"attachment; filename=theme-prevalence-run-{run.id}.{extension}"})


# --- one theme ---------------------------------------------------------------------

@bp.route("/themes/t/<int:theme_id>")
@allow(*VIEWERS)
@cached_page
def theme_page(theme_id: int):
    """A theme: its stories, its passages, what people decided, and the tools to reshape it."""
    theme = db.get_or_404(Theme, theme_id)
    if theme.merged_into_id is not None:
        target = services.final_theme(theme)
        flash(f"“{theme.label}” was merged into “{target.label}”.", "info")
        return redirect(url_for("themes.theme_page", theme_id=target.id))
    run = db.session.get(ThemeRun, theme.run_id)
    viewer = board.viewer_for(current_user)
    cards, extras = board.build_cards(run, viewer, with_quotes=False, with_codes=False, light=True)
    card = next(c for c in cards if c.theme.id == theme.id)
    others = [(t.id, t.label) for t in services.visible_themes(run) if t.id != theme.id and not t.is_outlier]
    merge_form = MergeForm()
    merge_form.target.choices = others
    split_form = SplitForm()
    edit_form = ThemeEditForm(label=theme.label, description=theme.description, version=theme.version)
    move_form = MoveForm()
    move_form.theme_id.choices = _move_choices(run)
    tag_form = TagForm()
    tag_form.code_id.choices = [(c.id, c.name) for c in services.list_codes()]
    machine = {t.id: t for t in run.themes}
    return render_template(
        "themes/theme.html", run=run, theme=theme, card=card, viewer=viewer, extras=extras,
        stories=board.theme_stories(card, viewer), **board.theme_page_parts(card, extras, request.args.get("page", 1, type=int)),
        notes=board.notes(theme), edit_form=edit_form, merge_form=merge_form, split_form=split_form, recluster_form=ReclusterForm(), note_form=NoteForm(),
        move_form=move_form, tag_form=tag_form, confirm=ConfirmForm(), machine=machine, story_url=story_url,
        clip=viewer.clip,
        role_names=STORYTELLER_ROLES, carried_from=db.session.get(Theme, theme.carried_from_id) if theme.carried_from_id else None,
    )


@bp.route("/themes/t/<int:theme_id>/edit", methods=["POST"])
@allow(*SHAPERS)
def edit_theme(theme_id: int):
    """Rename a theme or write its description (refused if someone else changed it meanwhile)."""
    theme = db.get_or_404(Theme, theme_id)
    form = ThemeEditForm()
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    _submit(form, lambda: services.rename_theme(theme, label=form.label.data, description=form.description.data or "",
                                                expected_version=version, actor=current_user,
                                                reason=form.reason.data or ""),
            invalid="Give the theme a name.", done=lambda _: "Saved.")  # EditConflict is a ThemeError too
    return redirect(url_for("themes.theme_page", theme_id=theme_id))


def _reshape(theme_id: int, form, fill_choices, change, *, invalid: str, done):
    """Merge or split THEME_ID: FILL_CHOICES(form, theme), CHANGE(theme) by the posted FORM, then show the
    theme that came of it (or this one again, with the refusal)."""
    theme = db.get_or_404(Theme, theme_id)
    fill_choices(form, theme)
    result = _submit(form, lambda: change(theme), invalid=invalid, done=done)
    return redirect(url_for("themes.theme_page", theme_id=result.id if result is not None else theme_id))


def _merge_targets(form: MergeForm, theme: Theme) -> None:
    form.target.choices = [(t.id, t.label) for t in services.visible_themes(theme.run) if t.id != theme.id]


def _own_passages(form: SplitForm, theme: Theme) -> None:
    form.passages.choices = [(p.id, str(p.id)) for p in db.session.scalars(select(Passage).where(Passage.theme_id == theme.id))]


@bp.route("/themes/t/<int:theme_id>/merge", methods=["POST"])
@allow(*SHAPERS)
def merge_theme(theme_id: int):
    """Merge this theme into another."""
    form = MergeForm()
    return _reshape(theme_id, form, _merge_targets,
                    lambda theme: services.merge_themes(theme, db.get_or_404(Theme, form.target.data),
                                                        actor=current_user, reason=form.reason.data or ""),
                    invalid="Choose the theme to merge with.", done=lambda t: f"Merged into “{t.label}”.")


@bp.route("/themes/t/<int:theme_id>/split", methods=["POST"])
@allow(*SHAPERS)
def split_theme(theme_id: int):
    """Split the ticked passages off into a new theme."""
    form = SplitForm()
    return _reshape(theme_id, form, _own_passages,
                    lambda theme: services.split_theme(theme, form.passages.data, label=form.label.data,
                                                       actor=current_user, reason=form.reason.data or ""),
                    invalid="Name the new theme and tick its passages.", done=lambda t: f"Split off “{t.label}”.")


@bp.route("/themes/t/<int:theme_id>/recluster", methods=["POST"])
@allow(*SHAPERS)
def recluster_theme(theme_id: int):
    """Ask the model to split this theme (a short job)."""
    theme = db.get_or_404(Theme, theme_id)
    form = ReclusterForm()
    job = _submit(form, lambda: services.start_recluster(theme, n_clusters=form.parts.data, actor=current_user))
    if job is None:
        return redirect(url_for("themes.theme_page", theme_id=theme_id))
    return redirect(url_for("jobs.show", job_id=job.id))


@bp.route("/themes/t/<int:theme_id>/notes", methods=["POST"])
@allow(*SHAPERS)
def add_note(theme_id: int):
    """Add a note to a theme."""
    theme = db.get_or_404(Theme, theme_id)
    form = NoteForm()
    _submit(form, lambda: services.add_note(theme, form.text.data, actor=current_user),
            invalid="Write the note first.", done=lambda _: "Note added.")
    return redirect(url_for("themes.theme_page", theme_id=theme_id) + "#notes")


# --- passages ----------------------------------------------------------------------

@bp.route("/themes/passages/<int:passage_id>/move", methods=["POST"])
@allow(*SHAPERS)
def move_passage(passage_id: int):
    """Move a passage to another theme (the keyboard way to drag a quote)."""
    passage = db.get_or_404(Passage, passage_id)
    form = MoveForm()
    form.theme_id.choices = _move_choices(db.session.get(ThemeRun, passage.run_id))
    _submit(form, lambda: services.move_passage(passage, db.get_or_404(Theme, form.theme_id.data), actor=current_user),
            invalid="Choose a theme to move it to.", done=lambda _: f"Moved to “{passage.theme.label}”.")
    return redirect(_back(url_for("themes.run_board", run_id=passage.run_id)))


# Two flags a passage is switched by: off-topic (left out of counts and quotes) and pinned as a key quote.
PASSAGE_FLAGS = {
    "off_topic": (services.set_off_topic, "Marked off-topic.", "Back on topic."),
    "pinned": (services.set_pinned, "Pinned as a key quote.", "Unpinned."),
}


@bp.route("/themes/passages/<int:passage_id>/off-topic", methods=["POST"], endpoint="toggle_off_topic",
          defaults={"flag": "off_topic"})
@bp.route("/themes/passages/<int:passage_id>/pin", methods=["POST"], endpoint="toggle_pin", defaults={"flag": "pinned"})
@allow(*SHAPERS)
def toggle_passage_flag(passage_id: int, flag: str):
    """Mark a passage off-topic or bring it back; pin it as a key quote or unpin it."""
    passage = db.get_or_404(Passage, passage_id)
    change, now_on, now_off = PASSAGE_FLAGS[flag]
    _submit(ConfirmForm(), lambda: change(passage, not getattr(passage, flag), actor=current_user),
            done=lambda _: now_on if getattr(passage, flag) else now_off)
    return redirect(_back(url_for("themes.run_board", run_id=passage.run_id)))


@bp.route("/themes/passages/<int:passage_id>/codes", methods=["POST"])
@allow(*CODERS)
def tag_passage(passage_id: int):
    """Put a code from the codebook on a passage."""
    passage = db.get_or_404(Passage, passage_id)
    form = TagForm()
    form.code_id.choices = [(c.id, c.name) for c in services.list_codes()]
    _submit(form, lambda: services.tag_passage(passage, db.get_or_404(Code, form.code_id.data), actor=current_user),
            invalid="Choose a code.", done=lambda _: "Code added.")
    return redirect(_back(url_for("themes.run_board", run_id=passage.run_id)))


@bp.route("/themes/passages/<int:passage_id>/codes/<int:code_id>/remove", methods=["POST"])
@allow(*CODERS)
def untag_passage(passage_id: int, code_id: int):
    """Take a code off a passage."""
    passage = db.get_or_404(Passage, passage_id)
    code = db.get_or_404(Code, code_id)
    _submit(ConfirmForm(), lambda: services.untag_passage(passage, code, actor=current_user),
            done=lambda _: f"Code “{code.name}” taken off.")
    return redirect(_back(url_for("themes.run_board", run_id=passage.run_id)))


# --- codebook ------------------------------------------------------------------------

@bp.route("/themes/codes", methods=["GET", "POST"])
@allow(*CODERS)
def codebook():
    """The shared codebook: codes with colours, and how often each is used."""
    form = CodeForm()
    if form.validate_on_submit():
        try:
            code = services.create_code(form.name.data, colour=form.colour.data, description=form.description.data or "",
                                        actor=current_user)
            flash(f"Code “{code.name}” added.", "success")
            return redirect(url_for("themes.codebook"))
        except services.ThemeError as exc:
            form.name.errors.append(str(exc))
    from themes.codebook import code_usage

    return render_template("themes/codes.html", form=form, codes=services.list_codes(), usage=code_usage(),
                           colours=services.CODE_COLOURS)


@bp.route("/theme-runs/<int:run_id>/export.qdpx")
@allow(*SHAPERS)
def export_qdpx(run_id: int):
    """The theme run as a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA or QualCoder."""
    run = db.get_or_404(ThemeRun, run_id)
    return Response(qdpx.qdpx_download(run, actor=current_user), mimetype="application/zip", headers={
        "Content-Disposition": f"attachment; filename=storyloom-theme-run-{run.id}.qdpx"})
