"""Consent, safeguarding holds and withdrawal enforced in the queries, on SQLite and PostgreSQL."""
from datetime import date, timedelta

from extensions import db
from governance import policy, services
from governance.models import StoryGovernance
from tests import factories


def ids(stmt):
    return set(db.session.scalars(stmt).all())


def test_each_scope_gates_its_use(db_app, db_users):
    with db_app.app_context():
        reporter = factories.make_user("reporter")
        full = factories.make_story(reporter, title="full")
        only_analysis = factories.make_story(reporter, scopes=("analysis",))
        only_workshop = factories.make_story(reporter, scopes=("workshop",))
        only_quote = factories.make_story(reporter, scopes=("quote",))
        only_manager = factories.make_story(reporter, scopes=("manager_view",))
        not_ready = factories.make_story(reporter, status="needs_review")
        no_consent = factories.make_story(reporter, scopes=None)
        assert ids(policy.analysable_story_ids()) == {full.id, only_analysis.id}
        assert ids(policy.workshop_story_ids()) == {full.id, only_workshop.id, not_ready.id}
        assert ids(policy.quotable_story_ids()) == {full.id, only_quote.id, not_ready.id}
        assert ids(policy.manager_readable_story_ids()) == {full.id, only_manager.id, not_ready.id}
        assert no_consent.id not in ids(policy.workshop_story_ids()) | ids(policy.analysable_story_ids())


def test_withdrawal_and_expiry_take_effect_at_once(db_app, db_users):
    with db_app.app_context():
        reporter = factories.make_user("reporter")
        withdrawn = factories.make_story(reporter)
        expired = factories.make_story(reporter)
        expires_today = factories.make_story(reporter)
        kept = factories.make_story(reporter)
        expired.current_consent.expires_on = date.today() - timedelta(days=1)
        expires_today.current_consent.expires_on = date.today()
        db.session.commit()
        every = [policy.analysable_story_ids, policy.workshop_story_ids, policy.quotable_story_ids,
                 policy.manager_readable_story_ids]
        assert all(withdrawn.id in ids(f()) for f in every)
        services.withdraw_consent(withdrawn, reporter, requested_by="The storyteller, by phone", reason="changed mind")
        for f in every:
            found = ids(f())
            assert withdrawn.id not in found and expired.id not in found
            assert {kept.id, expires_today.id} <= found
        consent = withdrawn.consents[-1]
        assert consent.withdrawn_by_id == reporter.id and consent.withdrawal_requested_by == "The storyteller, by phone"
        from audit.models import AuditEntry

        entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "consent.withdrawn")).one()
        assert entry.object_id == str(withdrawn.id) and entry.actor_id == reporter.id


def test_safeguarding_hold_and_restriction(db_app, db_users):
    with db_app.app_context():
        reporter = factories.make_user("reporter")
        lead = factories.make_user("safeguarding_lead")
        held = factories.make_story(reporter)
        restricted = factories.make_story(reporter)
        pending = factories.make_story(reporter)
        cleared = factories.make_story(reporter)
        db.session.add_all([
            StoryGovernance(story_id=held.id, safeguarding_state="awaiting", scan_state="done"),
            StoryGovernance(story_id=restricted.id, safeguarding_state="awaiting", scan_state="done"),
            StoryGovernance(story_id=pending.id, scan_state="pending"),
            StoryGovernance(story_id=cleared.id, safeguarding_state="awaiting", scan_state="done"),
        ])
        db.session.commit()
        assert ids(policy.analysable_story_ids()) == set()
        services.decide_safeguarding(cleared, "no_action", "Past disclosure, already known.", lead)
        services.decide_safeguarding(restricted, "restricted", "Too identifying.", lead)
        assert ids(policy.analysable_story_ids()) == {cleared.id}
        assert restricted.id not in ids(policy.workshop_story_ids()) | ids(policy.quotable_story_ids())
        try:
            services.decide_safeguarding(restricted, "no_action", "", lead)
        except services.GovernanceError:
            pass
        else:
            raise AssertionError("a restricted story was released")
        assert restricted.id not in ids(policy.analysable_story_ids())
