"""Theme reel pages: build (a job with progress), play (audio with captions, video), download."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from core.access import allow
from evidence import bp, reels
from extensions import db
from themes.models import Theme

REELERS = ("facilitator", "admin")
FILES = {"reel.mp3": "audio/mpeg", "reel.vtt": "text/vtt", "reel.mp4": "video/mp4"}


@bp.route("/themes/t/<int:theme_id>/reel")
@allow(*REELERS)
def reel(theme_id: int):
    """The theme's reel: play it, download it, or build it (again)."""
    theme = db.get_or_404(Theme, theme_id)
    return render_template("evidence/reel.html", theme=theme, folder=reels.current_reel(theme),
                           job=reels.reel_job(theme), quotes=reels.reel_quotes(theme))


@bp.route("/themes/t/<int:theme_id>/reel", methods=["POST"])
@allow(*REELERS)
def build_reel(theme_id: int):
    """Start building the reel; the page shows the job's progress."""
    theme = db.get_or_404(Theme, theme_id)
    try:
        reels.request_reel(theme, actor=current_user)
    except reels.ReelError as exc:
        flash(str(exc), "error")
    return redirect(url_for("evidence.reel", theme_id=theme.id))


@bp.route("/themes/t/<int:theme_id>/reel/<name>")
@allow(*REELERS)
def reel_file(theme_id: int, name: str):
    """One file of the current reel; none once the quotes behind it have changed (e.g. a withdrawal)."""
    from core.serve import send_sealed

    theme = db.get_or_404(Theme, theme_id)
    prefix = reels.current_reel(theme)
    if name not in FILES or prefix is None:
        abort(404)
    return send_sealed(prefix + name, FILES[name],
                       download_name=f"theme-{theme.id}-{name}" if name != "reel.vtt" else None)
