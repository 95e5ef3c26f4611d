"""Fixtures for the cross-domain rules: the governance ones (spaCy once a session, User rows)."""
from tests.governance.conftest import as_user, nlp  # noqa: F401  (fixtures shared with tests/governance)
from tests.workshops.conftest import world  # noqa: F401,E402  (stories, a theme run with 3 themes, key quotes)
