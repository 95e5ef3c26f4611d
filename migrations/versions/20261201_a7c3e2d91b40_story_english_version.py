"""stories keep an English version of a story told in another language

Revision ID: a7c3e2d91b40
Revises: 52287636e932
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e2d91b40'
down_revision = '52287636e932'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('english_segments', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_column('english_segments')
