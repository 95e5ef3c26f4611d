"""Quote pages: choose words (from a search hit, a passage or a transcript), nudge, hear, save; comment."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.access import allow
from evidence import bp
from extensions import db
from governance import policy
from stories.models import Story
from themes import quotes
from themes.models import Theme
from themes.quote_models import Quote

QUOTERS = ("reporter", "facilitator", "admin")
CONTEXT_SECONDS = 20.0


def _float(name: str) -> float | None:
    try:
        return float(request.values.get(name, ""))
    except ValueError:
        return None


def _quotable_story(story_id) -> Story:
    story = db.session.get(Story, story_id) if story_id else None
    if story is None or not policy.is_quotable(story):
        abort(404)
    return story


def _theme_choices():
    from themes.evidence import themes_of_run

    return themes_of_run()


@bp.route("/quotes/new")
@allow(*QUOTERS)
def new_quote():
    """Choose the words of a quote: select them, or nudge the start and end a word at a time, and hear it."""
    story = _quotable_story(request.args.get("story_id", type=int))
    words = quotes.story_words(story)
    if not words:
        flash("This story has no word timings, so a quote cannot be cut from it.", "error")
        return redirect(url_for("search.search_page"))
    start, end = _float("start"), _float("end")
    if start is None or end is None or end <= start:
        start, end = words[0].start, words[min(len(words) - 1, 9)].end
    edge, step = request.args.get("edge"), request.args.get("step", type=int)
    try:
        start, end = (quotes.nudge(words, start, end, edge, step) if edge in ("start", "end") and step
                      else quotes.snap(words, start, end))
    except quotes.QuoteError as exc:
        flash(str(exc), "error")
        start, end = words[0].start, words[0].end
    shown = [w for w in words if w.end >= start - CONTEXT_SECONDS and w.start <= end + CONTEXT_SECONDS]
    return render_template("evidence/quote_new.html", story=story, words=shown, start=start, end=end,
                           text=quotes.quote_text(story, start, end, words), themes=_theme_choices(),
                           theme_id=request.args.get("theme_id", type=int),
                           clip_url=policy.clip_url(story, start, end))


@bp.route("/quotes", methods=["POST"])
@allow(*QUOTERS)
def create_quote():
    """Save the chosen words as a quote, under the chosen theme."""
    story = _quotable_story(request.form.get("story_id", type=int))
    theme_id = request.form.get("theme_id", type=int)
    theme = db.session.get(Theme, theme_id) if theme_id else None
    try:
        quote = quotes.create_quote(story, _float("start") or 0.0, _float("end") or 0.0, theme=theme, actor=current_user)
    except quotes.QuoteError as exc:
        flash(str(exc), "error")
        return redirect(url_for("evidence.new_quote", story_id=story.id, start=_float("start"), end=_float("end")))
    flash("Quote saved" + (f" under “{theme.label}”." if theme else "."), "success")
    return redirect(url_for("evidence.quote", quote_id=quote.id))


def _quote_or_404(quote_id: int) -> Quote:
    quote = db.session.get(Quote, quote_id)
    if quote is None or not policy.is_quotable(quote.story):
        abort(404)
    return quote


@bp.route("/quotes/<int:quote_id>")
@allow(*QUOTERS)
def quote(quote_id: int):
    """One quote: its words, its clip, its theme, and the comments on it."""
    row = _quote_or_404(quote_id)
    shown = quotes.show(row)
    if shown is None:
        abort(404)
    theme = db.session.get(Theme, row.theme_id) if row.theme_id else None
    from themes.codebook import list_codes

    return render_template("evidence/quote.html", quote=row, shown=shown, theme=theme, themes=_theme_choices(),
                           comments=quotes.thread("quote", row.id), code_choices=[(c.id, c.name) for c in list_codes()])


@bp.route("/quotes/<int:quote_id>/change", methods=["POST"])
@allow(*QUOTERS)
def change_quote(quote_id: int):
    """Trim, move, pin, code or remove a quote (one service function each)."""
    row = _quote_or_404(quote_id)
    what = request.form.get("what")
    try:
        if what == "trim":
            quotes.trim_quote(row, _float("start") or row.start, _float("end") or row.end, actor=current_user)
        elif what == "move":
            theme_id = request.form.get("theme_id", type=int)
            quotes.move_quote(row, db.session.get(Theme, theme_id) if theme_id else None, actor=current_user)
        elif what in ("pin", "unpin"):
            quotes.set_quote_pinned(row, what == "pin", actor=current_user)
        elif what in ("code", "uncode"):
            from themes import codebook

            code = db.get_or_404(codebook.Code, request.form.get("code_id", type=int) or 0)
            (codebook.tag_quote if what == "code" else codebook.untag_quote)(row, code, actor=current_user)
        elif what == "delete":
            quotes.delete_quote(row, actor=current_user)
            flash("Quote removed.", "success")
            return redirect(url_for("search.search_page"))
        else:
            abort(400)
    except quotes.QuoteError as exc:
        flash(str(exc), "error")
    back = request.form.get("next") or ""
    if back.startswith("/") and not back.startswith("//"):  # the board's "Move to…" form comes back to the board
        return redirect(back)
    return redirect(url_for("evidence.quote", quote_id=row.id))


@bp.route("/comments", methods=["POST"])
@allow(*QUOTERS)
def add_comment():
    """Add to the short thread under a quote or a passage."""
    target, target_id = request.form.get("target", ""), request.form.get("target_id", type=int) or 0
    try:
        quotes.add_comment(target, target_id, request.form.get("text", ""), actor=current_user)
    except quotes.QuoteError as exc:
        flash(str(exc), "error")
    back = request.form.get("next") or ""
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect(url_for("evidence.quote", quote_id=target_id) if target == "quote" else url_for("themes.board"))


@bp.route("/passages/<int:passage_id>/comments")
@allow(*QUOTERS)
def passage_comments(passage_id: int):
    """A passage (its words as they may be shown) and the short thread about it."""
    from themes import board
    from themes.models import Passage

    passage = db.get_or_404(Passage, passage_id)
    viewer = board.viewer_for(current_user)
    text = viewer.text(passage) if passage.withdrawn_at is None else None
    if not text:
        abort(404)
    return render_template("evidence/passage_comments.html", passage=passage, text=text,
                           comments=quotes.thread("passage", passage.id))
