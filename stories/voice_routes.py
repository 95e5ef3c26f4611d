"""The reporter's voice page: record a short consented sample so their turns are labelled "Reporter"."""
from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from core.access import allow
from core.forms import ConfirmForm
from stories import bp, voice
from stories.services import StoryError


@bp.route("/voice", methods=["GET"])
@allow("reporter")
def my_voice():
    """Whether the site knows the reporter's voice, and a recorder to teach it."""
    from jobs.services import latest_job

    row = voice.enrolment_for(current_user.id)
    job = latest_job(voice.ENROL, subject_type="user", subject_id=current_user.id) if row else None
    return render_template("stories/voice.html", enrolment=row, job=job, form=ConfirmForm(),
                           max_kb=voice.MAX_SAMPLE_BYTES // 1024)


@bp.route("/voice", methods=["POST"])
@allow("reporter")
def save_voice():
    """The sample as the request body (stories-voice.js), read into memory and sealed at once."""
    request.max_content_length = voice.MAX_SAMPLE_BYTES + 1024
    consented = request.headers.get("X-Voice-Consent") == "yes"
    try:
        job = voice.start_enrolment(current_user, request.get_data(cache=False), consented=consented)
    except StoryError as exc:
        return jsonify({"message": exc.message}), exc.status
    return jsonify({"message": "Saved. Your voice is being learned: this takes a minute.", "job": job.id}), 202


@bp.route("/voice/forget", methods=["POST"])
@allow("reporter")
def forget_voice():
    """Forget the reporter's voice."""
    if ConfirmForm().validate_on_submit() and voice.remove_enrolment(current_user):
        flash("Your voice is forgotten. New recordings will guess who the reporter is.", "success")
    return redirect(url_for("stories.my_voice"))
