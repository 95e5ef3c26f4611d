"""Fixtures for themes: a module-wide site over the dev corpus with one real discovery run."""
from __future__ import annotations

import pytest

from extensions import db
from tests import factories
from tests.conftest import build_app, reset_schema
from tests.themes.helpers import add_corpus_stories, corpus


@pytest.fixture(scope="module")
def corpus_app(tmp_path_factory):
    """An app (jobs inline) holding the 30 dev-corpus stories and one user per role; shared by a module."""
    application = build_app(tmp_path_factory.mktemp("themes-data"))
    reset_schema(application)
    with application.app_context():
        users = {role: factories.make_user(role, email=f"{role}@example.org") for role in
                 ("reporter", "facilitator", "manager", "admin")}
        data = corpus()
        ids = add_corpus_stories(users["reporter"], data["stories"])
        application.extra = {"ids": ids, "data": data, "users": {r: u.email for r, u in users.items()},
                             "user_ids": {r: u.id for r, u in users.items()}}
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(corpus_app):
    with corpus_app.app_context():
        yield corpus_app
        db.session.remove()
