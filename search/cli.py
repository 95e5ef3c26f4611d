"""`flask search reindex`: rebuild the search index from the stories (after an upgrade, or to repair it)."""
import click
from flask.cli import AppGroup

from extensions import db

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("reindex")
@click.option("--if-empty", is_flag=True, help="Only when stories exist and the index holds no row (after an upgrade "
                                               "that emptied it); `make run` runs this after `db upgrade`.")
def reindex(if_empty: bool):
    """Rebuild every story's index rows (redacted and unredacted) in one transaction."""
    from search.index import reindex_all
    from search.models import SearchEntry
    from stories.models import Story

    if if_empty and (db.session.scalar(db.select(SearchEntry.id).limit(1)) is not None
                     or db.session.scalar(db.select(Story.id).limit(1)) is None):
        click.echo("The search index already holds its rows (or there are no stories): nothing to do.")
        return
    rows = reindex_all()
    db.session.commit()
    click.echo(f"Indexed {rows} rows.")


commands = [search_cli]
