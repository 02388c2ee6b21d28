"""Billing's part of `flask orders expire`: close the card payments of ended checkouts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from marketplace.billing.abandoned import close_abandoned_intents, find_unrecorded_intents
from marketplace.orders.signals import expiry_swept
from payments.interface import PaymentUnavailable, card_gateway


@expiry_swept.connect
def close_card_payments_of_ended_checkouts(app: Any, *, now: datetime) -> None:
    card = card_gateway(app.extensions["payment_gateways"])
    if card is None:
        return
    try:
        found = find_unrecorded_intents(card, now=now)
        closed = close_abandoned_intents(card, now=now)
    except PaymentUnavailable as exc:
        click.echo(f"Stripe unavailable; card payments left open until the next run: {exc}",
                   err=True)
        return
    if found:
        click.echo(f"Found {found} payment intent(s) created but never recorded.")
    click.echo(f"Closed {closed} card payment(s) of ended checkouts at Stripe.")
