"""Worker jobs for evidence: building a theme reel."""
from __future__ import annotations

from extensions import db
from jobs.registry import handles
from jobs.runner import JobError


@handles("evidence.reel")  # ffmpeg work, like packs: the light queue
def build_theme_reel(job, report):
    """Build the reel (audio, captions, captioned video) of theme job.subject_id."""
    from evidence.reels import ReelError, build_reel_for
    from themes.models import Theme

    theme = db.session.get(Theme, job.subject_id)
    if theme is None:
        raise JobError("That theme no longer exists.")
    try:
        prefix = build_reel_for(theme, report=report)
    except ReelError as exc:
        raise JobError(str(exc)) from None
    report(100, "Reel ready")
    return {"reel": prefix}
