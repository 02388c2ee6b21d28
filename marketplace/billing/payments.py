"""A checkout gets paid: an operator confirms a bank transfer (`mark_paid`), or Stripe
reports that the card payment succeeded (`confirm_card_payment`, from the webhook). Both
move the checkout and its pending orders to `paid` through `_settle`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit import record
from marketplace.db.clock import utcnow
from marketplace.db.status import set_status_if
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.orders.events import add_event
from marketplace.orders.expiry import expire_if_due
from marketplace.orders.models import Checkout, Order, Payment
from marketplace.orders.states import CheckoutStatus, OrderStatus, PaymentStatus
from marketplace.web.errors import Conflict


def _settle(checkout: Checkout, *conditions: Any, actor: User | None, role: str,
            details: dict[str, Any]) -> tuple[Payment, list[Order]] | None:
    """Checkout → `paid` (compare-and-set, with extra `conditions`), each pending order →
    `paid` with an event, the payment → `paid`. None when the checkout was no longer
    awaiting payment. Runs inside the caller's transaction."""
    now = utcnow()
    if not set_status_if(checkout, CheckoutStatus.PENDING_PAYMENT, *conditions,
                 status=CheckoutStatus.PAID.value, paid_at=now, updated_at=now):
        return None
    orders = db.session.scalars(
        select(Order).where(Order.checkout_id == checkout.id).order_by(Order.position)
        .execution_options(populate_existing=True)
    ).all()
    paid = []
    for order in orders:
        if set_status_if(order, OrderStatus.PENDING_PAYMENT, status=OrderStatus.PAID.value,
                 paid_at=now, updated_at=now):
            add_event(order, OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, actor=actor,
                      role=role, at=now, details=details)
            paid.append(order)
    payment = checkout.payment
    assert payment is not None
    db.session.refresh(payment)
    payment.status = PaymentStatus.PAID.value
    payment.paid_at = now
    payment.updated_at = now
    return payment, paid


def mark_paid(checkout: Checkout, operator: User, *, bank_reference: str) -> Checkout:
    """Checkout and its pending orders → `paid`, audit-logged; 409 unless awaiting payment."""
    expire_if_due(checkout)
    begin_write()
    db.session.refresh(checkout)
    payment = checkout.payment
    if checkout.status != CheckoutStatus.PENDING_PAYMENT:
        raise Conflict(f"The checkout is {checkout.status}; only a checkout awaiting payment "
                       "can be marked paid.")
    if payment is None or payment.method != "bank_transfer":
        raise Conflict("Only bank transfers are confirmed by hand.")
    bank_reference = bank_reference.strip()
    with db.session.begin_nested():
        settled = _settle(checkout, Checkout.expires_at > utcnow(), actor=operator,
                          role="operator",
                          details={"method": payment.method, "bank_reference": bank_reference})
        if settled is None:
            raise Conflict("The checkout changed at the same time (expired, cancelled or "
                           "paid); reload it.")
        payment, paid = settled
        payment.bank_reference = bank_reference
        payment.confirmed_by_id = operator.id
        record(actor=operator, action="checkout.mark_paid", target_type="checkout",
               target_id=checkout.id,
               details={"bank_reference": bank_reference, "reference": payment.reference,
                        "amount": str(payment.amount), "currency": payment.currency,
                        "orders": [order.id for order in paid]})
    db.session.commit()
    return checkout


def confirm_card_payment(checkout: Checkout, *, payment_intent_id: str,
                         charge_id: str | None) -> list[Order] | None:
    """Stripe says the card payment succeeded: checkout and pending orders → `paid` even if
    the checkout is past `expires_at` but not yet expired (the money is in). Returns the
    orders paid now, or None when the checkout was no longer awaiting payment (expired,
    cancelled, or already paid). The caller (the webhook) commits."""
    with db.session.begin_nested():
        settled = _settle(checkout, actor=None, role="system",
                          details={"method": "stripe", "payment_intent_id": payment_intent_id,
                                   "charge_id": charge_id})
        if settled is None:
            return None
        payment, paid = settled
        record(actor=None, action="checkout.card_paid", target_type="checkout",
               target_id=checkout.id,
               details={"payment_intent_id": payment_intent_id, "charge_id": charge_id,
                        "amount": str(payment.amount), "currency": payment.currency,
                        "orders": [order.id for order in paid]})
    return paid
