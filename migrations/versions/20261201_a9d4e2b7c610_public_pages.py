"""public "you said, we did" pages per workshop (public_pages)

Revision ID: a9d4e2b7c610
Revises: f3b2c9d41e07
Create Date: 2026-12-01 23:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a9d4e2b7c610'
down_revision = 'f3b2c9d41e07'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('public_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('workshop_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=32), nullable=False),
    sa.Column('enabled_by_id', sa.Integer(), nullable=True),
    sa.Column('enabled_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enabled_by_id'], ['users.id'], name=op.f('fk_public_pages_enabled_by_id_users')),
    sa.ForeignKeyConstraint(['workshop_id'], ['workshops.id'], name=op.f('fk_public_pages_workshop_id_workshops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_pages')),
    sa.UniqueConstraint('slug', name=op.f('uq_public_pages_slug')),
    sa.UniqueConstraint('workshop_id', name=op.f('uq_public_pages_workshop_id'))
    )


def downgrade():
    op.drop_table('public_pages')
