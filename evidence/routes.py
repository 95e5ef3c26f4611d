"""Evidence pages managers can follow from an action: a theme, a story summary."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from core.access import allow
from evidence import bp, services
from extensions import db

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


@bp.app_context_processor
def _similar_helper():
    """`stories_like(story)` for templates/evidence/_similar.html on the story page."""
    def stories_like(story):
        from flask_login import current_user as user

        from stories.models import Story
        from stories.services import may_view
        from themes import board
        from themes.evidence import similar_stories

        if not getattr(user, "is_authenticated", False):
            return []
        viewer = board.viewer_for(user)
        found = []
        for story_id, score in similar_stories(story.id, viewer.analysable):
            other = db.session.get(Story, story_id)
            if other is not None and may_view(user, other):
                found.append({"story": other, "score": score})
        return found

    return {"stories_like": stories_like}
from evidence import reel_routes as _reel_routes  # noqa: E402,F401


@bp.app_context_processor
def _reel_helper():
    """`theme_reel_url(theme)`: the current reel's video and captions URLs, or None (present mode)."""
    from flask import url_for

    def theme_reel_url(theme):
        from flask_login import current_user as user

        from evidence.reels import current_reel

        if not getattr(user, "is_authenticated", False) or not user.has_role("facilitator", "admin"):
            return None
        if current_reel(theme) is None:
            return None
        return {"video": url_for("evidence.reel_file", theme_id=theme.id, name="reel.mp4"),
                "captions": url_for("evidence.reel_file", theme_id=theme.id, name="reel.vtt")}

    return {"theme_reel_url": theme_reel_url}
