"""Governance fixtures: the real spaCy pipeline, loaded once for the session."""
import pytest


@pytest.fixture(scope="session")
def nlp():
    from engines.redaction import load_nlp

    return load_nlp()


@pytest.fixture
def as_user():
    """as_user(users[role]) -> the User row, for calling services directly."""
    from accounts.models import User
    from extensions import db

    return lambda ref: db.session.get(User, ref.id)
