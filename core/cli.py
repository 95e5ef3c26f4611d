"""Platform commands: `flask --app app export json PATH`."""
import click
from flask.cli import AppGroup

export_cli = AppGroup("export", help="Export data.")


@export_cli.command("json")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_json_command(path):
    """Write every story (and what later domains add) to PATH as JSON."""
    from core.export import write_export

    document = write_export(path)
    click.echo(f"wrote {len(document['stories'])} stories to {path}")


commands = [export_cli]
