"""search index: a stored tsvector of keyed lexeme hashes on PostgreSQL, no words in search_entries

Revision ID: b8d4f0a2c613
Revises: c9e5a1f3b264
Create Date: 2026-12-02 05:40:00

On PostgreSQL the old rows held the words (and the GIN index over to_tsvector(text) their
lexemes); they are removed here, since the hashes need the search key, which is not in the
database. Run `flask --app app search reindex` once after upgrading (SQLite keeps its rows).
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'b8d4f0a2c613'
down_revision = 'c9e5a1f3b264'
branch_labels = None
depends_on = None


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tsv', sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"), nullable=True))
    if postgres:
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("DELETE FROM search_entries")
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (tsv)")


def downgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP INDEX IF EXISTS ix_search_entries_tsv")
        op.execute("DELETE FROM search_entries")
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_column('tsv')
    if postgres:
        op.execute("CREATE INDEX ix_search_entries_tsv ON search_entries USING gin (to_tsvector('english', text))")
