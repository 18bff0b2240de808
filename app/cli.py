"""Command-line tools: `flask users create|promote|set-password`, `flask portfolios create`, `flask seed`."""

import os

import click
from flask.cli import AppGroup

from app.auth import accounts
from app.portfolios import service as portfolios

users_cli = AppGroup("users", help="Manage user accounts.")
portfolios_cli = AppGroup("portfolios", help="Manage portfolios.")


@users_cli.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters.")
@click.option("--admin", is_flag=True, help="May see the Prices page and /api/status.")
def create_user(email, password, admin):
    """Create a user account."""
    try:
        user = accounts.create_user(email, password, admin=admin)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {'admin' if user.is_admin else 'user'} {user.email} (id {user.id}).")


@users_cli.command("promote")
@click.argument("email")
def promote_user(email):
    """Make a user an admin."""
    try:
        user = accounts.promote(email)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{user.email} is now an admin.")


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters.")
def set_user_password(email, password):
    """Set a user's password; every session of that user ends."""
    user = accounts.find_user(email)
    if user is None:
        raise click.ClickException(f"No user with email {email}.")
    try:
        accounts.set_password(user, password)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Password of {user.email} changed; every session of that account has ended.")


@portfolios_cli.command("create")
@click.argument("email")
@click.argument("name")
@click.option("--currency", default="USD", show_default=True, help="Base currency, a 3-letter code.")
def create_portfolio(email, name, currency):
    """Create a portfolio for a user; the last line printed is its id."""
    owner = accounts.find_user(email)
    if owner is None:
        raise click.ClickException(f"No user with email {email}. Create one with: flask users create {email}")
    try:
        portfolio = portfolios.create_portfolio(owner, name, currency)
    except portfolios.PortfolioError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created portfolio “{portfolio.name}” for {owner.email}.")
    click.echo(portfolio.id)


@click.command("seed")
@click.option("--email", default="demo@example.com", show_default=True)
@click.option("--password", default="demo-password", show_default=True)
def seed(email, password):
    """Create a sample admin user with a sample portfolio (does nothing if the user exists)."""
    from app.portfolios.sample import seed_sample

    created, portfolio = seed_sample(email, password)
    if created:
        click.echo(f"Sample portfolio “{portfolio.name}” created with {len(portfolio.transactions)} transactions.")
    port = os.environ.get("PORT", "5000")
    click.echo(f"Sign in at http://127.0.0.1:{port} as {email} with password {password}")


def register(app):
    """Add the command groups to `flask`."""
    app.cli.add_command(users_cli)
    app.cli.add_command(portfolios_cli)
    app.cli.add_command(seed)
    from app.imports.cli import import_transactions

    app.cli.add_command(import_transactions)
    from app.prices.cli import prices_cli

    app.cli.add_command(prices_cli)
