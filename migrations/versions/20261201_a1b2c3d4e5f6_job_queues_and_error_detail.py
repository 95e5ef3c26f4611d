"""jobs: a unique slot key for periodic jobs, technical error detail kept apart

Revision ID: a1b2c3d4e5f6
Revises: 52287636e932
Create Date: 2026-12-01 22:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1b2c3d4e5f6'
down_revision = '52287636e932'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_detail', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('slot_key', sa.String(length=120), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_jobs_slot_key'), ['slot_key'])


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_jobs_slot_key'), type_='unique')
        batch_op.drop_column('slot_key')
        batch_op.drop_column('error_detail')
