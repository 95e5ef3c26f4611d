"""Governance commands:

    flask --app app consent withdraw STORY_ID --by EMAIL [--reason TEXT]
    flask --app app safeguarding decide STORY_ID --decision no_action|action_taken|restricted --by EMAIL [--note TEXT]
    flask --app app retention run
    flask --app app stories erase STORY_ID --by EMAIL   (erase_command, attached to the stories group)
"""
import sys

import click
from flask.cli import AppGroup, with_appcontext

from stories.cli import stories_cli

consent_cli = AppGroup("consent", help="Consent records.")
safeguarding_cli = AppGroup("safeguarding", help="Safeguarding decisions.")
retention_cli = AppGroup("retention", help="Delete originals past the retention period.")


def _user(email):
    from accounts.services import get_user_by_email

    user = get_user_by_email(email)
    if user is None or not user.active:
        click.echo(f"error: no active user {email}", err=True)
        sys.exit(1)
    return user


def _story(story_id):
    from extensions import db
    from stories.models import Story

    story = db.session.get(Story, story_id)
    if story is None:
        click.echo(f"error: no story {story_id}", err=True)
        sys.exit(1)
    return story


@consent_cli.command("withdraw")
@click.argument("story_id", type=int)
@click.option("--by", "email", required=True, help="Email of the person recording the withdrawal.")
@click.option("--reason", default="", help="Why consent was withdrawn.")
@click.option("--requested-by", default="", help="Who asked (default: the storyteller).")
def withdraw_command(story_id, email, reason, requested_by):
    """Withdraw consent for STORY_ID: it leaves every use at once."""
    from governance.policy import may_withdraw
    from governance.services import GovernanceError, withdraw_consent

    user, story = _user(email), _story(story_id)
    if story.current_consent is not None and story.current_consent.withdrawn_at is not None:
        click.echo("error: consent for this story is already withdrawn", err=True)
        sys.exit(1)
    if not may_withdraw(user, story):
        click.echo("error: only the story's reporter or an admin can withdraw consent in force", err=True)
        sys.exit(1)
    try:
        withdraw_consent(story, user, requested_by=requested_by, reason=reason)
    except GovernanceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"consent withdrawn for story {story_id}")


@safeguarding_cli.command("decide")
@click.argument("story_id", type=int)
@click.option("--decision", required=True, type=click.Choice(["no_action", "action_taken", "restricted"]))
@click.option("--by", "email", required=True, help="Email of the safeguarding lead.")
@click.option("--note", default="", help="What was decided and why.")
def decide_command(story_id, decision, email, note):
    """Record the safeguarding lead's decision on STORY_ID."""
    from governance.services import GovernanceError, decide_safeguarding

    user, story = _user(email), _story(story_id)
    if not user.has_role("safeguarding_lead"):
        click.echo("error: only a safeguarding lead can decide", err=True)
        sys.exit(1)
    try:
        decide_safeguarding(story, decision, note, user)
    except GovernanceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"story {story_id}: {decision}")


@retention_cli.command("run")
def retention_run_command():
    """Delete original audio and unredacted text of stories past the retention period."""
    from governance.tasks import apply_retention

    changed = apply_retention()
    click.echo(f"originals deleted for {len(changed)} stories" + (f": {', '.join(map(str, changed))}" if changed else ""))


@click.command("erase")
@click.argument("story_id", type=int)
@click.option("--by", "email", required=True, help="Email of the admin erasing it.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def erase_command(story_id, email, yes):
    """Erase STORY_ID completely: audio, transcripts, passages, embeddings, clips, pack files."""
    from governance.services import erase_story

    user, story = _user(email), _story(story_id)
    if not user.has_role("admin"):
        click.echo("error: only an admin can erase a story", err=True)
        sys.exit(1)
    if not yes and sys.stdin.isatty():
        click.confirm(f"Erase story {story_id} for good?", abort=True)
    erase_story(story, user)
    click.echo(f"story {story_id} erased")


commands = [consent_cli, safeguarding_cli, retention_cli]
stories_cli.add_command(erase_command)  # `flask stories erase`: the stories group belongs to the stories domain
