"""Card payment events: a checkout paid by card gets its orders paid and each supplier its
share (one Transfer per order, minus the platform fee); a failed attempt is recorded; a
refund Stripe reports is matched with ours.

Every function runs inside the webhook's transaction and returns the event's outcome.
A Stripe outage (`PaymentUnavailable`) propagates: the whole event rolls back and Stripe
delivers it again, when the same idempotency keys replay whatever had already been done.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.audit import AuditLogEntry, record
from marketplace.billing.payments import confirm_card_payment
from marketplace.billing.payout_accounts import destinations
from marketplace.db.status import set_status_if
from marketplace.extensions import db
from marketplace.orders.models import Checkout, Order, Payment, Refund
from marketplace.orders.states import CheckoutStatus, OrderStatus, PaymentStatus
from marketplace.web.errors import Conflict
from payments.interface import CardGateway, CardRefund, PaymentError, PaymentUnavailable
from payments.stripe_amounts import from_minor, to_minor

logger = logging.getLogger(__name__)
OUTSIDE_REFUND = "checkout.refund_outside"


def _payment(payment_intent_id: Any, event_type: str, metadata: Any) -> Payment | None:
    payment = None
    if isinstance(payment_intent_id, str):
        payment = db.session.scalar(
            select(Payment).where(Payment.payment_intent_id == payment_intent_id,
                                  Payment.method == "stripe")
            .with_for_update())
    if payment is None:
        logger.warning("Stripe %s for payment intent %r (metadata %r) names none of our "
                       "checkouts; ignored", event_type, payment_intent_id, metadata)
    return payment


def _id(value: Any) -> str | None:
    """An expandable field: an id, or the expanded object carrying one."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else None


def payment_succeeded(intent: dict[str, Any], gateway: CardGateway) -> str:
    payment = _payment(intent.get("id"), "payment_intent.succeeded", intent.get("metadata"))
    if payment is None:
        return "unmatched"
    checkout: Checkout = payment.checkout
    charge_id = _id(intent.get("latest_charge")) or gateway.charge_of(intent["id"])
    received = int(intent.get("amount_received") or intent.get("amount") or 0)
    paid = confirm_card_payment(checkout, payment_intent_id=intent["id"], charge_id=charge_id)
    if paid is None:
        if checkout.status in (CheckoutStatus.EXPIRED, CheckoutStatus.CANCELLED):
            _refund_late_payment(checkout, payment, received, gateway)
        return "processed"  # already paid: a second event for the same payment
    for order in paid:
        _transfer(order, charge_id, gateway)
    due = sum((to_minor(order.subtotal, order.currency) for order in paid), 0)
    if received > due:  # orders cancelled after the intent was created: give the rest back
        _refund_to_buyer(checkout, intent["id"], received - due, "excess_refund",
                   "orders cancelled before payment", gateway)
    return "processed"


def _transfer(order: Order, charge_id: str | None, gateway: CardGateway, *,
              actor: User | None = None, attempt: int = 0) -> str | None:
    """One order's share to its supplier. A refusal (not an outage) is audit-logged for
    operators and leaves the order paid without a transfer; answers the refusal, else None."""
    share = gateway.split(order.subtotal, order.currency)
    destination = destinations([order.supplier_id]).get(order.supplier_id)
    problem = None
    if destination is None:
        problem = "the supplier has no payout account"
    else:
        try:
            order.transfer_id = gateway.transfer(
                order_id=order.id, checkout_id=order.checkout_id, amount=share.transfer,
                currency=order.currency, destination=destination,
                source_transaction=charge_id, attempt=attempt)
            order.platform_fee = from_minor(share.fee, order.currency)
        except PaymentUnavailable:
            raise
        except PaymentError as exc:
            problem = str(exc)
    if problem:
        logger.error("No transfer for order %s: %s", order.id, problem)
        record(actor=actor, action="order.transfer_failed", target_type="order",
               target_id=order.id,
               details={"checkout_id": order.checkout_id, "problem": problem,
                        "amount": str(from_minor(share.transfer, order.currency))})
    return problem


def retry_transfer(order: Order, operator: User, gateway: CardGateway) -> Order:
    """An operator sends a paid card order's share again, after Stripe refused it (the
    supplier's account was closed and is now replaced, say). 409 unless the order is paid
    by card, not refunded, and has no transfer; Stripe unavailable → 503, nothing written;
    refused again → 502, and the refusal is audit-logged like the first."""
    payment = order.checkout.payment
    if payment is None or payment.method != gateway.name or not payment.payment_intent_id:
        raise Conflict("Only orders paid by card have a supplier transfer.")
    if order.status not in (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED):
        raise Conflict(f"The order is {order.status}; only a paid order is transferred.")
    if order.transfer_id:
        raise Conflict("The supplier's share of this order was already transferred.")
    # Retry n uses its own key (n = refusals so far), so a retry that Stripe refuses again
    # is followed by a fresh attempt, while a retry cut off by an outage repeats its key.
    refusals = db.session.scalar(select(func.count()).select_from(AuditLogEntry).where(
        AuditLogEntry.action == "order.transfer_failed", AuditLogEntry.target_id == order.id))
    problem = _transfer(order, gateway.charge_of(payment.payment_intent_id), gateway,
                        actor=operator, attempt=max(refusals or 0, 1))
    if problem is None:
        record(actor=operator, action="order.transfer_retried", target_type="order",
               target_id=order.id, details={"transfer_id": order.transfer_id})
    db.session.commit()
    if problem is not None:
        raise PaymentError(f"Stripe refused the transfer again: {problem}")
    return order


def _refund_late_payment(checkout: Checkout, payment: Payment, received: int,
                         gateway: CardGateway) -> None:
    """Paid after the checkout expired or was cancelled (its stock is gone): refund it all."""
    refund = _refund_to_buyer(checkout, payment.payment_intent_id or "", received, "late_refund",
                        f"checkout {checkout.status}", gateway)
    if refund is not None:
        payment.status = PaymentStatus.REFUNDED.value
        payment.amount_refunded = from_minor(received, checkout.currency)


def _refund_to_buyer(checkout: Checkout, payment_intent_id: str, amount: int, operation: str,
               reason: str, gateway: CardGateway) -> CardRefund | None:
    """Refund money no order is owed (audit-logged). An outage propagates (the event is
    retried); a refusal is left to operators."""
    details: dict[str, Any] = {"reason": reason, "payment_intent_id": payment_intent_id,
                               "amount": str(from_minor(amount, checkout.currency))}
    try:
        refund = gateway.refund_payment(
            payment_intent_id=payment_intent_id, amount=amount,
            idempotency_key=f"checkout:{checkout.id}:{operation}",
            metadata={"checkout_id": checkout.id, "reason": reason})
    except PaymentUnavailable:
        raise
    except PaymentError as exc:
        logger.error("Could not refund %s of checkout %s: %s", operation, checkout.id, exc)
        record(actor=None, action=f"checkout.{operation}_failed", target_type="checkout",
               target_id=checkout.id, details={**details, "problem": str(exc)})
        return None
    record(actor=None, action=f"checkout.{operation}", target_type="checkout",
           target_id=checkout.id, details={**details, "refund_id": refund.id})
    logger.warning("Checkout %s: %s, refunded %s (%s)", checkout.id, reason,
                   details["amount"], refund.id)
    return refund


def payment_failed(intent: dict[str, Any]) -> str:
    """The attempt failed: the payment is `failed`, the orders stay `pending_payment` and the
    buyer may try again with the same intent. Never undoes a success (compare-and-set)."""
    payment = _payment(intent.get("id"), "payment_intent.payment_failed",
                       intent.get("metadata"))
    if payment is None:
        return "unmatched"
    error = intent.get("last_payment_error") or {}
    if set_status_if(payment, PaymentStatus.PENDING, status=PaymentStatus.FAILED.value):
        logger.info("Card payment of checkout %s failed: %s", payment.checkout_id,
                    error.get("message") or error.get("code"))
    return "processed"


def charge_refunded(charge: dict[str, Any], gateway: CardGateway) -> str:
    """Mark our refunds of this charge with Stripe's status; a refund made elsewhere (the
    Stripe dashboard) is logged for operators, never guessed onto an order."""
    payment = _payment(_id(charge.get("payment_intent")), "charge.refunded",
                       charge.get("metadata"))
    if payment is None:
        return "unmatched"
    listed = (charge.get("refunds") or {}).get("data")
    refunds = ([CardRefund(id=r["id"], status=r.get("status") or "pending",
                             amount=int(r.get("amount") or 0),
                             metadata=dict(r.get("metadata") or {})) for r in listed]
               if listed else gateway.refunds_of_charge(charge["id"]))
    for refund in refunds:
        row = db.session.scalar(select(Refund).where(Refund.reference == refund.id,
                                                     Refund.payment_id == payment.id))
        if row is not None:
            row.status = refund.status
            continue
        if refund.metadata.get("checkout_id") == payment.checkout_id:
            # Ours: an excess or late-payment refund (audit-logged when made), or an order
            # refund whose recording rolled back; the operator's retry replays and records it.
            continue
        if refund.id in _outside_refunds_seen(payment.checkout_id):
            continue
        logger.warning("Refund %s of checkout %s was not made here; recorded for operators",
                       refund.id, payment.checkout_id)
        record(actor=None, action=OUTSIDE_REFUND, target_type="checkout",
               target_id=payment.checkout_id,
               details={"refund_id": refund.id, "status": refund.status,
                        "amount": str(from_minor(refund.amount, payment.currency)),
                        "metadata": refund.metadata})
    return "processed"


def _outside_refunds_seen(checkout_id: str) -> set[str]:
    entries = db.session.scalars(select(AuditLogEntry).where(
        AuditLogEntry.action == OUTSIDE_REFUND, AuditLogEntry.target_id == checkout_id))
    return {str(entry.details.get("refund_id")) for entry in entries}
