"""Checkouts, per-supplier orders, their lines and status history, payments and refunds,
and the stored answers of idempotent checkout requests.

Money is `Money()` and quantities `Quantity()` (integer-scaled, exact on every database).
Status changes are compare-and-set updates (`WHERE status = :expected`) in the services, so
two processes can never both move one row out of a state.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db.clock import utcnow
from marketplace.db.ids import id_factory
from marketplace.db.types import Money, Quantity, UTCDateTime
from marketplace.extensions import db
from marketplace.orders.states import CheckoutStatus, OrderStatus, PaymentStatus


class Checkout(db.Model):  # type: ignore[name-defined]
    """What a buyer submitted at once: one currency, one payment, one order per supplier."""

    __tablename__ = "checkouts"
    __table_args__ = (
        Index("ix_checkouts_buyer_created", "buyer_org_id", "created_at"),
        Index("ix_checkouts_status_expires", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("chk"))
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default=CheckoutStatus.PENDING_PAYMENT.value)
    currency: Mapped[str] = mapped_column(String(3))
    # Sum of every order's subtotal when the checkout was placed (never changes).
    total: Mapped[Decimal] = mapped_column(Money())
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    orders: Mapped[list[Order]] = relationship(
        back_populates="checkout", order_by="Order.position", lazy="selectin"
    )
    payment: Mapped[Payment | None] = relationship(
        back_populates="checkout", uselist=False, lazy="selectin"
    )


class Order(db.Model):  # type: ignore[name-defined]
    """The part of a checkout that one supplier fulfils."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_buyer_status", "buyer_org_id", "status", "created_at"),
        Index("ix_orders_supplier_status", "supplier_id", "status", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("ord"))
    checkout_id: Mapped[str] = mapped_column(
        ForeignKey("checkouts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    supplier_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.PENDING_PAYMENT.value)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money())
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Card payments (Stripe): the supplier's share sent to its connected account, and the
    # platform fee kept from the subtotal (transfer = subtotal − fee).
    transfer_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    platform_fee: Mapped[Decimal | None] = mapped_column(Money())

    checkout: Mapped[Checkout] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.position", lazy="selectin"
    )
    events: Mapped[list[OrderEvent]] = relationship(order_by="OrderEvent.seq", lazy="selectin")
    refunds: Mapped[list[Refund]] = relationship(order_by="Refund.created_at", lazy="selectin")

    @property
    def shipping_address(self) -> dict[str, Any]:
        return self.checkout.shipping_address

    @property
    def payment_intent_id(self) -> str | None:
        payment = self.checkout.payment
        return payment.payment_intent_id if payment is not None else None


class OrderLine(db.Model):  # type: ignore[name-defined]
    """One listing at one quantity, priced by the listing's tier when the order was placed."""

    __tablename__ = "order_lines"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("oln"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.id"), index=True)
    # Snapshot of what was bought, so later listing edits never rewrite an order.
    title_zh: Mapped[str] = mapped_column(String(200))
    inci_name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(4))
    quantity: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())
    line_total: Mapped[Decimal] = mapped_column(Money())

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(db.Model):  # type: ignore[name-defined]
    """One status change of an order: who, when, from what to what. Append-only."""

    __tablename__ = "order_events"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("oev"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # 1, 2, 3… per order: orders the history even when two events share a timestamp.
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_role: Mapped[str] = mapped_column(String(16))  # buyer, supplier, operator, system
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Payment(db.Model):  # type: ignore[name-defined]
    """How a checkout is paid. `amount` is what is still due for its live orders."""

    __tablename__ = "payments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("pay"))
    checkout_id: Mapped[str] = mapped_column(
        ForeignKey("checkouts.id", ondelete="CASCADE"), unique=True
    )
    method: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default=PaymentStatus.PENDING.value)
    # The buyer's transfer reference (MG-7K3Q-9XPA); unique across all payments.
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money())
    amount_refunded: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    instructions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The bank's own transaction number, entered by the operator who confirmed receipt.
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    confirmed_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Card payments of expired or cancelled checkouts: when the PaymentIntent was closed at
    # Stripe (or found already closed), so the buyer can no longer pay it. Null while open.
    intent_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    checkout: Mapped[Checkout] = relationship(back_populates="payment")

    @property
    def bank_account(self) -> dict[str, str] | None:
        account = (self.instructions or {}).get("bank_account")
        return account if isinstance(account, dict) else None


class Refund(db.Model):  # type: ignore[name-defined]
    """Money given back for one order, recorded through its payment's gateway."""

    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("rfd"))
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24))
    reference: Mapped[str | None] = mapped_column(String(255))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money())
    reason: Mapped[str] = mapped_column(String(1000))
    # Card refunds: the reversal of the supplier's transfer that went with it.
    transfer_reversal_id: Mapped[str | None] = mapped_column(String(255))
    created_by_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotencyRecord(db.Model):  # type: ignore[name-defined]
    """The first successful answer to `POST /checkouts` with one `Idempotency-Key`.

    Written in the same transaction as the checkout (inserted first, so a concurrent request
    with the same key waits on the unique index and then replays). Kept at least 24 hours.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("buyer_org_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    checkout_id: Mapped[str | None] = mapped_column(
        ForeignKey("checkouts.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
