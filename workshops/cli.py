"""`flask --app app packs build WORKSHOP_ID PATH.zip` and `flask --app app packs qdpx RUN_ID PATH.qdpx`."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from core.cli import fail, row_or_fail

packs_cli = AppGroup("packs", help="Workshop packs and REFI-QDA exports.")


@packs_cli.command("build")
@click.argument("workshop_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def build_command(workshop_id: int, path: str) -> None:
    """Build the pack of WORKSHOP_ID now (no worker needed) and copy it to PATH."""
    from workshops.errors import WorkshopError
    from workshops.models import Workshop
    from workshops.packs import build_and_store_pack

    workshop = row_or_fail(Workshop, workshop_id, "workshop")
    try:
        pack = build_and_store_pack(workshop, report=lambda pct, msg="": click.echo(f"{pct:3d}% {msg}"))
    except WorkshopError as exc:
        fail(str(exc))
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    from core.sealed import write_plain
    from core.storage import storage

    write_plain(storage(), pack.path, target)
    click.echo(f"wrote {target} ({pack.bytes} bytes, {len(pack.story_ids)} stories, {pack.clip_count} clips)")


@packs_cli.command("qdpx")
@click.argument("run_id", type=int)
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def qdpx_command(run_id: int, path: str) -> None:
    """Export theme run RUN_ID as a REFI-QDA project (.qdpx) at PATH."""
    from engines.qdpx import validate_qdpx
    from themes.models import ThemeRun
    from themes.qdpx import export_qdpx

    run = row_or_fail(ThemeRun, run_id, "theme run")
    out = export_qdpx(run, path)
    problems = validate_qdpx(out)
    click.echo(f"wrote {out}" + (f" (schema problems: {problems})" if problems else " (valid REFI-QDA)"))


commands = [packs_cli]
