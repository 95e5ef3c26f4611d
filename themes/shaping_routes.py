"""Board pages that reshape a run at once: fewer / more themes, more like this, undo.

Thin: each view answers its form through core.forms.submit with one service (themes/recut.py, themes/similar.py,
themes/undo.py) and says in plain words what happened.
"""
from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from core.access import allow
from core.forms import ConfirmForm, submit
from core.labels import count_of
from extensions import db
from themes import bp, recut, similar, undo
from themes.models import Passage, Theme, ThemeRun
from themes.services import ThemeError

SHAPERS = ("facilitator", "admin")


@bp.route("/themes/runs/<int:run_id>/recut", methods=["POST"])
@allow(*SHAPERS)
def recut_run(run_id: int):
    """Fewer or more themes: the run's story tree cut again (a new run, people's decisions kept)."""
    run = db.get_or_404(ThemeRun, run_id)
    direction = 1 if request.form.get("direction") == "more" else -1
    new = submit(ConfirmForm(), lambda: recut.recut_run(run, direction, actor=current_user), ThemeError,
                 done=recut_message)
    return redirect(url_for("themes.run_board", run_id=(new or run).id))  # this run's board if no cut was made


def recut_message(made: ThemeRun) -> str:
    """"Now 7 themes from 30 stories, cut again from the same stories." and, when people had changed the
    board, that their changes are kept (nothing about them when there were none)."""
    kept = made.carried or 0
    changes = f" The {count_of(kept, 'change')} people made {'is' if kept == 1 else 'are'} kept." if kept else ""
    return f"Now {made.message}.{changes}"


@bp.route("/themes/runs/<int:run_id>/undo", methods=["POST"])
@allow(*SHAPERS)
def undo_last(run_id: int):
    """Undo the last merge, split or move on this run (an inverse decision in the log)."""
    run = db.get_or_404(ThemeRun, run_id)
    submit(ConfirmForm(), lambda: undo.undo_last(run, actor=current_user), ThemeError, done=lambda message: message)
    return redirect(url_for("themes.run_board", run_id=run.id))


@bp.route("/themes/t/<int:theme_id>/examples/<int:passage_id>", methods=["POST"])
@allow(*SHAPERS)
def toggle_example(theme_id: int, passage_id: int):
    """Mark a passage as an example of this theme for “more like this”, or take the mark off."""
    theme, passage = db.get_or_404(Theme, theme_id), db.get_or_404(Passage, passage_id)
    submit(ConfirmForm(), lambda: similar.toggle_example(theme, passage, actor=current_user), ThemeError,
           done=lambda marked: "Marked as an example: see “More like this”." if marked else "No longer an example.")
    return redirect(url_for("themes.theme_page", theme_id=theme.id) + "#more-like-this")


@bp.route("/themes/t/<int:theme_id>/suggestions/<int:passage_id>", methods=["POST"])
@allow(*SHAPERS)
def answer_suggestion(theme_id: int, passage_id: int):
    """Accept a proposed passage (moved into the theme) or reject it (not proposed again)."""
    theme, passage = db.get_or_404(Theme, theme_id), db.get_or_404(Passage, passage_id)
    accept = request.form.get("answer") == "accept"
    submit(ConfirmForm(), lambda: similar.answer(theme, passage, accept=accept, actor=current_user), ThemeError,
           done=lambda _: f"Moved into “{theme.label}”." if accept else "Rejected: it will not be proposed again.")
    return redirect(url_for("themes.theme_page", theme_id=theme.id) + "#more-like-this")


@bp.app_context_processor
def _shaping_helpers():
    """For the board and theme templates: the last undoable change, and “more like this”."""
    return {"last_undoable": undo.last_undoable, "more_like_this": similar.more_like_this}
