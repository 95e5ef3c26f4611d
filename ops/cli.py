"""`flask --app app backup create|restore PATH`."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from core.cli import fail
from ops.backup import BackupError, create_backup, restore_backup

backup_cli = AppGroup("backup", help="One encrypted archive of the database and the media store.")


def _run(step, path: str, *, then: str) -> None:
    """Run a backup step on PATH, printing its progress and then its summary (`then`, formatted with the
    path, the manifest's story and object counts and the manifest itself); a BackupError is said plainly and exits 1."""
    try:
        manifest = step(path, report=click.echo)
    except BackupError as exc:
        fail(str(exc))
    click.echo(then.format(path=path, stories=manifest["counts"]["stories"], objects=len(manifest["objects"]), manifest=manifest))


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def create_command(path: str) -> None:
    """Write an encrypted backup archive to PATH (the media key is not in it: keep the key apart)."""
    _run(create_backup, path, then="wrote {path}: {stories} stories, {objects} stored objects, {manifest[database]} database")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore_command(path: str) -> None:
    """Restore the archive at PATH into this empty database, data folder and media store (same media key)."""
    _run(restore_backup, path, then="restored {stories} stories and {objects} stored objects from {manifest[created_at]}")


commands = [backup_cli]
