"""Unpaid checkouts expire after MARKETPLACE_CHECKOUT_TTL_MINUTES: their pending orders are
cancelled, their stock goes back, their payment is marked expired.

Run by `flask --app wsgi orders expire` (cron, every minute) and lazily whenever an expired
checkout or one of its orders is read. Each checkout is claimed with a compare-and-set on
its status, so two runs at once (or a run and a reader) give the stock back exactly once.

`end_unpaid` is the one way a checkout awaiting payment ends without being paid; card
checkouts whose payment could not start use it too (`card_payment`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select

from marketplace.catalog.stock import change_stock, lines_quantities
from marketplace.db.clock import utcnow
from marketplace.db.status import set_status_if
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.orders.events import add_event
from marketplace.orders.models import Checkout, Order
from marketplace.orders.states import CheckoutStatus, OrderStatus, PaymentStatus


def is_due(checkout: Checkout, now: datetime | None = None) -> bool:
    return (checkout.status == CheckoutStatus.PENDING_PAYMENT
            and checkout.expires_at <= (now or utcnow()))


def expire_checkout(checkout: Checkout, now: datetime | None = None) -> bool:
    """Expire one due checkout inside the caller's transaction; False if someone else did
    (or it was paid or is not due). The caller commits."""
    now = now or utcnow()
    return end_unpaid(checkout, Checkout.expires_at <= now, status=CheckoutStatus.EXPIRED,
                      payment_status=PaymentStatus.EXPIRED, reason="checkout expired unpaid",
                      now=now)


class _PaymentMoved(Exception):
    """The payment no longer meets the caller's conditions: undo the savepoint."""


def end_unpaid(checkout: Checkout, *conditions: Any, status: CheckoutStatus,
               payment_status: PaymentStatus, reason: str, now: datetime,
               payment_conditions: tuple[Any, ...] = (), **payment_values: Any) -> bool:
    """End a checkout that awaits payment, inside the caller's transaction (which commits):
    the checkout → `status` (compare-and-set, with the extra `conditions`), its payment →
    `payment_status` (with `payment_values`), every pending order → `cancelled` with an
    event (actor `system`, `reason`), and their stock back. False, with nothing changed,
    when the checkout was no longer awaiting payment or its payment no longer meets
    `payment_conditions`.

    The checkout row is claimed first, as the buyer's cancel, mark-paid and the card
    checkout's second step do, so of two of them at once one waits for the other (and then
    finds the checkout, or its payment, changed)."""
    try:
        with db.session.begin_nested():
            if not set_status_if(checkout, CheckoutStatus.PENDING_PAYMENT, *conditions,
                         status=status.value, updated_at=now):
                return False
            payment = checkout.payment
            moved = payment is not None and not set_status_if(
                payment, (PaymentStatus.PENDING, PaymentStatus.FAILED), *payment_conditions,
                status=payment_status.value, updated_at=now, **payment_values)
            if moved and payment_conditions:
                raise _PaymentMoved
            cancelled: list[Order] = []
            orders = db.session.scalars(
                select(Order).where(Order.checkout_id == checkout.id)
                .execution_options(populate_existing=True)
            ).all()
            for order in orders:
                if not set_status_if(order, OrderStatus.PENDING_PAYMENT,
                             status=OrderStatus.CANCELLED.value, cancelled_at=now,
                             updated_at=now):
                    continue
                add_event(order, OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED,
                          actor=None, role="system", at=now, details={"reason": reason})
                cancelled.append(order)
            change_stock(lines_quantities(line for order in cancelled for line in order.lines))
    except _PaymentMoved:
        db.session.expire(checkout)  # `set_status_if` had set the status the savepoint undid
        return False
    return True


def expire_if_due(checkout: Checkout) -> bool:
    """Lazy expiry on read: expire and commit when the checkout is overdue."""
    if not is_due(checkout):
        return False
    begin_write()
    expired = expire_checkout(checkout)
    db.session.commit()
    return expired


def expire_due(*, now: datetime | None = None, batch_size: int = 100,
               progress: Callable[[int, int], None] | None = None) -> int:
    """Expire every overdue checkout, one short transaction each; returns how many this
    run expired (a concurrent run's share is not counted)."""
    now = now or utcnow()
    expired = seen = 0
    skip: set[str] = set()
    while True:
        stmt = (select(Checkout.id)
                .where(Checkout.status == CheckoutStatus.PENDING_PAYMENT,
                       Checkout.expires_at <= now)
                .order_by(Checkout.expires_at, Checkout.id).limit(batch_size + len(skip)))
        ids = [cid for cid in db.session.scalars(stmt) if cid not in skip][:batch_size]
        if not ids:
            return expired
        for checkout_id in ids:
            begin_write()
            checkout = db.session.get(Checkout, checkout_id, populate_existing=True)
            if checkout is not None and expire_checkout(checkout, now):
                expired += 1
            else:
                skip.add(checkout_id)
            db.session.commit()
            seen += 1
            if progress:
                progress(seen, expired)
