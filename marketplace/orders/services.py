"""Order services after checkout (API.md): cancel (buyer, before payment), ship
(supplier, paid orders), confirm delivery (buyer). Refunds are billing's (`billing.refunds`).

Placing a checkout is `orders.checkout` (the hot path). Each change here moves the order
row with a compare-and-set on its status (`db.status.set_status_if`), writes one
`OrderEvent`, and commits once. Illegal moves answer 409.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.catalog.stock import change_stock, lines_quantities
from marketplace.db.clock import utcnow
from marketplace.db.status import set_status_if
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.orders.events import add_event
from marketplace.orders.expiry import expire_if_due
from marketplace.orders.models import Checkout, Order, Payment
from marketplace.orders.states import (
    ORDER_TRANSITIONS,
    CheckoutStatus,
    OrderStatus,
    PaymentStatus,
)
from marketplace.web.errors import Conflict, Forbidden
from payments.interface import CardGateway, PaymentError, PaymentGateway
from payments.stripe_amounts import to_minor

logger = logging.getLogger(__name__)


def prepare(order: Order, to: OrderStatus, verb: str) -> OrderStatus:
    """Start the write, apply a due expiry first, and check the move is legal."""
    expire_if_due(order.checkout)
    begin_write()
    db.session.refresh(order)
    current = OrderStatus(order.status)
    if to not in ORDER_TRANSITIONS[current]:
        raise Conflict(f"The order is {current.value}; it cannot be {verb}.")
    return current


def move(order: Order, current: OrderStatus, to: OrderStatus, *, actor: User | None,
          role: str, details: dict[str, object] | None = None, **values: object) -> None:
    now = utcnow()
    stamp = {f"{to.value}_at": now} if hasattr(Order, f"{to.value}_at") else {}
    if not set_status_if(order, current, status=to.value, updated_at=now, **stamp, **values):
        raise Conflict("The order changed at the same time; reload it and try again.")
    add_event(order, current, to, actor=actor, role=role, at=now, details=details)


def give_back_stock(order: Order) -> None:
    change_stock(lines_quantities(order.lines))


def _org_id(user: User) -> str | None:
    return user.membership.organization_id if user.membership else None


def cancel(order: Order, user: User,
           gateways: Mapping[str, PaymentGateway] | None = None) -> Order:
    """The buyer cancels an unpaid order: its stock returns and the amount due drops (for a
    card payment, at Stripe too: see `_follow_at_stripe`)."""
    if order.buyer_org_id != _org_id(user):
        raise Forbidden("Only the buyer can cancel an order.")
    current = prepare(order, OrderStatus.CANCELLED, "cancelled")
    checkout = order.checkout
    now = utcnow()
    with db.session.begin_nested():
        # Lock the checkout first so mark-paid and expiry see this cancellation whole.
        if not set_status_if(checkout, CheckoutStatus.PENDING_PAYMENT, updated_at=now):
            raise Conflict("The checkout is no longer awaiting payment.")
        move(order, current, OrderStatus.CANCELLED, actor=user, role="buyer")
        give_back_stock(order)
        payment = checkout.payment
        live = db.session.scalars(
            select(Order.subtotal).where(Order.checkout_id == checkout.id,
                                         Order.status != OrderStatus.CANCELLED)
        ).all()
        if payment is not None:
            payment.amount = sum(live, Decimal("0.00"))
            payment.updated_at = now
            if not live:
                payment.status = PaymentStatus.CANCELLED.value
        if not live:
            set_status_if(checkout, CheckoutStatus.PENDING_PAYMENT,
                  status=CheckoutStatus.CANCELLED.value, updated_at=now)
    db.session.commit()
    if payment is not None and gateways:
        _follow_at_stripe(checkout, payment, gateways)
    return order


def _follow_at_stripe(checkout: Checkout, payment: Payment,
                      gateways: Mapping[str, PaymentGateway]) -> None:
    """A card payment follows the cancellation: its amount drops to what is still due, or
    it is cancelled when nothing is. Done after the commit, so Stripe never asks less than
    the live orders cost. If Stripe refuses (the buyer is paying at this moment) or cannot
    be reached, the amount stays, and whatever the buyer pays beyond the live orders is
    refunded when the payment succeeds (`payouts.settlement`)."""
    gateway = gateways.get(payment.method)
    if not isinstance(gateway, CardGateway) or not payment.payment_intent_id:
        return
    amount = to_minor(payment.amount, payment.currency)
    try:
        gateway.reduce_payment(payment.payment_intent_id, checkout_id=checkout.id,
                               amount=amount)
    except PaymentError as exc:
        logger.warning("checkout %s: the card payment keeps its amount after a cancellation "
                       "(%s); any excess is refunded when it is paid", checkout.id, exc)
        return
    if amount == 0:  # cancelled at Stripe: `orders expire` need not close it again
        payment.intent_closed_at = utcnow()
        db.session.commit()


def ship(order: Order, user: User, *, carrier: str, tracking_number: str) -> Order:
    if order.supplier_id != _org_id(user):
        raise Forbidden("Only the supplier of the order can ship it.")
    current = prepare(order, OrderStatus.SHIPPED, "shipped")
    with db.session.begin_nested():
        move(order, current, OrderStatus.SHIPPED, actor=user, role="supplier",
              details={"carrier": carrier.strip(), "tracking_number": tracking_number.strip()},
              carrier=carrier.strip(), tracking_number=tracking_number.strip())
    db.session.commit()
    return order


def confirm_delivery(order: Order, user: User) -> Order:
    if order.buyer_org_id != _org_id(user):
        raise Forbidden("Only the buyer can confirm delivery.")
    current = prepare(order, OrderStatus.DELIVERED, "confirmed as delivered")
    with db.session.begin_nested():
        move(order, current, OrderStatus.DELIVERED, actor=user, role="buyer")
    db.session.commit()
    return order
