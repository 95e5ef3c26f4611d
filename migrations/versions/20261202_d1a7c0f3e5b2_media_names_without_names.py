"""media_files.original_filename keeps only the kind of file ("upload.mp3"): a name in a file's name
stays in the story's sealed source_filename, erased with the story's key

Revision ID: d1a7c0f3e5b2
Revises: b8d4f0e2a913
Create Date: 2026-12-02 06:20:00
"""
from pathlib import PurePath

import sqlalchemy as sa
from alembic import op

revision = 'd1a7c0f3e5b2'
down_revision = 'b8d4f0e2a913'
branch_labels = None
depends_on = None


def upgrade():
    conn = op.get_bind()
    media = sa.table("media_files", sa.column("id", sa.Integer), sa.column("original_filename", sa.String))
    for row in conn.execute(sa.select(media.c.id, media.c.original_filename)).all():
        kept = "upload" + PurePath(row.original_filename or "").suffix.lower()[:10]
        if kept != row.original_filename:
            conn.execute(media.update().where(media.c.id == row.id).values(original_filename=kept))


def downgrade():
    pass  # the names are not kept anywhere unsealed to bring back
