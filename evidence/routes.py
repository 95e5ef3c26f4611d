"""Evidence pages managers can follow from an action: a theme, a story summary."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from core.access import allow
from evidence import bp, services

FOLLOWERS = ("manager", "facilitator", "admin")


@bp.route("/evidence/themes/<int:theme_id>")
@allow(*FOLLOWERS)
def theme(theme_id: int):
    """A theme: what it is about, who raised it, and the quotes the storytellers let managers read."""
    return render_template("evidence/theme.html", view=services.theme_view(current_user, theme_id))


@bp.route("/evidence/stories/<int:story_id>")
@allow(*FOLLOWERS)
def story(story_id: int):
    """A story summary: who told it, when, its themes and the quotes its storyteller allowed."""
    return render_template("evidence/story.html", summary=services.story_summary(current_user, story_id))


@bp.route("/evidence")
@allow(*FOLLOWERS)
def index():
    """The themes of the latest board, for managers (who have no board of their own)."""
    from themes.evidence import themes_of_run

    return render_template("evidence/index.html", themes=themes_of_run())

from evidence import quote_routes as _quote_routes  # noqa: E402,F401


@bp.app_context_processor
def _template_helpers():
    """`theme_quotes(theme)` for templates/evidence/_theme_quotes.html on the theme board's pages."""
    def theme_quotes(theme):
        from flask_login import current_user as user

        from themes import board, quotes

        if not getattr(user, "is_authenticated", False):
            return []
        return quotes.quotes_for_theme(theme, readable=board.viewer_for(user).readable)

    return {"theme_quotes": theme_quotes}
from evidence import yousaid_routes as _yousaid_routes  # noqa: E402,F401
