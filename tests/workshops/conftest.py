"""Fixtures for workshop tests: a world of stories, themes and a facilitator."""
import pytest

from accounts.models import User
from extensions import db
from tests.workshops.helpers import build_world


@pytest.fixture
def world(app, users):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        return build_world(reporter=reporter)
