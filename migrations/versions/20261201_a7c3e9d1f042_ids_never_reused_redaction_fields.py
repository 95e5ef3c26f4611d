"""Ids never reused (SQLite AUTOINCREMENT on stories, themes, passages); redactions of titles and notes

Revision ID: a7c3e9d1f042
Revises: a7c3e2d91b40
Create Date: 2026-12-01

On SQLite, a table gets AUTOINCREMENT only by being rebuilt (batch mode,
recreate="always"). Rebuilding drops the old table, and with foreign keys on
that would cascade-delete every child row, so foreign keys are switched off
for the rebuild and the migration refuses to run if they could not be.
PostgreSQL sequences never hand out an id twice: nothing to do there.
"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c3e9d1f042'
down_revision = 'a7c3e2d91b40'
branch_labels = None
depends_on = None

TABLES = ("stories", "themes", "passages")


def _rebuild(autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.execute("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("could not switch SQLite foreign keys off (inside a transaction?): "
                           "rebuilding the tables would delete rows; run this migration on its own")
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass
    op.execute("PRAGMA foreign_keys=ON")


def upgrade():
    with op.batch_alter_table("redactions") as batch:
        batch.add_column(sa.Column("field", sa.String(length=12), nullable=False, server_default="transcript"))
    _rebuild(True)


def downgrade():
    _rebuild(False)
    with op.batch_alter_table("redactions") as batch:
        batch.drop_column("field")
