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
@click.option("--label", default="cli", help="A note of what the token is for.")
def token_command(email, label):
    """Print a new API token for EMAIL (shown once; only its hash is kept)."""
    from accounts.services import get_user_by_email, issue_token

    user = get_user_by_email(email)
    if user is None or not user.active:
        click.echo(f"error: no active user {email}", err=True)
        sys.exit(1)
    click.echo(issue_token(user, label=label))


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
