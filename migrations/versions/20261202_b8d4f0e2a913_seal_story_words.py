"""Story words sealed under a key per story (crypto-shredding, core/shred.py)

Revision ID: b8d4f0e2a913
Revises: b8d4f0a2c613
Create Date: 2026-12-02

Gives every story a key (`stories.key_id`; the key itself goes to the media store, sealed with the
media key), then turns each column holding story words into a binary column holding
`version || key id || nonce || AES-GCM ciphertext` (core/sealed_columns.py), sealing every
existing value. PostgreSQL: the type changes first (the words as UTF-8 bytes), then each value is
sealed. SQLite: each value is sealed in place first (a TEXT column holds a BLOB as it is), then
the tables are rebuilt with BLOB columns, foreign keys off as in a7c3e9d1f042.

Afterwards, on PostgreSQL, the old plaintext versions of the rows stay in table files until a
`VACUUM FULL` (and in WAL until checkpoints recycle it, and in any older backup): run
`VACUUM FULL` and `CHECKPOINT` after this upgrade.
"""
import sqlalchemy as sa
from alembic import op

revision = 'b8d4f0e2a913'
down_revision = 'b8d4f0a2c613'
branch_labels = None
depends_on = None

# table -> (primary key, story id column, [(column, old type, nullable)])
SEALED = {
    "stories": ("id", "id", [("title", sa.String(200), False), ("notes", sa.Text(), False),
                             ("storyteller_name", sa.String(120), False), ("source_filename", sa.String(255), False),
                             ("english_segments", sa.JSON(), True)]),
    "consent_records": ("id", "story_id", [("notes", sa.Text(), False), ("withdrawal_requested_by", sa.String(200), False),
                                           ("withdrawal_reason", sa.Text(), False)]),
    "segments": ("id", "story_id", [("text", sa.Text(), False), ("words", sa.JSON(), False)]),
    "transcript_versions": ("id", "story_id", [("segments", sa.JSON(), False), ("note", sa.Text(), False)]),
    "redactions": ("id", "story_id", [("text", sa.Text(), False)]),
    "safeguarding_flags": ("id", "story_id", [("evidence", sa.Text(), False)]),
    "story_governance": ("story_id", "story_id", [("decision_note", sa.Text(), False)]),
    "passages": ("id", "story_id", [("text", sa.Text(), False)]),
    "evidence_comments": ("id", "story_id", [("text", sa.Text(), False)]),
}
AUTOINCREMENT = {"stories", "passages"}


def _keys(bind) -> dict:
    from core import shred

    stories = sa.table("stories", sa.column("id"), sa.column("key_id"))
    keys = dict(bind.execute(sa.select(stories.c.id, stories.c.key_id)).all())
    for story_id, key_id in keys.items():
        if key_id is None:
            keys[story_id] = shred.create_key()
            bind.execute(stories.update().where(stories.c.id == story_id).values(key_id=keys[story_id]))
    return keys


def _as_bytes(value) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _seal_values(bind, keys: dict) -> None:
    from core import shred

    for name, (pk, story_col, columns) in SEALED.items():
        for column, _, _ in columns:
            table = sa.table(name, sa.column(pk), sa.column(story_col), sa.column(column, sa.LargeBinary()))
            rows = bind.execute(sa.select(table.c[pk], table.c[story_col], sa.literal_column(column))).all()
            for row_id, story_id, value in rows:
                if value is None or shred.is_sealed(value):
                    continue
                sealed = shred.seal_bytes(keys[story_id], _as_bytes(value))
                bind.execute(table.update().where(table.c[pk] == row_id).values({column: sealed}))


def _open_values(bind) -> None:
    from core import shred

    for name, (pk, _, columns) in SEALED.items():
        for column, _, _ in columns:
            table = sa.table(name, sa.column(pk), sa.column(column))
            for row_id, value in bind.execute(sa.select(table.c[pk], table.c[column])).all():
                if value is not None and shred.is_sealed(value):
                    plain = shred.open_bytes(value)  # bytes on PostgreSQL (bytea until the retype), text on SQLite
                    plain = plain if bind.dialect.name != "sqlite" else plain.decode("utf-8")
                    bind.execute(table.update().where(table.c[pk] == row_id).values({column: plain}))


def _sqlite_retype(to_binary: bool) -> None:
    op.execute("PRAGMA foreign_keys=OFF")
    if op.get_bind().exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("could not switch SQLite foreign keys off (inside a transaction?): "
                           "rebuilding the tables would delete rows; run this migration on its own")
    for name, (_, _, columns) in SEALED.items():
        kwargs = {"sqlite_autoincrement": True} if name in AUTOINCREMENT else {}
        with op.batch_alter_table(name, recreate="always", table_kwargs=kwargs) as batch:
            for column, old_type, nullable in columns:
                batch.alter_column(column, type_=sa.LargeBinary() if to_binary else old_type,
                                   existing_nullable=nullable)
    op.execute("PRAGMA foreign_keys=ON")


def _pg_retype(to_binary: bool) -> None:
    for name, (_, _, columns) in SEALED.items():
        for column, old_type, _ in columns:
            if to_binary:
                source = f"{column}::text" if isinstance(old_type, sa.JSON) else column
                op.execute(f"ALTER TABLE {name} ALTER COLUMN {column} DROP DEFAULT")  # a text default (the models have none)
                op.execute(f"ALTER TABLE {name} ALTER COLUMN {column} TYPE bytea USING convert_to({source}, 'UTF8')")
            else:
                target = "json" if isinstance(old_type, sa.JSON) else (
                    f"varchar({old_type.length})" if isinstance(old_type, sa.String) and old_type.length else "text")
                cast = "::json" if target == "json" else ""
                op.execute(f"ALTER TABLE {name} ALTER COLUMN {column} TYPE {target} "
                           f"USING convert_from({column}, 'UTF8'){cast}")


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("stories") as batch:
        batch.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    keys = _keys(bind)
    if bind.dialect.name == "sqlite":
        _seal_values(bind, keys)
        _sqlite_retype(True)
    else:
        _pg_retype(True)
        _seal_values(bind, keys)


def downgrade():
    """Opens every value again (the keys stay in the store) and gives the columns their old types."""
    bind = op.get_bind()
    _open_values(bind)
    if bind.dialect.name == "sqlite":
        _sqlite_retype(False)
    else:
        _pg_retype(False)
    with op.batch_alter_table("stories") as batch:
        batch.drop_column("key_id")
