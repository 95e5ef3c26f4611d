"""Codes on quotes (quote_codes): quotes are coded from the codebook like passages

Revision ID: e4b7d2a9c061
Revises: d2a6c8e4f310
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = 'e4b7d2a9c061'
down_revision = 'd2a6c8e4f310'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quote_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["code_id"], ["theme_codes.id"], name=op.f("fk_quote_codes_code_id_theme_codes"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["quote_id"], ["theme_quotes.id"], name=op.f("fk_quote_codes_quote_id_theme_quotes"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], name=op.f("fk_quote_codes_story_id_stories"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_quote_codes_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_codes")),
        sa.UniqueConstraint("code_id", "quote_id", name=op.f("uq_quote_codes_code_id")),
    )
    with op.batch_alter_table("quote_codes") as batch:
        batch.create_index(batch.f("ix_quote_codes_code_id"), ["code_id"], unique=False)
        batch.create_index(batch.f("ix_quote_codes_quote_id"), ["quote_id"], unique=False)
        batch.create_index(batch.f("ix_quote_codes_story_id"), ["story_id"], unique=False)


def downgrade():
    with op.batch_alter_table("quote_codes") as batch:
        batch.drop_index(batch.f("ix_quote_codes_story_id"))
        batch.drop_index(batch.f("ix_quote_codes_quote_id"))
        batch.drop_index(batch.f("ix_quote_codes_code_id"))
    op.drop_table("quote_codes")
