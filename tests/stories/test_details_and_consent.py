"""After saving: details can be changed (audited, the name kept out of the log); consent changes as a new record."""
from __future__ import annotations

from sqlalchemy import select

from accounts.models import User
from audit.models import AuditEntry
from extensions import db
from stories.models import ConsentRecord, Story, stories_with_scope
from tests.conftest import sign_in
from tests.factories import make_story


def _story(app, users):
    with app.app_context():
        story = make_story(db.session.get(User, users["reporter"].id), title="Bus fares", scopes=("analysis", "workshop"))
        return story.id


def test_the_reporter_changes_title_role_date_language_and_name(app, users):
    story_id = _story(app, users)
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    assert "Change the details" in client.get(f"/stories/{story_id}").get_data(as_text=True)
    response = client.post(f"/stories/{story_id}/details", data={
        "title": "Travel warrants", "storyteller_role": "staff", "storyteller_name": "Jo Bloggs",
        "recorded_on": "2026-11-20", "language": "pl", "notes": ""})
    assert response.status_code == 302
    with app.app_context():
        story = db.session.get(Story, story_id)
        assert (story.title, story.storyteller_role, story.language, str(story.recorded_on)) == \
            ("Travel warrants", "staff", "pl", "2026-11-20")
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "story.details_changed")).one()
        assert "Jo Bloggs" not in str(entry.before) + str(entry.after) + entry.summary
    bad = client.post(f"/stories/{story_id}/details", data={"title": "", "storyteller_role": "staff", "language": "pl"})
    assert bad.status_code == 200 and "short title" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Story, story_id).title == "Travel warrants"  # nothing saved is lost


def test_changed_consent_is_a_new_record_and_the_old_one_is_kept_untouched(app, users):
    story_id = _story(app, users)
    client = app.test_client()
    sign_in(client, users["reporter"].email)
    with app.app_context():
        old = db.session.scalars(select(ConsentRecord).where(ConsentRecord.story_id == story_id)).one()
        old_id, old_scopes = old.id, old.scopes
    response = client.post(f"/stories/{story_id}/consent", data={"consent_scopes": ["analysis"],
                                                                 "consent_method": "verbal"})
    assert response.status_code == 302
    with app.app_context():
        records = db.session.scalars(select(ConsentRecord).where(ConsentRecord.story_id == story_id)
                                     .order_by(ConsentRecord.id)).all()
        assert [r.id for r in records][0] == old_id and len(records) == 2
        assert records[0].scopes == old_scopes and records[0].superseded_at is not None
        assert records[1].scopes == ["analysis"] and records[1].method == "verbal"
        assert story_id in db.session.scalars(stories_with_scope("analysis")).all()
        assert story_id not in db.session.scalars(stories_with_scope("workshop")).all()
        assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "consent.changed")).one()
    refused = client.post(f"/stories/{story_id}/consent", data={"consent_scopes": [], "consent_method": "verbal"},
                          follow_redirects=True).get_data(as_text=True)
    assert "withdraw consent instead" in refused


def test_another_reporter_cannot_change_someone_elses_story(app, users):
    story_id = _story(app, users)
    from tests.factories import make_user

    with app.app_context():
        make_user("reporter", email="other@example.org")
    client = app.test_client()
    sign_in(client, "other@example.org")
    assert client.post(f"/stories/{story_id}/details", data={"title": "Mine now", "storyteller_role": "staff"}
                       ).status_code in (403, 404)
    with app.app_context():
        assert db.session.get(Story, story_id).title == "Bus fares"
