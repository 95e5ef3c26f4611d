"""Theme decisions: what was changed (for one-click undo) and which decision an undo reverses

Revision ID: d2a6c8e4f310
Revises: d1a7c0f3e5b2
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = 'd2a6c8e4f310'
down_revision = 'd1a7c0f3e5b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("theme_decisions") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("undoes_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_theme_decisions_undoes_id_theme_decisions"), "theme_decisions",
                                 ["undoes_id"], ["id"], ondelete="SET NULL")


def downgrade():
    with op.batch_alter_table("theme_decisions") as batch:
        batch.drop_constraint(op.f("fk_theme_decisions_undoes_id_theme_decisions"), type_="foreignkey")
        batch.drop_column("undoes_id")
        batch.drop_column("details")
