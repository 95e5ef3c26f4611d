"""Fixtures: an app on SQLite (default) or PostgreSQL, a client, users per role."""
from __future__ import annotations

import os
import sys
from collections import namedtuple
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from app import create_app  # noqa: E402
from config import ROLES  # noqa: E402
from extensions import db  # noqa: E402
from tests import factories  # noqa: E402
from tests.services import create_pg_database, drop_pg_database  # noqa: E402

UserRef = namedtuple("UserRef", "id email roles")


def build_app(data_dir: Path, **overrides):
    config = {
        "TESTING": True,
        "DATA_DIR": str(data_dir),
        "TASK_QUEUE": "immediate",
        "WTF_CSRF_ENABLED": False,
        "SECRET_KEY": "test-secret",
        # Real argon2id, cheaper settings: the suite hashes hundreds of passwords.
        "ARGON2_PARAMS": {"time_cost": 1, "memory_cost": 1024, "parallelism": 1},
    }
    config.update(overrides)
    return create_app(config)


def reset_schema(app):
    with app.app_context():
        db.drop_all()
        db.create_all()


@pytest.fixture
def app(tmp_path):
    """The app on SQLite in a fresh data folder, jobs run inline."""
    application = build_app(tmp_path / "data")
    reset_schema(application)
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def pg_url():
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_app(request, tmp_path):
    """The same app on SQLite and on PostgreSQL: for tests of rules that live in queries."""
    overrides = {}
    if request.param == "postgresql":
        overrides["SQLALCHEMY_DATABASE_URI"] = request.getfixturevalue("pg_url")
    application = build_app(tmp_path / "data", **overrides)
    reset_schema(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def _make_users(application) -> dict[str, UserRef]:
    with application.app_context():
        made = {}
        for role in ROLES:
            user = factories.make_user(role, email=f"{role}@example.org")
            made[role] = UserRef(user.id, user.email, tuple(user.role_names))
        return made


@pytest.fixture
def users(app) -> dict[str, UserRef]:
    """One user per role, keyed by role."""
    return _make_users(app)


@pytest.fixture
def db_users(db_app) -> dict[str, UserRef]:
    return _make_users(db_app)


def sign_in(client, email: str, password: str = factories.PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def login():
    """login(client, user_ref) signs the client in as that user."""
    return lambda client, user: sign_in(client, user.email)
