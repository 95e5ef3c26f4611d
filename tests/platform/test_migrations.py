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
