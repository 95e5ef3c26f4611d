"""api_tokens: a name (was label) and an expiry

Revision ID: c3d4e5f6a7b8
Revises: b2c3d4e5f6a7
Create Date: 2026-12-01 23:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d4e5f6a7b8'
down_revision = 'b2c3d4e5f6a7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.alter_column('label', new_column_name='name', existing_type=sa.String(length=120),
                              existing_nullable=False)
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    # Tokens made before expiry existed get the default 90 days from now.
    later = "datetime('now', '+90 days')" if op.get_bind().dialect.name == "sqlite" else "now() + interval '90 days'"
    op.execute(f"UPDATE api_tokens SET expires_at = {later} WHERE expires_at IS NULL")


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.alter_column('name', new_column_name='label', existing_type=sa.String(length=120),
                              existing_nullable=False)
