"""Confirming a bank transfer: an operator matched the money on the bank statement."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.common.errors import Conflict
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db
from marketplace.moderation.services import record
from marketplace.orders.claims import claim
from marketplace.orders.events import add_event
from marketplace.orders.expiry import expire_if_due
from marketplace.orders.models import Checkout, Order
from marketplace.orders.states import CheckoutStatus, OrderStatus, PaymentStatus
from marketplace.orders.tx import begin_write


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
    now = utcnow()
    bank_reference = bank_reference.strip()
    with db.session.begin_nested():
        if not claim(checkout, CheckoutStatus.PENDING_PAYMENT, Checkout.expires_at > now,
                     status=CheckoutStatus.PAID.value, paid_at=now, updated_at=now):
            raise Conflict("The checkout changed at the same time (expired, cancelled or "
                           "paid); reload it.")
        orders = db.session.scalars(
            select(Order).where(Order.checkout_id == checkout.id)
            .execution_options(populate_existing=True)
        ).all()
        paid = []
        for order in orders:
            if claim(order, OrderStatus.PENDING_PAYMENT, status=OrderStatus.PAID.value,
                     paid_at=now, updated_at=now):
                add_event(order, OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, actor=operator,
                          role="operator", at=now,
                          details={"method": payment.method, "bank_reference": bank_reference})
                paid.append(order.id)
        db.session.refresh(payment)
        payment.status = PaymentStatus.PAID.value
        payment.bank_reference = bank_reference
        payment.confirmed_by_id = operator.id
        payment.paid_at = now
        payment.updated_at = now
        record(actor=operator, action="checkout.mark_paid", target_type="checkout",
               target_id=checkout.id,
               details={"bank_reference": bank_reference, "reference": payment.reference,
                        "amount": str(payment.amount), "currency": payment.currency,
                        "orders": paid})
    db.session.commit()
    return checkout
