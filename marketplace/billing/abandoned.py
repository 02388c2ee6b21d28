"""Card payments of checkouts that ended unpaid (expired, or every order cancelled, or
cancelled because the payment could not start): their PaymentIntents are closed at Stripe, so
the buyer's page can no longer charge the card.

Run by `flask --app wsgi orders expire` after the expiry itself, so it also reaches checkouts
that expired when someone read them. A payment is marked (`intent_closed_at`) once Stripe has
cancelled its intent, or has refused to because the intent was no longer open (paid at the
last moment: the webhook then refunds the late payment; or cancelled already). While Stripe
cannot be reached, nothing is marked and the next run tries again.

An ended card payment may have no intent recorded although one exists at Stripe: the intent
is created after its checkout commits (`orders.card_payment`), and the process can die, or the
answer be lost, in between. `find_unrecorded_intents` repeats the create call with the
checkout's idempotency key (`checkout:<id>:payment_intent`, same parameters), so Stripe answers
the intent it created then, or creates one for a call that never reached it; its id is
recorded and `close_abandoned_intents` cancels it like any other. When Stripe refuses that
call (it replays a refusal of the first one), nothing was ever created: the payment is marked.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from marketplace.db.clock import utcnow
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.orders.models import Payment
from marketplace.orders.states import PaymentStatus
from payments.interface import CardGateway, PaymentError, PaymentUnavailable

logger = logging.getLogger(__name__)

ENDED = (PaymentStatus.EXPIRED.value, PaymentStatus.CANCELLED.value)
GIVE_UP_AFTER = 3  # Stripe calls in a row answered "unavailable": Stripe is down


def find_unrecorded_intents(gateway: CardGateway, *, now: datetime | None = None,
                            limit: int = 1000) -> int:
    """Record the intents of up to `limit` ended card payments that have none recorded and
    are not known to be closed; answers how many were found at (or created by) Stripe.

    A payment whose call Stripe answers as unavailable is left for the next run (Stripe
    may replay a stored 500 for its key until the key expires, 24 hours on; a new intent,
    cancelled at once, is made then), and the others are still looked at. Raises
    `PaymentUnavailable` (after committing those done) when `GIVE_UP_AFTER` calls in a row
    fail so: Stripe is down."""
    now = now or utcnow()
    payments = _ended_and_open(gateway, intent_recorded=False, limit=limit)
    found = unavailable = 0
    for payment in payments:
        payment_id, checkout = payment.id, payment.checkout
        try:
            start = gateway.create_payment_intent(checkout)
        except PaymentUnavailable:
            unavailable += 1
            if unavailable == GIVE_UP_AFTER:
                raise
            logger.warning("checkout %s: Stripe unavailable while looking for its payment "
                           "intent; next run", checkout.id)
            continue
        except PaymentError as exc:
            logger.warning("checkout %s: no payment intent to close (%s)", checkout.id, exc)
            values: dict[str, Any] = {"intent_closed_at": now}
        else:
            found += 1
            values = {"payment_intent_id": start.payment_intent_id}
        unavailable = 0
        db.session.rollback()  # read only so far
        begin_write()
        db.session.execute(
            update(Payment).where(Payment.id == payment_id, Payment.payment_intent_id.is_(None))
            .values(**values), execution_options={"synchronize_session": False})
        db.session.commit()
    return found


def close_abandoned_intents(gateway: CardGateway, *, now: datetime | None = None,
                            limit: int = 1000) -> int:
    """Close up to `limit` open intents of ended checkouts; answers how many were marked.
    Raises `PaymentUnavailable` (after committing those done) when Stripe is unreachable."""
    now = now or utcnow()
    payments = _ended_and_open(gateway, intent_recorded=True, limit=limit)
    closed = 0
    for payment in payments:
        assert payment.payment_intent_id is not None
        try:
            gateway.cancel_payment_intent(payment.payment_intent_id,
                                          checkout_id=payment.checkout_id)
        except PaymentUnavailable:
            raise
        except PaymentError as exc:
            logger.warning("payment intent %s of checkout %s was no longer open: %s",
                           payment.payment_intent_id, payment.checkout_id, exc)
        payment.intent_closed_at = now
        db.session.commit()
        closed += 1
    return closed


def _ended_and_open(gateway: CardGateway, *, intent_recorded: bool,
                    limit: int) -> Sequence[Payment]:
    """Card payments of ended checkouts not yet known to be closed at the provider, with
    (or without) their intent recorded, oldest change first."""
    intent = (Payment.payment_intent_id.is_not(None) if intent_recorded
              else Payment.payment_intent_id.is_(None))
    return db.session.scalars(
        select(Payment).where(
            Payment.method == gateway.name, Payment.status.in_(ENDED), intent,
            Payment.intent_closed_at.is_(None),
        ).order_by(Payment.updated_at, Payment.id).limit(limit)
    ).all()
