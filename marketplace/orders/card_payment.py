"""Card checkouts in two steps, so that no row stays locked while the card provider answers.

1. `checkout.place_checkout` takes the stock and writes the checkout, its orders, lines,
   events and a payment row (`pending`, no `payment_intent_id` yet) in one transaction, and
   commits: the listings' rows are unlocked before anything is sent to the provider.
2. `start_card_payment` creates the PaymentIntent (`CardGateway.create_payment_intent`; its
   idempotency key `checkout:<id>:payment_intent` is fixed by the checkout id), then, in a
   second short transaction, stores its id on the payment row together with the answer kept
   for the request's `Idempotency-Key` (without the client secret, which is never stored).

**The provider fails** (`PaymentError`, or anything else raised by the call): in a
compensating transaction the checkout, its orders and its payment become `cancelled` (one
order event each, actor `system`), the stock returns and the `Idempotency-Key`
claim is deleted, so the same request may be sent again; then the error is raised again and
the buyer gets what a failed checkout always got: 402 (card declined), 503 (provider down,
rate limiting, unreachable) or 502 (any other refusal). If the provider refused the request
(anything but `PaymentUnavailable`) nothing was created there and the payment is marked closed
(`intent_closed_at`). If the outcome is unknown (`PaymentUnavailable`: the request may have
reached Stripe and created an intent whose answer was lost), it is left open for
`orders expire`, below.

**A crash between the steps** (the process dies before or during the provider call, or before
the second transaction commits) leaves a committed `pending_payment` checkout whose card
payment has no intent. The design chosen is to end it, never to finish it late: nobody can pay
it, since the buyer never got an answer, let alone a client secret, and creating a payment
nobody waits for would only hold stock longer. `flask orders expire` (`expire_unstarted`)
expires such a checkout once it is older than `UNSTARTED_GRACE`, 5 minutes: longer than one
create call can take with the SDK's timeouts and retries (3 attempts of at most 80 s), so a
request still in step 2 is never overtaken by it (and if one ever were, step 2 finds its
checkout ended, cancels the intent it got and answers 409). Its orders are cancelled with
their stock returned, its payment becomes `expired` and its key is released, as above.

**An intent created but never recorded** (crash after the provider created it; a lost answer)
is closed by billing's part of `orders expire` (`billing.abandoned`): for an ended card
payment with no intent that is not known to be closed, it repeats the create call with the
same idempotency key, so the provider answers the intent it created for that checkout (or
creates one, for a call that never reached it), records its id, and then cancels it like the
intent of any checkout that ended unpaid. (The fake Stripe of the tests, like Stripe, replays
an idempotency key's first answer; Stripe keeps keys 24 hours, far longer than the grace.)
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from marketplace.db.clock import utcnow
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.orders import idempotency
from marketplace.orders.expiry import end_unpaid
from marketplace.orders.models import Checkout, Payment
from marketplace.orders.placement import PlacedCheckout
from marketplace.orders.schemas import checkout_answer
from marketplace.orders.states import CheckoutStatus, PaymentStatus
from marketplace.web.errors import Conflict
from payments.interface import CardGateway, PaymentError, PaymentStart, PaymentUnavailable

logger = logging.getLogger(__name__)

#: How old a card checkout without its payment intent must be before `orders expire` ends it.
UNSTARTED_GRACE = timedelta(minutes=5)
NEVER_STARTED = "card payment could not be started"


def start_card_payment(card: CardGateway, checkout: PlacedCheckout, *,
                       idempotency_key: str | None) -> dict[str, Any]:
    """Step 2 for a checkout that step 1 committed: create its payment intent, record it,
    and answer the checkout with the client secret. See the module docstring for failures."""
    try:
        start = card.create_payment_intent(checkout)
    except PaymentError as exc:
        _cancel_unstarted(checkout, closed=not isinstance(exc, PaymentUnavailable))
        raise
    except Exception:
        _cancel_unstarted(checkout, closed=False)
        raise
    assert start.payment_intent_id is not None
    try:
        live = _record(checkout, start, idempotency_key)
    except Exception:
        db.session.rollback()
        _cancel_unstarted(checkout, closed=False)  # the intent is closed by `orders expire`
        raise
    if not live:
        _close_at_once(card, checkout.id, start.payment_intent_id)
        raise Conflict("The checkout ended while its card payment was being created; nothing "
                       "will be charged. Please check out again.")
    return checkout_answer(checkout, start.client_secret)


def _record(checkout: PlacedCheckout, start: PaymentStart, idempotency_key: str | None) -> bool:
    """Store the intent id on the payment and the key's answer; False (the id stored all the
    same, so that `orders expire` can close the intent) when the checkout no longer awaits
    payment. Commits."""
    begin_write()
    now = utcnow()
    # The checkout row first, as expiry and the buyer's cancel claim it: either they ended
    # the checkout before this (seen here) or they wait for this commit.
    status = db.session.scalar(select(Checkout.status).where(Checkout.id == checkout.id)
                               .with_for_update())
    db.session.execute(
        update(Payment)
        .where(Payment.checkout_id == checkout.id, Payment.payment_intent_id.is_(None))
        .values(payment_intent_id=start.payment_intent_id, updated_at=now),
        execution_options={"synchronize_session": False})
    live = status == CheckoutStatus.PENDING_PAYMENT
    if live:
        assert checkout.payment is not None
        checkout.payment.payment_intent_id = start.payment_intent_id
        if idempotency_key:
            idempotency.record_answer(checkout.buyer_org_id, idempotency_key, status=201,
                                      body=checkout_answer(checkout), checkout_id=checkout.id)
    db.session.commit()
    return live


def _close_at_once(card: CardGateway, checkout_id: str, payment_intent_id: str) -> None:
    """The intent of a checkout that ended meanwhile: cancel it now if the provider lets us;
    otherwise `orders expire` does (its payment is ended, with the intent recorded)."""
    try:
        card.cancel_payment_intent(payment_intent_id, checkout_id=checkout_id)
    except PaymentError as exc:
        logger.warning("checkout %s ended during its card payment's creation; intent %s left "
                       "to `orders expire`: %s", checkout_id, payment_intent_id, exc)
        return
    begin_write()
    db.session.execute(
        update(Payment).where(Payment.checkout_id == checkout_id)
        .values(intent_closed_at=utcnow()),
        execution_options={"synchronize_session": False})
    db.session.commit()


def _cancel_unstarted(checkout: PlacedCheckout, *, closed: bool) -> None:
    """The compensating transaction: the checkout, its orders and its payment cancelled,
    the stock back, the key released. A failure here is logged, not raised over the
    provider's error: `orders expire` ends the checkout later (`expire_unstarted`)."""
    try:
        db.session.rollback()
        begin_write()
        row = db.session.get(Checkout, checkout.id, populate_existing=True)
        now = utcnow()
        closed_at = {"intent_closed_at": now} if closed else {}
        if row is not None and end_unpaid(
                row, status=CheckoutStatus.CANCELLED, payment_status=PaymentStatus.CANCELLED,
                reason=NEVER_STARTED, now=now,
                payment_conditions=(Payment.payment_intent_id.is_(None),), **closed_at):
            idempotency.release(checkout.buyer_org_id, checkout.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        logger.exception("checkout %s: could not cancel it after its card payment failed; "
                         "`orders expire` will", checkout.id)


def expire_unstarted(methods: Collection[str], *, now: datetime | None = None,
                     limit: int = 1000) -> int:
    """Expire card checkouts (payment `method` in `methods`) still awaiting payment without
    a payment intent `UNSTARTED_GRACE` after they were placed: the process placing them died
    between the two steps. One short transaction each; returns how many this run expired."""
    if not methods:
        return 0
    now = now or utcnow()
    cutoff = now - UNSTARTED_GRACE
    ids = db.session.scalars(
        select(Checkout.id).join(Payment, Payment.checkout_id == Checkout.id)
        .where(Checkout.status == CheckoutStatus.PENDING_PAYMENT,
               Checkout.created_at <= cutoff, Payment.method.in_(list(methods)),
               Payment.status == PaymentStatus.PENDING, Payment.payment_intent_id.is_(None))
        .order_by(Checkout.created_at, Checkout.id).limit(limit)
    ).all()
    expired = 0
    for checkout_id in ids:
        begin_write()
        checkout = db.session.get(Checkout, checkout_id, populate_existing=True)
        if checkout is not None and end_unpaid(
                checkout, Checkout.created_at <= cutoff, status=CheckoutStatus.EXPIRED,
                payment_status=PaymentStatus.EXPIRED, reason=NEVER_STARTED, now=now,
                payment_conditions=(Payment.payment_intent_id.is_(None),)):
            idempotency.release(checkout.buyer_org_id, checkout.id)
            expired += 1
            logger.warning("checkout %s: its card payment never started; expired, stock "
                           "returned", checkout_id)
        db.session.commit()
    return expired
