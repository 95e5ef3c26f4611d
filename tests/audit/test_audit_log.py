"""The audit log is append-only, browsable by admins, and exportable."""
import csv
import io
import logging

import pytest

from audit.models import AuditEntry
from audit.services import AuditLogIsAppendOnly, record
from extensions import db
from tests.conftest import sign_in


def test_audit_rows_cannot_be_changed_or_deleted(db_app):
    with db_app.app_context():
        entry = record("story.viewed_unredacted", summary="story 1", object_type="stories", object_id=1)
        db.session.commit()
        entry.summary = "nothing to see"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEntry, entry.id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        assert db.session.get(AuditEntry, entry.id).summary == "story 1"


def test_admin_filters_the_log_and_exports_csv_which_is_itself_audited(db_app, db_users):
    with db_app.app_context():
        record("consent.withdrawn", summary="story 7 withdrawn", object_type="stories", object_id=7)
        record("story.edited", summary="story 8 edited", object_type="stories", object_id=8)
        db.session.commit()
    client = db_app.test_client()
    sign_in(client, db_users["admin"].email)
    page = client.get("/admin/audit?action=consent.withdrawn").get_data(as_text=True)
    assert "story 7 withdrawn" in page and "story 8 edited" not in page
    response = client.get("/admin/audit.csv?object_type=stories&object_id=8")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["summary"] for r in rows] == ["story 8 edited"]
    with db_app.app_context():
        exported = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "audit.exported")).one()
        assert exported.actor_label == db_users["admin"].email


def test_there_is_no_route_that_edits_or_deletes_audit_rows(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_refusals_are_logged(client, users, caplog):
    sign_in(client, users["reporter"].email)
    with caplog.at_level(logging.WARNING):
        assert client.get("/admin/audit").status_code == 403
    assert any("/admin/audit" in r.getMessage() and "403" in r.getMessage() for r in caplog.records)


def test_bulk_update_and_delete_through_the_orm_are_refused(db_app):
    from sqlalchemy import delete, update

    with db_app.app_context():
        entry = record("story.edited", summary="kept", object_type="stories", object_id=1)
        db.session.commit()
        for statement in (update(AuditEntry).values(summary="gone"), delete(AuditEntry)):
            with pytest.raises(AuditLogIsAppendOnly):
                db.session.execute(statement)
            db.session.rollback()
        assert db.session.get(AuditEntry, entry.id).summary == "kept"


@pytest.mark.real_commits
def test_the_database_itself_refuses_raw_sql_changes(db_app):
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    with db_app.app_context():
        entry = record("story.edited", summary="kept", object_type="stories", object_id=1)
        db.session.commit()
        for sql in ("UPDATE audit_log SET summary = 'gone'", "DELETE FROM audit_log"):
            with db.engine.connect() as conn, pytest.raises(DatabaseError, match="append-only"):
                conn.execute(text(sql))
                conn.commit()
        assert db.session.get(AuditEntry, entry.id).summary == "kept"
