"""Periodic work is declared by each domain, runs as a visible Job row, and runs
once however many workers' schedulers fire for the same time slot."""
import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from extensions import db
from jobs.models import Job


def test_each_domain_declares_its_periodic_work():
    from jobs.registry import periodic_jobs

    kinds = {p.kind for p in periodic_jobs()}
    assert {"governance.retention", "stories.clean_uploads"} <= kinds


@pytest.mark.real_commits  # threads on their own connections
def test_a_slot_fired_by_several_workers_creates_one_job(db_app):
    from jobs.services import start_periodic_job

    slot = datetime(2026, 12, 1, 3, 15, 2)
    results = []

    def fire():
        with db_app.test_request_context():
            results.append(start_periodic_job("governance.retention", now=slot))
            db.session.remove()

    threads = [threading.Thread(target=fire) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db_app.app_context():
        jobs = db.session.scalars(select(Job).where(Job.kind == "governance.retention")).all()
        assert len(jobs) == 1 and jobs[0].status == "succeeded"  # immediate queue: it ran
        assert jobs[0].message.startswith("Originals deleted for")
    assert sum(r is not None for r in results) == 1
    with db_app.test_request_context():
        assert start_periodic_job("governance.retention", now=slot.replace(day=2)) is not None  # the next night runs


def test_run_retention_now_queues_the_job_and_shows_it(app, users):
    from tests.conftest import sign_in

    client = app.test_client()
    sign_in(client, users["admin"].email)
    response = client.post("/admin/governance/retention/run")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    with app.app_context():
        job = db.session.scalars(select(Job).where(Job.kind == "governance.retention")).one()
        assert job.status == "succeeded" and job.created_by_id == users["admin"].id
