from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.accounts import services
from marketplace.accounts.emails import lookalike_problem
from marketplace.accounts.passwords import weak_password_problem
from marketplace.web.errors import Conflict

accounts_cli = AppGroup("accounts", help="Manage user accounts.")


@accounts_cli.command("create-operator")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default="Platform operator", show_default=True)
def create_operator(email: str, password: str, display_name: str) -> None:
    """Create a platform operator (verifies suppliers, moderates listings)."""
    if problem := lookalike_problem(email):
        raise click.BadParameter(problem, param_hint="EMAIL")
    if len(password) < 10:
        raise click.BadParameter("must be at least 10 characters", param_hint="--password")
    if problem := weak_password_problem(password, user_inputs=[email, display_name]):
        raise click.BadParameter(problem, param_hint="--password")
    try:
        user = services.create_operator(email, password, display_name)
    except Conflict as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Created operator {user.email} ({user.id})")
