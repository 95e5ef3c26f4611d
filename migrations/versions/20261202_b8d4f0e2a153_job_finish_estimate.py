"""Jobs keep the earliest finish their progress predicted, so the time left shown never grows

Revision ID: b8d4f0e2a153
Revises: a7c3e9d1f042
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = 'b8d4f0e2a153'
down_revision = 'a7c3e9d1f042'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("finish_estimate", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("finish_estimate")
