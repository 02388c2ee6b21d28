"""Billing's part of `flask orders expire`: close the card payments of ended checkouts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from marketplace.billing.abandoned import close_abandoned_intents
from marketplace.orders.signals import expiry_swept
from payments.interface import PaymentUnavailable
from payments.stripe_gateway import StripeGateway


@expiry_swept.connect
def close_card_payments_of_ended_checkouts(app: Any, *, now: datetime) -> None:
    stripe = app.extensions["payment_gateways"].get("stripe")
    if not isinstance(stripe, StripeGateway):
        return
    try:
        closed = close_abandoned_intents(stripe, now=now)
    except PaymentUnavailable as exc:
        click.echo(f"Stripe unavailable; card payments left open until the next run: {exc}",
                   err=True)
    else:
        click.echo(f"Closed {closed} card payment(s) of ended checkouts at Stripe.")
