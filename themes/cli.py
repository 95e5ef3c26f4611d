"""`flask --app app themes build`: run theme discovery from the shell."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

themes_cli = AppGroup("themes", help="Find themes across the stories.")


@themes_cli.command("build")
@click.option("--seeds", "seeds_file", type=click.Path(exists=True, dir_okay=False),
              help='A JSON list of candidate themes: [{"name": …, "description": …}].')
@click.option("--min-stories", default=2, show_default=True, type=int, help="The smallest theme draws on this many stories.")
@click.option("--wait", is_flag=True, help="Run discovery here and wait for it, instead of queueing it for the worker.")
def build_command(seeds_file, min_stories, wait):
    """Queue (or with --wait, run) theme discovery over every story with analysis consent."""
    from themes import services

    seeds = []
    if seeds_file:
        try:
            with open(seeds_file, encoding="utf-8") as handle:
                seeds = services.parse_seed_text(handle.read())
        except services.SeedError as exc:
            click.echo(f"error: {seeds_file}: {exc}", err=True)
            sys.exit(2)
        except UnicodeDecodeError:
            click.echo(f"error: {seeds_file} is not a UTF-8 text file", err=True)
            sys.exit(2)
    try:
        if wait:
            run, job = services.run_now(seeds=seeds, min_stories=min_stories)
        else:
            run, job = services.queue_run(seeds=seeds, min_stories=min_stories)
    except services.ThemeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(f"run {run.id} {run.status} (job {job.id})")
    if not wait:
        click.echo("the worker will find the themes; see the board for progress")
        return
    if run.status != "done":
        click.echo(f"error: {job.error or run.message}", err=True)
        sys.exit(1)
    from themes.board import prevalence, viewer_for

    # The command line sees what a facilitator sees.
    viewer = viewer_for(_Everyone())
    for row in prevalence(run, viewer)["rows"]:
        click.echo(f"{row['theme_id']}\t{row['label']}\t{row['stories']} stories")


class _Everyone:
    """The shell user: an operator with facilitator sight (consent still applies)."""

    def has_role(self, *roles):
        return "facilitator" in roles


commands = [themes_cli]
