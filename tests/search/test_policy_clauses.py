"""The per-row policy clauses search uses say exactly what the policy's sets say."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from accounts.models import User
from extensions import db
from governance import policy
from governance.models import StoryGovernance
from stories.models import Story
from tests import factories

pytestmark = pytest.mark.services


def _stories_in_every_state(reporter):
    made = []
    for scopes in (("analysis",), ("workshop", "quote"), ("manager_view", "analysis"), ("public",), None):
        for status in ("ready", "needs_review"):
            made.append(factories.make_story(reporter, scopes=scopes, status=status))
    expired = factories.make_story(reporter)
    expired.current_consent.expires_on = date.today() - timedelta(days=1)
    withdrawn = factories.make_story(reporter)
    withdrawn.current_consent.withdrawn_at = withdrawn.created_at
    for state in ({"safeguarding_state": "awaiting"}, {"safeguarding_state": "restricted"}, {"scan_state": "pending"},
                  {"scan_state": "failed"}, {"scan_state": "done", "safeguarding_state": "cleared"}):
        held = factories.make_story(reporter)
        db.session.add(StoryGovernance(story_id=held.id, **state))
    db.session.commit()


def test_each_clause_selects_the_same_stories_as_its_set(db_app, db_users):
    with db_app.app_context():
        _stories_in_every_state(db.session.get(User, db_users["reporter"].id))
        pairs = {
            "analysable": (policy.analysable_story_ids(), policy.analysable_clause(Story.id, Story.status)),
            "workshop": (policy.workshop_story_ids(), policy.workshop_clause(Story.id)),
            "quotable": (policy.quotable_story_ids(), policy.quotable_clause(Story.id)),
            "manager": (policy.manager_readable_story_ids(), policy.manager_readable_clause(Story.id)),
        }
        for name, (as_set, as_clause) in pairs.items():
            expected = set(db.session.scalars(as_set))
            assert expected, name  # the fixture has stories in every set
            assert set(db.session.scalars(select(Story.id).where(as_clause))) == expected, name
