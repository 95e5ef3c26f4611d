"""Subject access for a person (not a story): an admin downloads everything held about them, audited;
deactivating a person deletes their voice embedding (the `person_leaving` signal)."""
from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEntry
from extensions import db
from stories.models import VoiceEnrolment
from tests.conftest import sign_in
from tests.factories import make_story


def _enrol(user_id: int, sample_key: str = "") -> None:
    from stories.voice import seal_embedding

    db.session.add(VoiceEnrolment(user_id=user_id, state="ready", embedding=seal_embedding([0.125, -0.5], user_id),
                                  sample_key=sample_key))
    db.session.commit()


def test_an_admin_downloads_everything_held_about_a_person(app, users):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        story_id = make_story(reporter, title="The hostel in March").id
        _enrol(reporter.id)
        other_id = make_story(db.session.get(User, users["admin"].id), title="Not theirs").id
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    admin.post(f"/admin/users/{users['reporter'].id}", data={"roles": ["reporter", "facilitator"]})
    response = admin.get(f"/admin/users/{users['reporter'].id}/subject-access.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {"account.json", "audit.json", "stories.json", "voice.json", "README.txt"} <= names
    account = json.loads(archive.read("account.json"))
    assert account["email"] == users["reporter"].email and "password_hash" not in json.dumps(account)
    stories = json.loads(archive.read("stories.json"))
    assert [s["id"] for s in stories] == [story_id] and stories[0]["title"] == "The hostel in March"
    assert other_id not in [s["id"] for s in stories]
    assert json.loads(archive.read("voice.json"))["embedding"] == [0.125, -0.5]
    assert any(e["action"] == "user.roles_changed" for e in json.loads(archive.read("audit.json")))
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.subject_access_exported"))
        assert entry.object_id == str(users["reporter"].id) and entry.actor_label == users["admin"].email


def test_only_admins_download_a_person(app, users):
    for role in ("reporter", "facilitator", "manager", "safeguarding_lead"):
        client = app.test_client()
        sign_in(client, users[role].email)
        assert client.get(f"/admin/users/{users['reporter'].id}/subject-access.zip").status_code in (403, 404), role
    assert app.test_client().get(f"/admin/users/{users['reporter'].id}/subject-access.zip").status_code in (302, 401, 403)


def test_a_person_with_no_voice_says_so(app, users):
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    archive = zipfile.ZipFile(io.BytesIO(admin.get(f"/admin/users/{users['manager'].id}/subject-access.zip").data))
    assert json.loads(archive.read("voice.json")) == {"enrolled": False}
    assert json.loads(archive.read("stories.json")) == []


def test_deactivating_a_person_deletes_their_voice_embedding_and_sample(app, users):
    from core.sealed import seal_bytes
    from core.storage import storage

    with app.app_context():
        key = f"voices/{users['reporter'].id}/waiting.sealed"
        storage().put_bytes(key, seal_bytes(b"sample"))
        _enrol(users["reporter"].id, sample_key=key)
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    admin.post(f"/admin/users/{users['reporter'].id}/active", data={})
    with app.app_context():
        assert db.session.get(User, users["reporter"].id).active is False
        assert db.session.get(VoiceEnrolment, users["reporter"].id) is None
        assert not storage().exists(key)
        assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "voice.enrolment_removed",
                                                          AuditEntry.object_id == str(users["reporter"].id)))
