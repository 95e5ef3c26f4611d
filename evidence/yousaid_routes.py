""""You said, we did" pages: per story (print and listen), consent read aloud, a workshop's public page."""
from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from core.access import PUBLIC, SIGNED_IN, allow
from evidence import bp, yousaid
from extensions import db

TAKERS = ("reporter", "facilitator", "admin")
SHAPERS = ("facilitator", "admin")


def _story(story_id: int):
    from stories.services import get_story

    return get_story(current_user, story_id)  # 404 unless this person may see the story


@bp.route("/stories/<int:story_id>/you-said-we-did")
@allow(*TAKERS)
def you_said(story_id: int):
    """A one-page summary in large type to print and take back to the storyteller."""
    return render_template("evidence/you_said.html", summary=yousaid.summary(_story(story_id)))


@bp.route("/stories/<int:story_id>/you-said-we-did.wav")
@allow(*TAKERS)
def you_said_audio(story_id: int):
    """The same summary read aloud (espeak-ng, on this machine)."""
    wav = yousaid.speech_wav(yousaid.summary(_story(story_id)).spoken(), story_id=story_id)
    return Response(wav, mimetype="audio/wav", headers={"Cache-Control": "no-store"})


@bp.route("/consent/read-aloud.wav")
@allow(SIGNED_IN)
def consent_audio():
    """The consent choices read aloud, for storytellers who read with difficulty."""
    return Response(yousaid.speech_wav(yousaid.consent_words(), cache=True), mimetype="audio/wav")


@bp.route("/workshops/<int:workshop_id>/public", methods=["POST"])
@allow(*SHAPERS)
def set_public(workshop_id: int):
    """Turn the workshop's public "you said, we did" page on or off."""
    from workshops.models import Workshop

    workshop = db.get_or_404(Workshop, workshop_id)
    page = yousaid.set_public(workshop, request.form.get("enabled") == "1", actor=current_user)
    flash("The public page is on." if page else "The public page is off.", "success")
    return redirect(url_for("evidence.public_settings", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/public")
@allow(*SHAPERS)
def public_settings(workshop_id: int):
    """Whether the workshop has a public page, and its address."""
    from workshops.models import Workshop

    workshop = db.get_or_404(Workshop, workshop_id)
    return render_template("evidence/public_settings.html", workshop=workshop, page=yousaid.public_page(workshop.id))


@bp.route("/public/<slug>")
@allow(PUBLIC)
def public_workshop(slug: str):
    """A workshop's public page: themes, what was decided, words only from stories with `public` consent."""
    from evidence.models import PublicPage

    page = db.session.scalar(db.select(PublicPage).where(PublicPage.slug == slug))
    if page is None:
        abort(404)
    from workshops.models import Workshop

    workshop = db.session.get(Workshop, page.workshop_id)
    return render_template("evidence/public.html", workshop=workshop, content=yousaid.public_content(workshop))


@bp.route("/workshops/<int:workshop_id>/export.<kind>")
@allow(*SHAPERS)
def export_workshop(workshop_id: int, kind: str):
    """Download the workshop as PowerPoint (one slide per theme, clips inside) or a Word report."""
    from evidence.exports import FORMATS, ExportError, build_export, export_name
    from workshops.models import Workshop

    workshop = db.get_or_404(Workshop, workshop_id)
    if kind not in FORMATS:
        abort(404)
    try:
        data = build_export(workshop, kind, actor=current_user)
    except ExportError as exc:
        flash(str(exc), "error")
        return redirect(url_for("workshops.show", workshop_id=workshop.id))
    return Response(data, mimetype=FORMATS[kind],
                    headers={"Content-Disposition": f'attachment; filename="{export_name(workshop, kind)}"'})
