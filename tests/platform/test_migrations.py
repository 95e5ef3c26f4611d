"""Migrations are reviewed code: one head, and they build exactly the models' schema."""
import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from extensions import db
from tests.conftest import ROOT, app_on


def test_migrations_have_exactly_one_head():
    from alembic.config import Config

    config = Config(str(ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migrations have {len(heads)} heads: {heads}"


def _schema(url: str) -> dict:
    engine = create_engine(url)
    inspector = inspect(engine)
    schema = {
        table: sorted(column["name"] for column in inspector.get_columns(table))
        for table in inspector.get_table_names()
        if table != "alembic_version" and not table.startswith("search_fts")  # SQLite FTS5 table and its shadows
    }
    engine.dispose()
    return schema


def _model_schema() -> dict:
    return {name: sorted(c.name for c in table.columns) for name, table in db.metadata.tables.items()}


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def test_upgrade_on_an_empty_database_builds_the_models_tables(backend, tmp_path, request):
    app = app_on(backend, tmp_path, request)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        db.engine.dispose()
        assert _schema(url) == _model_schema()


def _triggers(url: str) -> dict:
    """The database's own triggers (and, on PostgreSQL, the functions they run), by name."""
    from sqlalchemy import text

    queries = {
        "sqlite": ["SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"],
        "postgresql": ["SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
                       "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                       "WHERE n.nspname = current_schema()"],
    }
    engine = create_engine(url)
    with engine.connect() as conn:
        found = {name: sql for query in queries[engine.dialect.name] for name, sql in conn.execute(text(query))}
    engine.dispose()
    return found


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def test_upgrade_makes_the_same_triggers_as_the_models(backend, tmp_path, request):
    """The audit log's append-only triggers are written twice on purpose (the models make them beside a new
    table, a migration is history that must not change with the models): both must make the same ones."""
    migrated, modelled = app_on(backend, tmp_path / "migrated", request), app_on(backend, tmp_path / "modelled", request)
    with migrated.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        db.engine.dispose()
        from_migrations = _triggers(migrated.config["SQLALCHEMY_DATABASE_URI"])
    with modelled.app_context():
        db.create_all()
        db.engine.dispose()
        from_models = _triggers(modelled.config["SQLALCHEMY_DATABASE_URI"])
    assert from_migrations == from_models and any("append-only" in sql for sql in from_models.values())
