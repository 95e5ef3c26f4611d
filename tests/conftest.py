"""Fixtures: an app on SQLite (default) or PostgreSQL, a client, users per role, factories.

The schema is created once per session; each test runs inside one outer transaction
that is rolled back at the end (SQLAlchemy's "join_transaction_mode=create_savepoint":
the code's own commits and rollbacks become savepoints), the pattern of indico's
indico/testing/fixtures/database.py. Each test still gets its own app and data folder.
Tests whose commits another process or connection must see (a live server, a real worker,
the bytes of the database file after an erasure) are marked `real_commits` and get a schema
of their own, as every test did before.
"""
from __future__ import annotations

import os
import sys
import threading
from collections import namedtuple
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from flask_sqlalchemy.session import Session as FlaskSession  # noqa: E402
from jinja2 import BytecodeCache  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import scoped_session  # noqa: E402

from tests import model_watch  # noqa: E402
from tests.model_watch import MODEL_FIXTURES, heavy_loaded, model_used, start_watching  # noqa: E402

start_watching()  # before the app (or any test) binds the model loaders by name


def _url_builders_compiled_when_first_used() -> None:
    """Werkzeug writes and compiles two URL-building functions (Python source, ast, compile) for every
    rule as an app is made; the suite makes ~440 apps of ~145 rules and builds few URLs in each, and
    that compiling was a quarter of `make test-fast`'s time (cProfile: 92 of 583 s). Each builder is
    now compiled by the same werkzeug code the first time it builds a URL. The site itself is unchanged."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder

    def deferred(rule, append_unknown=True):
        compiled = []

        def build(_rule, **values):
            if not compiled:
                compiled.append(compile_builder(rule, append_unknown).__get__(rule, None))
            return compiled[0](**values)
        return build

    Rule._compile_builder = deferred


_url_builders_compiled_when_first_used()


def _api_documented_when_first_read() -> None:
    """flask-smorest documents every endpoint of a blueprint (schemas converted to OpenAPI by apispec) as
    the blueprint is registered: a third of building an app (py-spy over `make test`: ~20 of 97 s in the
    tests' own fixtures), for ~440 apps whose OpenAPI document a handful of tests read. Each blueprint's
    documentation is now written by the same flask-smorest code when its spec is first turned into a
    document (APISpec.to_dict, which /api/v1/openapi.json serves), in the order the blueprints came."""
    from apispec import APISpec
    from flask_smorest.blueprint import Blueprint

    document_views, to_dict = Blueprint.register_views_in_doc, APISpec.to_dict

    def deferred(blp, api, app, spec, **options):
        spec.__dict__.setdefault("_undocumented", []).append((blp, api, app, options))

    def documented(spec):
        for blp, api, app, options in spec.__dict__.pop("_undocumented", []):
            document_views(blp, api, app, spec, **options)
        return to_dict(spec)

    Blueprint.register_views_in_doc, APISpec.to_dict = deferred, documented


_api_documented_when_first_read()


def _password_scores_remembered() -> None:
    """Every test's users are made with the same few passwords, names and emails, and zxcvbn scored each
    one again (~8 of those 97 s): its verdict for the same password and words is now kept for the session."""
    import copy

    import zxcvbn as package

    score, verdicts = package.zxcvbn, {}

    def remembered(password, user_inputs=None, **options):
        key = (password, tuple(user_inputs or ()), tuple(sorted(options.items())))
        if key not in verdicts:
            verdicts[key] = score(password, user_inputs=user_inputs, **options)
        return copy.deepcopy(verdicts[key])

    package.zxcvbn = remembered


_password_scores_remembered()


class _TemplatesCompiledOnce(BytecodeCache):
    """Every test's app compiles the same ~30 templates (Jinja: 32 of 583 profiled seconds of
    `make test-fast`). Jinja's bytecode cache shares the compiled code between the apps; a bucket is
    keyed by the template's name and a checksum of its source, so an edited template is compiled again."""

    def __init__(self):
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


_COMPILED_TEMPLATES = _TemplatesCompiledOnce()

from app import create_app  # noqa: E402
from config import ROLES  # noqa: E402
from extensions import db  # noqa: E402
from tests import factories  # noqa: E402
from tests.services import create_pg_database, drop_pg_database  # noqa: E402

UserRef = namedtuple("UserRef", "id email roles")
_HEAVY_BEFORE = pytest.StashKey[set]()



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
    application = create_app(config)
    application.jinja_env.bytecode_cache = _COMPILED_TEMPLATES
    return application


def reset_schema(app):
    with app.app_context():
        db.drop_all()
        db.create_all()


# --- one schema per session, one rolled-back transaction per test -------------------------------

class _TestSession(FlaskSession):
    """Every statement goes through the test's connection (Flask-SQLAlchemy would pick the engine)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind


class _OneSessionPerTest(scoped_session):
    """One session for every app context of the test, on the test's connection.

    Savepoints on one connection nest: a job run inline in its own app context would
    otherwise commit inside the request's savepoint and be undone when the request's
    session closed. So the contexts share the session, and the end of a context (Flask-
    SQLAlchemy calls remove()) rolls back what it left uncommitted and expires what it
    loaded, as closing it would, without detaching objects the test still holds."""

    owner = threading.get_ident()

    def remove(self):
        # Another thread's context (a job's heartbeat) ending must not touch the test's session.
        if threading.get_ident() == self.owner and self.registry.has():
            self.registry().rollback()

    def close_for_good(self):
        if self.registry.has():
            self.registry().close()
        self.registry.clear()


def _sqlite_savepoints(engine) -> None:
    """pysqlite starts transactions itself and breaks SAVEPOINT; let SQLAlchemy emit BEGIN (its documented recipe)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_pysqlite_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")

    engine.dispose()


def _side_connections_fail_fast(engine) -> None:
    """The test's connection holds SQLite's write lock until the rollback: another connection
    (a WAL checkpoint after an erasure, a job heartbeat) would wait 30 s for it; let it give up at once."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _short_busy_timeout(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=50")


@contextmanager
def rolled_back(application):
    """Run with db.session bound to one connection whose outer transaction is rolled back at the end."""
    with application.app_context():
        engine = db.engine
    _sqlite_savepoints(engine)
    connection = engine.connect()
    outer = connection.begin()
    _side_connections_fail_fast(engine)
    saved = db.session
    factory = db._make_session_factory(
        {"class_": _TestSession, "bind": connection, "join_transaction_mode": "create_savepoint"})
    db.session = _OneSessionPerTest(factory, scopefunc=lambda: "test")
    db.session.owner = threading.get_ident()
    try:
        yield application
    finally:
        db.session.close_for_good()
        db.session = saved
        outer.rollback()
        connection.close()
        engine.dispose()


def _schema_once(tmp_path_factory, url: str | None, name: str) -> str:
    data_dir = tmp_path_factory.mktemp(f"schema-{name}")
    url = url or f"sqlite:///{data_dir / 'storyloom.db'}"
    application = build_app(data_dir / "data", SQLALCHEMY_DATABASE_URI=url)
    reset_schema(application)
    with application.app_context():
        db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def sqlite_schema(tmp_path_factory) -> str:
    """URL of a SQLite database whose schema was made once for the session."""
    return _schema_once(tmp_path_factory, None, "sqlite")


@pytest.fixture(scope="session")
def pg_url():
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="session")
def pg_schema(tmp_path_factory) -> str:
    """URL of a PostgreSQL database of its own (never reset by a `real_commits` test), schema made once."""
    url = create_pg_database()
    yield _schema_once(tmp_path_factory, url, "postgresql")
    drop_pg_database(url)


def _fresh(application):
    """A schema of the app's own with real commits (the suite's old way, for `real_commits` tests)."""
    reset_schema(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _test_app(request, tmp_path, backend: str):
    """Build the test's app; a `real_commits` test gets a schema of its own, others the session's, rolled back."""
    fresh = request.node.get_closest_marker("real_commits") is not None
    if backend == "postgresql":
        url = request.getfixturevalue("pg_url" if fresh else "pg_schema")
    else:
        url = None if fresh else request.getfixturevalue("sqlite_schema")
    overrides = {"SQLALCHEMY_DATABASE_URI": url} if url else {}
    if not fresh:
        overrides["PACK_CLIP_THREADS"] = 1  # one connection holds the test's transaction: no threads on it
        overrides["WAL_CHECKPOINT_SECONDS"] = 0  # and SQLite's write lock, so an erasure's checkpoint cannot finish
    application = build_app(tmp_path / "data", **overrides)
    if fresh:
        yield from _fresh(application)
        return
    with rolled_back(application):
        yield application


@pytest.fixture
def app(request, tmp_path):
    """The app on SQLite in a fresh data folder, jobs run inline; the test's rows are rolled back after it.

    Mark a test `@pytest.mark.real_commits` when another process or connection must see its
    commits (a live server, a real worker, the bytes of the database file): it then gets a
    schema of its own in its data folder, and its commits are real.
    """
    yield from _test_app(request, tmp_path, "sqlite")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_app(request, tmp_path):
    """The same app on SQLite and on PostgreSQL: for tests of rules that live in queries."""
    yield from _test_app(request, tmp_path, request.param)


@pytest.fixture
def client(app):
    return app.test_client()


# --- people ----------------------------------------------------------------------------------

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


class AuthActions:
    """auth.login("manager"), auth.login(users["admin"]), auth.logout(): the Flask tutorial's helper."""

    def __init__(self, client, users):
        self._client = client
        self._users = users

    def login(self, who="reporter", password: str = factories.PASSWORD):
        user = self._users[who] if isinstance(who, str) else who
        return sign_in(self._client, user.email, password)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client, users) -> AuthActions:
    return AuthActions(client, users)


# --- rows inside an app context -----------------------------------------------------------

@pytest.fixture
def app_context(app):
    """An app context open for the whole test (rows made by the factories stay usable)."""
    with app.app_context() as context:
        yield context


@pytest.fixture
def make_user(app_context):
    """make_user("manager", email=…) -> a User row."""
    return factories.make_user


@pytest.fixture
def make_story(app_context, users):
    """make_story(audio=False, consent=("analysis", …) or None, reporter=User, **Story fields) -> a Story row.

    audio=True stores a short tone as the story's (encrypted) audio with timed segments.
    """
    from accounts.models import User

    def make(*, reporter=None, **kwargs):
        reporter = reporter or db.session.get(User, users["reporter"].id)
        return factories.make_story(reporter, **kwargs)

    return make


@contextmanager
def statements_sent(app):
    """with statements_sent(app) as statements: … ; the SQL statements run inside (savepoints aside)."""
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO", "BEGIN")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def count_queries(app):
    """with count_queries() as queries: … ; len(queries) is the SQL statements run inside (savepoints aside)."""
    return lambda: statements_sent(app)


# --- markers -------------------------------------------------------------------------------

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    item.stash[_HEAVY_BEFORE] = heavy_loaded()
    model_used.clear()
    model_watch.refuse_models = not any(item.get_closest_marker(m) for m in ("slow", "browser"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test not marked slow that uses a real model fails: mark it slow, so `make test-fast` stays fast.

    "Uses": its fixtures or body call a model loader (engines.embeddings, redaction's spaCy,
    the transcriber), ask for a fixture that holds a model, or import a model library."""
    result = yield
    used = sorted(set(model_used) | (heavy_loaded() - item.stash.get(_HEAVY_BEFORE, set()))
                  | (set(item.fixturenames) & MODEL_FIXTURES))
    if used and item.get_closest_marker("slow") is None and item.get_closest_marker("browser") is None:
        pytest.fail(f"{item.nodeid} uses a real model ({', '.join(used)}): mark it @pytest.mark.slow", pytrace=False)
    return result


@pytest.fixture
def queued_app(tmp_path):
    """An app of its own whose jobs are only queued (the SQLite queue), never run: what a save or an
    upload leaves for the worker can be looked at before the worker has done it."""
    from tests.jobs.helpers import queued_site

    with queued_site(tmp_path, TASK_QUEUE="sqlite") as application:
        yield application


def app_on(backend: str, tmp_path, request):
    """An app on an empty SQLite file, or on a PostgreSQL database of its own dropped after the test."""
    overrides = {}
    if backend == "postgresql":
        from tests.services import create_pg_database, drop_pg_database

        url = create_pg_database()
        request.addfinalizer(lambda: drop_pg_database(url))
        overrides["SQLALCHEMY_DATABASE_URI"] = url
    return build_app(tmp_path / "data", **overrides)
