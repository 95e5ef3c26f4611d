"""Staff see a failed job's error in plain words; only admins (and the worker
log) see the technical detail, which can hold SQL and bound parameters."""
import pytest

from extensions import db
from jobs.models import Job
from tests.conftest import sign_in


@pytest.fixture
def failed_job(app):
    with app.app_context():
        job = Job(kind="themes.discover", status="failed", error="Something went wrong while doing this.",
                  error_detail="IntegrityError: INSERT INTO passages (text) VALUES ('Dave Smith said')")
        db.session.add(job)
        db.session.commit()
        return job.id


@pytest.mark.parametrize("role", ["facilitator", "manager", "safeguarding_lead"])
def test_staff_see_plain_words_only(app, users, failed_job, role):
    client = app.test_client()
    sign_in(client, users[role].email)
    body = client.get(f"/api/v1/jobs/{failed_job}").json
    assert body["error"].startswith("Something went wrong") and body["error_detail"] is None
    page = client.get(f"/jobs/{failed_job}").get_data(as_text=True)
    assert "INSERT INTO" not in page and "Dave Smith" not in page


def test_admins_see_the_technical_detail(app, users, failed_job):
    client = app.test_client()
    sign_in(client, users["admin"].email)
    assert "INSERT INTO" in client.get(f"/api/v1/jobs/{failed_job}").json["error_detail"]
    assert "INSERT INTO" in client.get(f"/jobs/{failed_job}").get_data(as_text=True)
