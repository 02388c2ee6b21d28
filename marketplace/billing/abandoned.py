"""Card payments of checkouts that ended unpaid (expired, or every order cancelled): their
PaymentIntents are closed at Stripe, so the buyer's page can no longer charge the card.

Run by `flask --app wsgi orders expire` after the expiry itself, so it also reaches checkouts
that expired when someone read them. A payment is marked (`intent_closed_at`) once Stripe has
cancelled its intent, or has refused to because the intent was no longer open (paid at the
last moment: the webhook then refunds the late payment; or cancelled already). While Stripe
cannot be reached, nothing is marked and the next run tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.orders.models import Payment
from marketplace.orders.states import PaymentStatus
from payments.interface import PaymentError, PaymentUnavailable
from payments.stripe_gateway import StripeGateway

logger = logging.getLogger(__name__)

ENDED = (PaymentStatus.EXPIRED.value, PaymentStatus.CANCELLED.value)


def close_abandoned_intents(gateway: StripeGateway, *, now: datetime | None = None,
                            limit: int = 1000) -> int:
    """Close up to `limit` open intents of ended checkouts; answers how many were marked.
    Raises `PaymentUnavailable` (after committing those done) when Stripe is unreachable."""
    now = now or utcnow()
    payments = db.session.scalars(
        select(Payment).where(
            Payment.method == gateway.name, Payment.status.in_(ENDED),
            Payment.payment_intent_id.is_not(None), Payment.intent_closed_at.is_(None),
        ).order_by(Payment.updated_at, Payment.id).limit(limit)
    ).all()
    closed = 0
    for payment in payments:
        assert payment.payment_intent_id is not None
        try:
            gateway.reduce_payment(payment.payment_intent_id, amount=0,
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
