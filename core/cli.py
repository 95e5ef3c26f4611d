"""Platform commands: `flask --app app export json PATH`; `fail` and `row_or_fail` for every domain's CLI."""
import sys
from typing import NoReturn

import click
from flask.cli import AppGroup


def fail(message: str) -> NoReturn:
    """Say on stderr what went wrong and exit with status 1: the one way a command refuses."""
    click.echo(message, err=True)
    sys.exit(1)


def row_or_fail(model, row_id: int, name: str):
    """The `model` row with id `row_id`, or fail with "no NAME ID"."""
    from extensions import db

    row = db.session.get(model, row_id)
    if row is None:
        fail(f"no {name} {row_id}")
    return row

export_cli = AppGroup("export", help="Export data.")


@export_cli.command("json")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--redacted", is_flag=True, help="Leave out unredacted words: redacted transcripts only, "
                                              "no text for stories without consent.")
def export_json_command(path, redacted):
    """Write every story (and what later domains add) to PATH as JSON, readable only by you (mode 600)."""
    from core.export import ExportKeptChanging, write_export

    try:
        document = write_export(path, redacted=redacted)
    except ExportKeptChanging as exc:
        raise click.ClickException(str(exc)) from None
    contents = document["contents"]
    click.echo(f"wrote {contents['stories']} stories to {path} (mode 600, readable only by you)")
    if redacted:
        click.echo("It holds redacted transcripts only.")
    else:
        click.echo(f"It holds UNREDACTED transcripts, including {contents['stories_without_consent']} withdrawn "
                   "or without consent. Use --redacted to leave those words out.")


@click.command("demo")
def demo_command():
    """Load demo people (one per role) and the 30 development stories."""
    from core.demo import DEMO_PEOPLE, load_demo

    result = load_demo()
    click.echo(f"created {result['stories_created']} demo stories")
    for email, name, roles in DEMO_PEOPLE:
        password = result["people"].get(email)
        shown = password if password else "(already existed: password unchanged)"
        click.echo(f"  {', '.join(roles):<18} {email:<36} {shown}")


commands = [export_cli, demo_command]
