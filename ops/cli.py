"""`flask --app app backup create|restore PATH`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core.cli import fail
from ops.backup import BackupError, create_backup, restore_backup

backup_cli = AppGroup("backup", help="One encrypted archive of the database and the media store.")


def _run(step, path: str) -> dict:
    """Run a backup step on PATH, printing its progress; a BackupError is said plainly and exits 1."""
    try:
        return step(path, report=click.echo)
    except BackupError as exc:
        fail(str(exc))


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def create_command(path: str) -> None:
    """Write an encrypted backup archive to PATH (the media key is not in it: keep the key apart)."""
    manifest = _run(create_backup, path)
    click.echo(f"wrote {path}: {manifest['counts']['stories']} stories, {len(manifest['objects'])} stored objects, "
               f"{manifest['database']} database")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore_command(path: str) -> None:
    """Restore the archive at PATH into this empty database, data folder and media store (same media key)."""
    manifest = _run(restore_backup, path)
    click.echo(f"restored {manifest['counts']['stories']} stories and {len(manifest['objects'])} stored objects "
               f"from {manifest['created_at']}")


commands = [backup_cli]
