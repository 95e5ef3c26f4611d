"""`flask --app app backup create|restore PATH`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core.cli import fail
from ops.backup import BackupError, create_backup, restore_backup

backup_cli = AppGroup("backup", help="One encrypted archive of the database and the media store.")


def _held(manifest: dict, joined_by: str) -> str:
    """What an archive holds, as both commands say it: "N stories<joined_by>M stored objects"."""
    return f"{manifest['counts']['stories']} stories{joined_by}{len(manifest['objects'])} stored objects"


def _step_command(name: str, step, path: click.Path, help: str, summary) -> None:
    """`backup NAME PATH`: run STEP on PATH printing its progress, then `summary(path, manifest)`;
    a BackupError is said plainly and exits 1."""

    @backup_cli.command(name, help=help)
    @click.argument("path", type=path)
    def command(path: str) -> None:
        try:
            manifest = step(path, report=click.echo)
        except BackupError as exc:
            fail(str(exc))
        click.echo(summary(path, manifest))


_step_command("create", create_backup, click.Path(dir_okay=False, writable=True),
              "Write an encrypted backup archive to PATH (the media key is not in it: keep the key apart).",
              lambda path, m: f"wrote {path}: {_held(m, ', ')}, {m['database']} database")
_step_command("restore", restore_backup, click.Path(exists=True, dir_okay=False),
              "Restore the archive at PATH into this empty database, data folder and media store (same media key).",
              lambda path, m: f"restored {_held(m, ' and ')} from {m['created_at']}")

commands = [backup_cli]
