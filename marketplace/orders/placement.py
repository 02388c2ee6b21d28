"""A new checkout as plain values, written with one INSERT statement (PostgreSQL).

Placing a checkout is the hot path of the marketplace (many buyers at once, each request
holding stock row locks until it commits), so it skips the ORM unit of work: the rows are
built here as dataclasses and inserted with Core (on PostgreSQL all five tables in one
statement, on SQLite one INSERT per table), and the same objects are serialised by
`CheckoutSchema`, whose field names they carry. `GET /checkouts/{id}` reads the stored rows
back through the ORM; a test holds the two answers equal on both databases.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Table, insert, text
from sqlalchemy.dialects import postgresql

from marketplace.db.ids import new_id
from marketplace.db.sql import insert_unless_conflict, run
from marketplace.db.types import ScaledDecimal, UTCDateTime
from marketplace.extensions import db
from marketplace.orders.models import Checkout, Order, OrderEvent, OrderLine, Payment
from marketplace.orders.states import CheckoutStatus, OrderStatus
from payments.interface import PaymentStart


@dataclass
class PlacedLine:
    listing_id: str
    title_zh: str
    inci_name: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    line_total: Decimal


@dataclass
class PlacedOrder:
    id: str
    checkout_id: str
    buyer_org_id: str
    supplier_id: str
    currency: str
    created_at: datetime
    subtotal: Decimal = Decimal("0.00")
    status: str = OrderStatus.PENDING_PAYMENT.value
    lines: list[PlacedLine] = field(default_factory=list)
    # Empty until the order moves on; present so the response has every field GET has.
    carrier: None = None
    tracking_number: None = None
    paid_at: None = None
    shipped_at: None = None
    delivered_at: None = None
    cancelled_at: None = None
    refunded_at: None = None

    @property
    def updated_at(self) -> datetime:
        return self.created_at


@dataclass
class PlacedPayment:
    method: str
    status: str
    currency: str
    amount: Decimal
    reference: str | None
    payment_intent_id: str | None
    instructions: dict[str, Any]
    amount_refunded: Decimal = Decimal("0.00")
    paid_at: None = None

    @property
    def bank_account(self) -> dict[str, str] | None:
        account = self.instructions.get("bank_account")
        return account if isinstance(account, dict) else None


@dataclass
class PlacedCheckout:
    """Also what a gateway reads when the payment starts (`payments.PayableCheckout`)."""

    id: str
    buyer_org_id: str
    created_by_id: str
    currency: str
    shipping_address: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    orders: list[PlacedOrder] = field(default_factory=list)
    payment: PlacedPayment | None = None
    status: str = CheckoutStatus.PENDING_PAYMENT.value
    paid_at: None = None

    @property
    def total(self) -> Decimal:
        return sum((order.subtotal for order in self.orders), Decimal("0.00"))

    def order_for(self, supplier_id: str, currency: str) -> PlacedOrder:
        """The supplier's order in this checkout, started on its first line."""
        for order in self.orders:
            if order.supplier_id == supplier_id:
                return order
        order = PlacedOrder(id=new_id("ord"), checkout_id=self.id,
                            buyer_org_id=self.buyer_org_id, supplier_id=supplier_id,
                            currency=currency, created_at=self.created_at)
        self.orders.append(order)
        return order


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined]


_PG_DIALECT = postgresql.dialect()
_TABLES = tuple(_table(model) for model in (Checkout, Order, OrderLine, OrderEvent))
_PAYMENTS = _table(Payment)
# PostgreSQL: the five tables in one statement, whatever the number of rows. Each table's
# rows arrive as one JSON array, turned into rows of the table's own type, so the SQL text
# never changes (prepared once per connection) and Python runs one statement instead of
# five (four executemany INSERTs alone cost 1.2 ms of CPU in process, this 0.4 ms; see
# bench/README.md). Foreign keys are checked at the end of the statement, when every row is
# in. A taken payment reference skips only the payment row (ON CONFLICT … DO NOTHING).
_PG_INSERT = text(
    "WITH c AS (INSERT INTO checkouts SELECT * FROM"
    " jsonb_populate_recordset(NULL::checkouts, CAST(:checkouts AS jsonb))),"
    " o AS (INSERT INTO orders SELECT * FROM"
    " jsonb_populate_recordset(NULL::orders, CAST(:orders AS jsonb))),"
    " l AS (INSERT INTO order_lines SELECT * FROM"
    " jsonb_populate_recordset(NULL::order_lines, CAST(:order_lines AS jsonb))),"
    " e AS (INSERT INTO order_events SELECT * FROM"
    " jsonb_populate_recordset(NULL::order_events, CAST(:order_events AS jsonb)))"
    " INSERT INTO payments SELECT * FROM"
    " jsonb_populate_recordset(NULL::payments, CAST(:payments AS jsonb))"
    " ON CONFLICT (reference) DO NOTHING RETURNING id"
)


def insert_checkout(checkout: PlacedCheckout, start: PaymentStart, *,
                    actor_role: str) -> PlacedPayment | None:
    """Checkout, orders, lines, each order's first event, and the payment `start` describes.

    None when the payment's bank-transfer reference is already taken: everything but the
    payment is written, and the caller draws another reference for `insert_payment`.
    PostgreSQL: one statement (`_PG_INSERT`). SQLite: one INSERT per table, rows as lists
    of parameter sets."""
    payment, payment_row = _payment(checkout, start)
    rows = dict(zip(_TABLES, _rows(checkout, actor_role), strict=True))
    if db.session.get_bind().dialect.name == "postgresql":
        params = {table.name: json.dumps([_json_row(table, row) for row in table_rows],
                                         ensure_ascii=False)
                  for table, table_rows in rows.items()}
        params["payments"] = json.dumps([_json_row(_PAYMENTS, payment_row)],
                                        ensure_ascii=False)
        inserted = run(_PG_INSERT, params).first() is not None
    else:
        for table, table_rows in rows.items():
            run(insert(table), table_rows)
        inserted = insert_unless_conflict(_PAYMENTS, payment_row, unique=("reference",))
    return payment if inserted else None


def _rows(checkout: PlacedCheckout, actor_role: str) -> tuple[list[dict[str, Any]], ...]:
    now = checkout.created_at
    return (
        [{"id": checkout.id, "buyer_org_id": checkout.buyer_org_id,
          "created_by_id": checkout.created_by_id, "status": checkout.status,
          "currency": checkout.currency, "total": checkout.total,
          "shipping_address": checkout.shipping_address, "expires_at": checkout.expires_at,
          "created_at": now, "updated_at": now}],
        [{"id": order.id, "checkout_id": checkout.id, "position": position,
          "buyer_org_id": order.buyer_org_id, "supplier_id": order.supplier_id,
          "status": order.status, "currency": order.currency, "subtotal": order.subtotal,
          "created_at": now, "updated_at": now}
         for position, order in enumerate(checkout.orders)],
        [{"id": new_id("oln"), "order_id": order.id, "position": position, **vars(line)}
         for order in checkout.orders for position, line in enumerate(order.lines)],
        [{"id": new_id("oev"), "order_id": order.id, "seq": 1, "at": now,
          "from_status": None, "to_status": order.status, "actor_id": checkout.created_by_id,
          "actor_role": actor_role, "details": {}}
         for order in checkout.orders],
    )


def _json_row(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A row as `jsonb_populate_recordset` reads it: every column, stored representation.

    A column left out would be NULL, not its default: a column added later needs its value
    in `_rows` (the checkout tests on PostgreSQL fail otherwise)."""
    return {name: value if encode is None or value is None else encode(value)
            for name, encode in _ENCODERS[table] for value in (row.get(name),)}


def _encoder(column: Column[Any]) -> Callable[[Any], Any] | None:
    """How a column's value becomes JSON for PostgreSQL; None where it is already fit."""
    column_type = column.type
    if isinstance(column_type, ScaledDecimal):
        return lambda value: column_type.process_bind_param(value, _PG_DIALECT)
    if isinstance(column_type, UTCDateTime):
        return lambda value: _utc(column_type, value).isoformat()
    return None


def _utc(column_type: UTCDateTime, value: datetime) -> datetime:
    utc = column_type.process_bind_param(value, _PG_DIALECT)
    assert utc is not None  # None never reaches an encoder
    return utc


# Worked out once per table: this runs for every column of every row of every checkout.
_ENCODERS = {table: [(column.name, _encoder(column)) for column in table.columns]
             for table in (*_TABLES, _PAYMENTS)}


def insert_payment(checkout: PlacedCheckout, start: PaymentStart) -> PlacedPayment | None:
    """Record how the checkout is paid; None (nothing written) when the bank-transfer
    reference is already taken, so the caller can draw another one."""
    payment, row = _payment(checkout, start)
    return payment if insert_unless_conflict(_PAYMENTS, row, unique=("reference",)) else None


def _payment(checkout: PlacedCheckout,
             start: PaymentStart) -> tuple[PlacedPayment, dict[str, Any]]:
    payment = PlacedPayment(
        method=start.method, status=start.status, currency=checkout.currency,
        amount=checkout.total, reference=start.reference,
        payment_intent_id=start.payment_intent_id, instructions=start.instructions,
    )
    return payment, {
        "id": new_id("pay"), "checkout_id": checkout.id, "method": payment.method,
        "status": payment.status, "reference": payment.reference,
        "payment_intent_id": payment.payment_intent_id, "currency": payment.currency,
        "amount": payment.amount, "amount_refunded": payment.amount_refunded,
        "instructions": payment.instructions, "created_at": checkout.created_at,
        "updated_at": checkout.created_at,
    }
