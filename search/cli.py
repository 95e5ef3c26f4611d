"""`flask search reindex`: rebuild the search index from the stories (after an upgrade, or to repair it)."""
import click
from flask.cli import AppGroup

from extensions import db

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("reindex")
def reindex():
    """Rebuild every story's index rows (redacted and unredacted) in one transaction."""
    from search.index import reindex_all

    rows = reindex_all()
    db.session.commit()
    click.echo(f"Indexed {rows} rows.")


commands = [search_cli]
