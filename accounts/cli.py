"""`flask --app app users …`: create accounts and API tokens from the shell."""
import sys

import click
from flask.cli import AppGroup

from config import ROLES

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLES), help="Repeat for several roles.")
@click.option("--name", default="", help="The person's name.")
@click.option("--password", default=None, help="Prompted for when not given.")
def create_user_command(email, roles, name, password):
    """Create an account with one or more roles."""
    from accounts.services import AccountError, create_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(email, list(roles), name=name, password=password)
    except AccountError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"created user {user.id} {user.email} ({', '.join(user.role_names)})")


@users_cli.command("token")
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--days", default=None, type=int, help="Days it works (default 90).")
def token_command(email, name, days):
    """Print a new API token for EMAIL (shown once; only its hash is kept)."""
    from accounts.services import AccountError, get_user_by_email
    from accounts.tokens import issue_token

    user = get_user_by_email(email)
    if user is None or not user.active:
        click.echo(f"error: no active user {email}", err=True)
        sys.exit(1)
    try:
        click.echo(issue_token(user, name=name, days=days))
    except AccountError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


@users_cli.command("tokens")
@click.argument("email")
def tokens_command(email):
    """List EMAIL's API tokens: id, state, name, works until, last used."""
    from accounts.services import get_user_by_email
    from accounts.tokens import tokens_of
    from core.timeutil import utcnow

    user = get_user_by_email(email)
    if user is None:
        click.echo(f"error: no user {email}", err=True)
        sys.exit(1)
    now = utcnow()
    for token in tokens_of(user):
        until = token.expires_at.strftime("%Y-%m-%d") if token.expires_at else "no end"
        used = token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never used"
        click.echo(f"{token.id:>6}  {token.state(now):<8} {token.name:<30} until {until}  {used}")


@users_cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token_command(token_id):
    """Revoke API token TOKEN_ID (see `users tokens EMAIL`)."""
    from accounts.models import ApiToken
    from accounts.tokens import revoke_token
    from extensions import db

    token = db.session.get(ApiToken, token_id)
    if token is None:
        click.echo(f"error: no token {token_id}", err=True)
        sys.exit(1)
    revoke_token(token)
    click.echo(f"token {token_id} of {token.user.email} revoked")


@users_cli.command("bootstrap")
@click.option("--email", default="admin@storyloom.local", show_default=True)
def bootstrap_command(email):
    """On first run, create an admin and print its one-time password; otherwise say how to sign in."""
    from sqlalchemy import select

    from accounts.models import UserRole
    from accounts.services import create_user, generate_password
    from extensions import db

    if db.session.scalar(select(UserRole).where(UserRole.role == "admin").limit(1)):
        click.echo("Sign in at http://127.0.0.1:5000 with your admin account.")
        return
    password = generate_password()
    create_user(email, ["admin"], name="Administrator", password=password, must_change_password=True)
    click.echo("")
    click.echo("  First run: an admin account was created.")
    click.echo("  Open http://127.0.0.1:5000 and sign in with")
    click.echo(f"    email:    {email}")
    click.echo(f"    password: {password}   (shown once; you will choose your own)")
    click.echo("")


commands = [users_cli]
