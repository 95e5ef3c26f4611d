"""Reporter voice enrolment: a sealed voice embedding per reporter (never the audio in the clear)

Revision ID: c9e5a1f3b264
Revises: b8d4f0e2a153
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = 'c9e5a1f3b264'
down_revision = 'b8d4f0e2a153'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "voice_enrolments",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("sample_key", sa.String(length=200), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("consented_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_voice_enrolments_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_voice_enrolments")),
    )


def downgrade():
    op.drop_table("voice_enrolments")
