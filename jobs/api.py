"""API: job status (progress bars poll this)."""
from flask import abort
from flask_login import current_user
from flask_smorest import Blueprint

from api import endpoint
from api.schemas import JobSchema
from core.access import SIGNED_IN
from extensions import db
from jobs.models import Job

api_bp = Blueprint("jobs_api", __name__, description="Background jobs")


def job_visible_to(job: Job, user) -> bool:
    """Staff roles see every job; a reporter sees jobs they started or on their own stories."""
    if user.has_role("admin", "facilitator", "safeguarding_lead", "manager"):
        return True
    if job.created_by_id == user.id:
        return True
    if job.story_id is not None:
        from stories.models import Story

        story = db.session.get(Story, job.story_id)
        return story is not None and story.reporter_id == user.id
    return False


@endpoint(api_bp, "/jobs/<int:job_id>", SIGNED_IN, gives=JobSchema)
def job_status(job_id: int):
    """Status, progress (0–100), message and estimated seconds left of one job."""
    job = db.session.get(Job, job_id)
    if job is None or not job_visible_to(job, current_user):
        abort(404)
    return job
