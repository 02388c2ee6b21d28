"""Stripe webhook events, each taking effect exactly once.

The event id is inserted into `stripe_events` in the same transaction as the event's
effects: a repeated delivery finds it and changes nothing; two deliveries at once meet on
the primary key and one of them backs off. If handling fails (Stripe unreachable while
creating transfers) nothing is committed, the endpoint answers 503 and Stripe delivers the
event again later. Handlers are written for out-of-order delivery: every status change is
a compare-and-set, account updates older than the last one applied are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from marketplace.billing import settlement
from marketplace.billing.models import StripeEvent
from marketplace.billing.payout_accounts import apply_account_event
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from payments.interface import CardGateway

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any], dict[str, Any], CardGateway], str]

HANDLERS: dict[str, Handler] = {
    "payment_intent.succeeded":
        lambda obj, event, gateway: settlement.payment_succeeded(obj, gateway),
    "payment_intent.payment_failed":
        lambda obj, event, gateway: settlement.payment_failed(obj),
    "charge.refunded":
        lambda obj, event, gateway: settlement.charge_refunded(obj, gateway),
    "account.updated":
        lambda obj, event, gateway: apply_account_event(obj, int(event.get("created") or 0)),
}


def _handle(event: dict[str, Any], event_id: str, event_type: str,
            gateway: CardGateway) -> str:
    handler = HANDLERS.get(event_type)
    obj = (event.get("data") or {}).get("object")
    if handler is None:
        return "ignored"
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        logger.warning("Stripe event %s (%s) carries no object; ignored", event_id, event_type)
        return "unmatched"
    return handler(obj, event, gateway)


@dataclass(frozen=True)
class Receipt:
    event_id: str
    type: str
    outcome: str
    duplicate: bool


def receive(event: dict[str, Any], gateway: CardGateway) -> Receipt:
    """Handle one verified event (see module doc) and commit."""
    event_id, event_type = str(event["id"])[:255], str(event["type"])[:100]
    begin_write()
    seen = db.session.get(StripeEvent, event_id, populate_existing=True)
    if seen is not None:
        return Receipt(event_id, event_type, seen.outcome, duplicate=True)
    row = StripeEvent(id=event_id, type=event_type, outcome="processing")
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same event, delivered twice at once: the other one has it
        return Receipt(event_id, event_type, "processing", duplicate=True)
    try:
        row.outcome = _handle(event, event_id, event_type, gateway)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the event id too: Stripe's next delivery starts afresh
        raise
    outcome = row.outcome
    logger.info("Stripe event %s (%s): %s", event_id, event_type, outcome)
    return Receipt(event_id, event_type, outcome, duplicate=False)
