"""A new checkout as plain values, written with one INSERT statement (PostgreSQL).

Placing a checkout is the hot path of the marketplace (many buyers at once, each request
holding stock row locks until it commits), so it skips the ORM unit of work: the rows are
built here as dataclasses and inserted with Core (on PostgreSQL all five tables in one
statement, on SQLite one INSERT per table), and the same objects are serialised by
`CheckoutSchema`, whose field names they carry. `GET /checkouts/{id}` reads the stored rows
back through the ORM; a test holds the two answers equal on both databases.

Each row is built from its table's own columns (`_TableRows`): a column takes the value the
placed objects give it (`placed_values`), else its Python-side default as the ORM would
apply it, else NULL where allowed; a column that can get none is an error naming it. A test
(`tests/api/test_checkout_placement.py`) holds every column of every row equal to what the
ORM writes for the same values, on both databases.
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


class ColumnWithoutValue(RuntimeError):
    """A column the fast path can give no value: the placed objects do not say it, and
    it has no Python-side default (a server default or a SQL default does not count:
    `jsonb_populate_recordset` makes every column it is not given NULL)."""


class _DefaultContext:
    """What a column default that takes a context may ask of it, as of SQLAlchemy's
    execution context during an INSERT: the row's parameters (`get_current_parameters`)."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.current_parameters = row

    def get_current_parameters(self, isolate_multiinsert_groups: bool = True) -> dict[str, Any]:
        return self.current_parameters


@dataclass(frozen=True)
class _Default:
    """What a column gets when a row does not give it a value: `value`, or what `make`
    returns when called with a context (SQLAlchemy wraps a default callable that takes
    none so that it takes one)."""

    value: Any = None
    make: Callable[[_DefaultContext], Any] | None = None


def _default(column: Column[Any]) -> _Default:
    """The column's Python-side default, as Core's INSERT applies it for the ORM, else
    NULL if the column allows it; a column that can get neither is an error naming it."""
    default = column.default
    if default is None:
        if column.server_default is not None:
            problem = "has only a server default, which this INSERT cannot apply"
        elif column.nullable and not column.primary_key:
            return _Default()
        else:
            problem = "is NOT NULL and has no default"
    elif default.is_scalar:
        return _Default(value=default.arg)  # type: ignore[attr-defined]
    elif default.is_callable:
        return _Default(make=default.arg)  # type: ignore[attr-defined]
    else:
        problem = f"has a SQL default ({default!r}), which this INSERT cannot evaluate"
    raise ColumnWithoutValue(f"{column.table.name}.{column.name} {problem}: give its value "
                             "in placement.py (placed_values)")


class _TableRows:
    """One table's rows as the fast path writes them, complete from the table's own
    columns: every column gets the value the placed objects give it (`placed_values`),
    else what the ORM would give it (`_default`), so a column added to a model later is
    written as the ORM writes it, on both databases."""

    def __init__(self, table: Table) -> None:
        self.table = table
        # Worked out once: this runs for every column of every row of every checkout.
        self._encoders = [(column.name, _encoder(column)) for column in table.columns]
        # What a row needs besides the columns it was given, by those columns (the same
        # for every row `placed_values` builds for this table): the fixed defaults, and
        # the ones made per row.
        self._plans: dict[tuple[str, ...], _Plan] = {}

    def row(self, given: dict[str, Any]) -> dict[str, Any]:
        """Every column of the table: `given` values, then the others' defaults."""
        names = tuple(given)
        plan = self._plans.get(names)
        if plan is None:
            plan = self._plans[names] = self._plan(names)
        fixed, made = plan
        row = {**given, **fixed}
        if made:
            context = _DefaultContext(row)
            for name, make in made:
                row[name] = make(context)
        return row

    def _plan(self, names: tuple[str, ...]) -> _Plan:
        """The defaults of the columns not in `names` (raises naming a column that has
        none, or a name that is no column)."""
        unknown = sorted(set(names) - set(self.table.columns.keys()))
        if unknown:
            raise ColumnWithoutValue(f"{self.table.name} has no column {', '.join(unknown)}")
        fixed: dict[str, Any] = {}
        made: list[tuple[str, Callable[[_DefaultContext], Any]]] = []
        for column in self.table.columns:
            if column.name not in names:
                default = _default(column)
                if default.make is None:
                    fixed[column.name] = default.value
                else:
                    made.append((column.name, default.make))
        return fixed, made

    def json_row(self, given: dict[str, Any]) -> dict[str, Any]:
        """`row` as `jsonb_populate_recordset` reads it: every column, in its stored
        representation."""
        row = self.row(given)
        return {name: value if encode is None or value is None else encode(value)
                for name, encode in self._encoders for value in (row[name],)}


_Plan = tuple[dict[str, Any], list[tuple[str, Callable[[_DefaultContext], Any]]]]


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


_PG_DIALECT = postgresql.dialect()
#: By table name, in the order the rows are inserted (foreign keys point backwards).
_ROWS = {model.__tablename__: _TableRows(model.__table__)
         for model in (Checkout, Order, OrderLine, OrderEvent, Payment)}
# PostgreSQL: the five tables in one statement, whatever the number of rows. Each table's
# rows arrive as one JSON array, turned into rows of the table's own type, so the SQL text
# never changes (prepared once per connection) and Python runs one statement instead of
# five (four executemany INSERTs alone cost 1.2 ms of CPU in process, this 0.4 ms; see
# bench/README.md). Foreign keys are checked at the end of the statement, when every row is
# in. A taken payment reference skips only the payment row (ON CONFLICT … DO NOTHING).
# Every column of every row is in the JSON (`_TableRows`): one left out would be NULL here,
# not its default.
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
    payment = placed_payment(checkout, start)
    values = placed_values(checkout, payment, actor_role=actor_role)
    if db.session.get_bind().dialect.name == "postgresql":
        params = {name: json.dumps([_ROWS[name].json_row(given) for given in rows],
                                   ensure_ascii=False)
                  for name, rows in values.items()}
        inserted = run(_PG_INSERT, params).first() is not None
    else:
        (payment_values,) = values.pop("payments")
        for name, rows in values.items():
            table_rows = _ROWS[name]
            run(insert(table_rows.table), [table_rows.row(given) for given in rows])
        inserted = _insert_payment(payment_values)
    return payment if inserted else None


def placed_values(checkout: PlacedCheckout, payment: PlacedPayment, *,
                  actor_role: str) -> dict[str, list[dict[str, Any]]]:
    """What the placed objects say of each table's rows (by table name, in insert order).
    Every other column gets what the ORM would give it (`_TableRows.row`): generated ids,
    `{}` details, NULL for what has not happened yet."""
    now = checkout.created_at
    return {
        "checkouts": [
            {"id": checkout.id, "buyer_org_id": checkout.buyer_org_id,
             "created_by_id": checkout.created_by_id, "status": checkout.status,
             "currency": checkout.currency, "total": checkout.total,
             "shipping_address": checkout.shipping_address,
             "expires_at": checkout.expires_at, "created_at": now, "updated_at": now}],
        "orders": [
            {"id": order.id, "checkout_id": checkout.id, "position": position,
             "buyer_org_id": order.buyer_org_id, "supplier_id": order.supplier_id,
             "status": order.status, "currency": order.currency, "subtotal": order.subtotal,
             "created_at": now, "updated_at": now}
            for position, order in enumerate(checkout.orders)],
        "order_lines": [
            {"order_id": order.id, "position": position, **vars(line)}
            for order in checkout.orders for position, line in enumerate(order.lines)],
        "order_events": [
            {"order_id": order.id, "seq": 1, "at": now, "to_status": order.status,
             "actor_id": checkout.created_by_id, "actor_role": actor_role}
            for order in checkout.orders],
        "payments": [_payment_values(checkout, payment)],
    }


def insert_payment(checkout: PlacedCheckout, start: PaymentStart) -> PlacedPayment | None:
    """Record how the checkout is paid; None (nothing written) when the bank-transfer
    reference is already taken, so the caller can draw another one."""
    payment = placed_payment(checkout, start)
    return payment if _insert_payment(_payment_values(checkout, payment)) else None


def _insert_payment(given: dict[str, Any]) -> bool:
    rows = _ROWS["payments"]
    return insert_unless_conflict(rows.table, rows.row(given), unique=("reference",))


def placed_payment(checkout: PlacedCheckout, start: PaymentStart) -> PlacedPayment:
    """The payment `start` describes, for `checkout`."""
    return PlacedPayment(
        method=start.method, status=start.status, currency=checkout.currency,
        amount=checkout.total, reference=start.reference,
        payment_intent_id=start.payment_intent_id, instructions=start.instructions,
    )


def _payment_values(checkout: PlacedCheckout, payment: PlacedPayment) -> dict[str, Any]:
    return {
        "checkout_id": checkout.id, "method": payment.method, "status": payment.status,
        "reference": payment.reference, "payment_intent_id": payment.payment_intent_id,
        "currency": payment.currency, "amount": payment.amount,
        "amount_refunded": payment.amount_refunded, "instructions": payment.instructions,
        "created_at": checkout.created_at, "updated_at": checkout.created_at,
    }
