"""Pages about jobs: the admin's worker check and a job's progress page."""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from core.forms import ConfirmForm
from core.access import SIGNED_IN, allow
from extensions import db
from jobs import bp
from jobs.api import job_visible_to
from jobs.models import Job
from jobs.services import retry_job, start_job


@bp.route("/admin/worker", methods=["GET", "POST"])
@allow("admin")
def selfcheck():
    """Queue a short job to see that a worker is running and reporting progress."""
    form = ConfirmForm()
    if form.validate_on_submit():
        job = start_job("system.selfcheck", params={"steps": 5, "pause": 0.5}, user=current_user)
        return redirect(url_for("jobs.show", job_id=job.id))
    return render_template("jobs/selfcheck.html", form=form)


@bp.route("/jobs/<int:job_id>")
@allow(SIGNED_IN)
def show(job_id: int):
    """A job's live progress."""
    job = db.session.get(Job, job_id)
    if job is None or not job_visible_to(job, current_user):
        abort(404)
    return render_template("jobs/show.html", job=job, form=ConfirmForm())


@bp.route("/jobs/<int:job_id>/retry", methods=["POST"])
@allow(SIGNED_IN)
def retry(job_id: int):
    """Try a failed job again."""
    job = db.session.get(Job, job_id)
    if job is None or not job_visible_to(job, current_user):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        retry_job(job, user=current_user)
        flash("Trying again.", "info")
    except ValueError as exc:
        flash(str(exc), "error")
    return redirect(url_for("jobs.show", job_id=job.id))
