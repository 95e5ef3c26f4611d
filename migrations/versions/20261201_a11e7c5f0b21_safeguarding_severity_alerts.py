"""safeguarding flags record severity and the text revision they came from; in-app notifications

Revision ID: a11e7c5f0b21
Revises: 5a7d0c1e9b42
Create Date: 2026-12-01 23:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a11e7c5f0b21'
down_revision = '5a7d0c1e9b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('safeguarding_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('severity', sa.String(length=10), nullable=False, server_default='medium'))
        batch_op.add_column(sa.Column('text_revision', sa.Integer(), nullable=True))
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('story_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('emailed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['story_id'], ['stories.id'], name=op.f('fk_notifications_story_id_stories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_story_id'), ['story_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_story_id'))
    op.drop_table('notifications')
    with op.batch_alter_table('safeguarding_flags', schema=None) as batch_op:
        batch_op.drop_column('text_revision')
        batch_op.drop_column('severity')
