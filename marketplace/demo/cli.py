from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.catalog.indexing.sync import drain
from marketplace.demo import data
from marketplace.demo.seed import seed

demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Create demo suppliers, buyers, an operator (and listings). Safe to run twice."""
    orgs = seed(progress=lambda msg: click.echo(f"  + {msg}"))
    synced = drain(current_app.extensions["search_backend"])
    click.echo(f"Search index updated ({synced.upserted} listings indexed).")
    click.echo(f"Demo data ready: {len(orgs)} organizations.")
    click.echo(f"Log in as {data.OPERATOR['email']} (operator) or any demo e-mail, "
               f"password {data.DEMO_PASSWORD!r}.")
