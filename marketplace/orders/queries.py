"""Who may see what: every read of a checkout or order is scoped to the caller.

A buyer sees its organization's checkouts and orders; a supplier sees the orders of its
organization (an order holds one supplier's lines only); operators see everything. Anything
else answers 404, exactly as if it did not exist.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import OrgKind
from marketplace.accounts.services import Principal
from marketplace.db.clock import utcnow
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.orders.expiry import expire_checkout, expire_if_due
from marketplace.orders.models import Checkout, Order, Payment
from marketplace.orders.states import CheckoutStatus
from marketplace.web.errors import NotFound
from payments.bank_transfer import normalize_reference


def get_checkout(principal: Principal, checkout_id: str) -> Checkout:
    checkout = db.session.get(Checkout, checkout_id)
    if checkout is None or not (principal.is_operator
                                or checkout.buyer_org_id == principal.org_id):
        raise NotFound("Checkout not found.")
    if expire_if_due(checkout):
        db.session.refresh(checkout)
    return checkout


def get_order(principal: Principal, order_id: str) -> Order:
    order = db.session.get(Order, order_id)
    if order is None or not can_see(principal, order):
        raise NotFound("Order not found.")
    if expire_if_due(order.checkout):
        db.session.refresh(order)
    return order


def can_see(principal: Principal, order: Order) -> bool:
    return principal.is_operator or principal.org_id in (order.buyer_org_id, order.supplier_id)


def orders_query(principal: Principal, status: str | None = None) -> Select[Any]:
    """The caller's orders, newest first (overdue checkouts of the caller expire first)."""
    stmt = select(Order)
    if not principal.is_operator:
        own = Order.supplier_id if principal.org_kind == OrgKind.SUPPLIER else (
            Order.buyer_org_id)
        stmt = stmt.where(own == principal.org_id)
    _expire_overdue(stmt)
    if status:
        stmt = stmt.where(Order.status == status)
    return stmt.options(selectinload(Order.checkout)).order_by(
        Order.created_at.desc(), Order.id.desc())


def checkouts_query(*, reference: str | None = None,
                    status: str | None = None) -> Select[Any]:
    """Operators: find a checkout by its transfer reference (bank reconciliation)."""
    stmt = select(Checkout)
    if reference:
        stmt = stmt.join(Payment).where(Payment.reference == normalize_reference(reference))
    if status:
        stmt = stmt.where(Checkout.status == status)
    return stmt.order_by(Checkout.created_at.desc(), Checkout.id.desc())


def _expire_overdue(scope: Select[Any], limit: int = 100) -> None:
    now = utcnow()
    due_ids = db.session.scalars(
        scope.with_only_columns(Order.checkout_id).join(Checkout, Checkout.id == Order.checkout_id)
        .where(Checkout.status == CheckoutStatus.PENDING_PAYMENT, Checkout.expires_at <= now)
        .distinct().limit(limit)
    ).all()
    if not due_ids:
        return
    begin_write()
    for checkout_id in due_ids:
        checkout = db.session.get(Checkout, checkout_id, populate_existing=True)
        if checkout is not None:
            expire_checkout(checkout, now)
    db.session.commit()
