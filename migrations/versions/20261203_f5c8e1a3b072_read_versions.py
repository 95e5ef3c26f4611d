"""read_versions: one counter every committed change moves on, so a page cached under it is never stale

Revision ID: f5c8e1a3b072
Revises: e4b7d2a9c061
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = 'f5c8e1a3b072'
down_revision = 'e4b7d2a9c061'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "read_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_read_versions")),
    )
    op.execute("INSERT INTO read_versions (id, version) VALUES (1, 0)")


def downgrade():
    op.drop_table("read_versions")
