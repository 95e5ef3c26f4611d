"""quotes of any words (theme_quotes) and comment threads (evidence_comments)

Revision ID: f3b2c9d41e07
Revises: e7a13c0de5a1
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f3b2c9d41e07'
down_revision = 'e7a13c0de5a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('theme_quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('start', sa.Float(), nullable=False),
    sa.Column('end', sa.Float(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_theme_quotes_created_by_id_users')),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_theme_quotes_story_id_stories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['themes.id'], name=op.f('fk_theme_quotes_theme_id_themes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme_quotes'))
    )
    with op.batch_alter_table('theme_quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_theme_quotes_story_id'), ['story_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_theme_quotes_theme_id'), ['theme_id'], unique=False)
    op.create_table('evidence_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target', sa.String(length=10), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_evidence_comments_author_id_users')),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_evidence_comments_story_id_stories'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_comments'))
    )
    with op.batch_alter_table('evidence_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_comments_story_id'), ['story_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_comments_target_id'), ['target_id'], unique=False)


def downgrade():
    with op.batch_alter_table('evidence_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_comments_target_id'))
        batch_op.drop_index(batch_op.f('ix_evidence_comments_story_id'))
    op.drop_table('evidence_comments')
    with op.batch_alter_table('theme_quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_theme_quotes_theme_id'))
        batch_op.drop_index(batch_op.f('ix_theme_quotes_story_id'))
    op.drop_table('theme_quotes')
