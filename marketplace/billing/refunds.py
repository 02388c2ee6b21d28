"""Refunds by an operator: the whole order, through its payment's gateway, audit-logged."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from marketplace.accounts.models import User
from marketplace.audit import record
from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.orders.models import Checkout, Order, Refund
from marketplace.orders.services import give_back_stock, move, prepare
from marketplace.orders.states import OrderStatus, PaymentStatus
from marketplace.web.errors import Conflict
from payments.interface import PaymentGateway


def refund(order: Order, operator: User, *, reason: str,
           gateways: Mapping[str, PaymentGateway]) -> Order:
    """Refund the whole order through its payment's gateway (audit-logged).

    An order refunded before it shipped also gives its stock back: the goods never left.
    """
    current = prepare(order, OrderStatus.REFUNDED, "refunded")
    payment = order.checkout.payment
    if payment is None:
        raise Conflict("The order has no payment to refund.")
    gateway = gateways.get(payment.method)
    if gateway is None:
        raise Conflict(f"The {payment.method} gateway is not enabled; cannot refund.")
    reason = reason.strip()
    with db.session.begin_nested():
        move(order, current, OrderStatus.REFUNDED, actor=operator, role="operator",
              details={"reason": reason, "amount": str(order.subtotal)})
        result = gateway.refund(order, order.subtotal, reason)
        refund_row = Refund(
            order_id=order.id, payment_id=payment.id, method=payment.method,
            status=result.status, reference=result.reference,
            transfer_reversal_id=result.transfer_reversal_id, currency=order.currency,
            amount=order.subtotal, reason=reason, created_by_id=operator.id,
        )
        db.session.add(refund_row)
        db.session.refresh(payment, with_for_update=True)  # refunds of sibling orders queue
        payment.amount_refunded += order.subtotal
        payment.status = (PaymentStatus.REFUNDED.value
                          if payment.amount_refunded >= _paid_total(order.checkout)
                          else PaymentStatus.PARTIALLY_REFUNDED.value)
        payment.updated_at = utcnow()
        if current == OrderStatus.PAID:
            give_back_stock(order)
        record(actor=operator, action="order.refund", target_type="order", target_id=order.id,
               details={"checkout_id": order.checkout_id, "amount": str(order.subtotal),
                        "currency": order.currency, "reason": reason, "from": current.value,
                        "refund_status": result.status, "refund_reference": result.reference,
                        "transfer_reversal_id": result.transfer_reversal_id})
    db.session.commit()
    return order


def _paid_total(checkout: Checkout) -> Decimal:
    return sum((o.subtotal for o in checkout.orders if o.paid_at is not None), Decimal("0.00"))
