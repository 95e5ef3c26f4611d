"""redactions keep the stretch of audio where they were found

Revision ID: 5a7d0c1e9b42
Revises: a7c3e9d1f205
Create Date: 2026-12-01 23:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5a7d0c1e9b42'
down_revision = 'a7c3e9d1f205'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('redactions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audio_start', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('audio_end', sa.Float(), nullable=True))


def downgrade():
    with op.batch_alter_table('redactions', schema=None) as batch_op:
        batch_op.drop_column('audio_end')
        batch_op.drop_column('audio_start')
