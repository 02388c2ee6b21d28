"""`flask orders …`: the periodic sweep of unpaid checkouts."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.orders import idempotency
from marketplace.orders.card_payment import expire_unstarted
from marketplace.orders.expiry import expire_due
from marketplace.orders.signals import expiry_swept
from payments.interface import card_gateway

orders_cli = AppGroup("orders", help="Checkouts and orders.")


@orders_cli.command("expire")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 10_000))
def expire_command(batch_size: int) -> None:
    """Expire unpaid checkouts past their TTL (stock returns), expire card checkouts whose
    payment never started (the process placing them died; after 5 minutes), close the card
    payments of ended checkouts at Stripe, and purge idempotency records older than 24 h.
    Safe from cron every minute and safe to run twice at once."""
    now = utcnow()

    def progress(seen: int, expired: int) -> None:
        if seen % batch_size == 0:
            click.echo(f"  … {seen} overdue checkouts looked at, {expired} expired")

    expired = expire_due(now=now, batch_size=batch_size, progress=progress)
    card = card_gateway(current_app.extensions["payment_gateways"])
    unstarted = expire_unstarted([card.name] if card else [], now=now)
    purged = idempotency.purge(now)
    db.session.commit()
    click.echo(f"Expired {expired} checkout(s); purged {purged} idempotency record(s).")
    if unstarted:
        click.echo(f"Expired {unstarted} card checkout(s) whose payment never started.")
    expiry_swept.send(current_app._get_current_object(), now=now)  # type: ignore[attr-defined]
