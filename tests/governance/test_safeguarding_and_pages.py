"""Safeguarding flags after transcription, the lead's queue and decision, the review pages, audit."""
import pytest

from audit.models import AuditEntry
from audit.services import AuditLogIsAppendOnly
from extensions import db
from governance import policy, services
from tests import factories
from tests.conftest import sign_in


@pytest.mark.slow
def test_disclosure_waits_for_the_lead_then_decision_releases_it(app, users, nlp, as_user):
    client = app.test_client()
    with app.app_context():
        reporter = as_user(users["reporter"])
        risky = factories.make_story(reporter, title="Hard times",
                                     text="Things got bad. Last winter I wanted to kill myself.")
        calm = factories.make_story(reporter, title="Calm", text="My officer helped me find a course.")
        for story in (risky, calm):
            services.after_transcription(story.id)
        gov = services.governance_for(risky, create=False)
        assert gov.safeguarding_state == "awaiting" and gov.scan_state == "done"
        assert {f.category for f in services.flags_for(risky)} == {"self_harm"}
        assert set(db.session.scalars(policy.analysable_story_ids()).all()) == {calm.id}
        risky_id = risky.id
    sign_in(client, users["safeguarding_lead"].email)
    page = client.get("/safeguarding")
    assert page.status_code == 200 and b"Hard times" in page.data and b"Calm" not in page.data
    detail = client.get(f"/safeguarding/stories/{risky_id}")
    assert b"kill myself" in detail.data and b"Flagged" in detail.data
    assert client.post(f"/safeguarding/stories/{risky_id}", data={"decision": "no_action", "note": ""}).status_code == 200
    response = client.post(f"/safeguarding/stories/{risky_id}",
                           data={"decision": "no_action", "note": "Past, and known to her officer."})
    assert response.status_code == 302
    with app.app_context():
        assert risky_id in set(db.session.scalars(policy.analysable_story_ids()).all())
        actions = [e.action for e in db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.object_id == str(risky_id))).all()]
        assert "safeguarding.flagged" in actions and "safeguarding.decided" in actions
        assert "story.viewed_unredacted" in actions


@pytest.mark.slow
def test_review_page_access_and_panel(app, users, nlp, as_user):
    with app.app_context():
        story = factories.make_story(as_user(users["reporter"]), text="Sarah Jones moved me to Leeds.")
        services.scan_story(story.id, nlp=nlp)
        other = factories.make_user("reporter", email="other@example.org")
        story_id, other_email = story.id, other.email
    owner, stranger, facilitator, manager = (app.test_client() for _ in range(4))
    sign_in(owner, users["reporter"].email)
    sign_in(stranger, other_email)
    sign_in(facilitator, users["facilitator"].email)
    sign_in(manager, users["manager"].email)
    page = owner.get(f"/stories/{story_id}/redactions")
    assert page.status_code == 200 and b"Sarah Jones" in page.data and b"[name] moved me to [place]" in page.data
    assert stranger.get(f"/stories/{story_id}/redactions").status_code == 404  # as for a story that does not exist
    assert manager.get(f"/stories/{story_id}/redactions").status_code == 403
    assert facilitator.get(f"/stories/{story_id}/redactions").status_code == 200
    assert stranger.post(f"/stories/{story_id}/consent/withdraw", data={}).status_code == 404
    with app.app_context():
        row = services.redactions_for(db.session.get(policy.Story, story_id))[0]
    assert stranger.post(f"/stories/{story_id}/redactions/{row.id}/reject").status_code == 404
    assert owner.post(f"/stories/{story_id}/redactions/{row.id}/accept").status_code == 302
    # The story page's panel renders for the owner, with the withdraw link.
    with app.test_request_context():
        from flask_login import login_user

        with app.app_context():
            login_user(as_user(users["reporter"]))
            from flask import render_template_string

            html = render_template_string('{% include "governance/_story_panel.html" %}',
                                          story=db.session.get(policy.Story, story_id))
    assert "Withdraw consent" in html and "1 hidden, 1 suggested" in html
    response = owner.post(f"/stories/{story_id}/consent/withdraw", data={"requested_by": "Storyteller", "reason": "moved"})
    assert response.status_code == 302
    with app.app_context():
        assert story_id not in set(db.session.scalars(policy.analysable_story_ids()).all())


def test_audit_rows_cannot_be_edited_or_deleted(app, users, as_user):
    with app.app_context():
        story = factories.make_story(as_user(users["reporter"]))
        services.record_unredacted_view(as_user(users["admin"]), story)
        entry = db.session.scalars(db.select(AuditEntry)).first()
        entry.summary = "nothing happened"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.scalars(db.select(AuditEntry)).first())
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
