"""stories keep an English version of a story told in another language; the site glossary

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
    op.create_table('glossary_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('term', sa.String(length=80), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_glossary_terms_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_glossary_terms')),
    sa.UniqueConstraint('term', name=op.f('uq_glossary_terms_term'))
    )


def downgrade():
    op.drop_table('glossary_terms')
    with op.batch_alter_table('stories', schema=None) as batch_op:
        batch_op.drop_column('english_segments')
