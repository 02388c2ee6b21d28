"""Every change of a listing's stock goes through `change_stock`, except one: on
PostgreSQL a checkout takes its lines' stock with `reservation.take_stock_for_checkout`, one
statement under the same rules. Both build their UPDATE with `changes.listing_update`, so
a stock change bumps the version, stamps `updated_at` and writes the search-outbox row (when
the in-stock flag flips) exactly as any other listing change.

Takes are conditional updates, `UPDATE listings SET stock_quantity = stock_quantity - :q
WHERE id = :id AND stock_quantity - :q >= 0`, so the database itself refuses to oversell: on
PostgreSQL the row lock makes a concurrent update wait and re-check the condition against
the committed stock; on SQLite the writer lock serialises whole transactions. Rows are
always touched in listing-id order, so two checkouts sharing listings cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select

from marketplace.catalog.changes import LISTINGS, announce, changed_in_sql, listing_update
from marketplace.catalog.models import Listing
from marketplace.db.clock import utcnow
from marketplace.db.sql import run
from marketplace.db.types import Quantity
from marketplace.extensions import db

# Built once: this runs for every line of a checkout on SQLite, and for every stock return.
# A negative delta takes (refused, no row returned, when the stock does not cover it), a
# positive one returns stock.
_STOCK_CHANGE = listing_update(LISTINGS.c.id == bindparam("listing_id"),
                               stock_delta=bindparam("delta", type_=Quantity()))


@dataclass(frozen=True)
class Shortage:
    listing_id: str
    requested: Decimal


def change_stock(deltas: Mapping[str, Decimal]) -> list[Shortage]:
    """Apply `deltas` (negative: take, positive: return) in listing-id order.

    Returns the listings that did not have enough stock for their take. When that list is
    not empty, other takes of this call may already have happened: the caller must roll
    the transaction back (nothing is announced to search in that case).
    """
    now = utcnow()
    shortages: list[Shortage] = []
    changed: list[str] = []
    flipped: list[str] = []
    for listing_id in sorted(deltas):
        delta = deltas[listing_id]
        if delta == 0:
            continue
        row = run(_STOCK_CHANGE, {"listing_id": listing_id, "delta": delta, "now": now}).first()
        if row is None:
            shortages.append(Shortage(listing_id, -delta))
            continue
        changed.append(listing_id)
        if row.announce:
            flipped.append(listing_id)
    if not shortages:
        announce(flipped, "stock", now)
    changed_in_sql(changed, announced=False)
    return shortages


def return_stock(lines: Iterable[Any]) -> None:
    """Give the stock of order lines back to their listings (cancelled or expired orders)."""
    change_stock(lines_quantities(lines))


def lines_quantities(lines: Iterable[Any]) -> dict[str, Decimal]:
    """Quantity per listing of order lines (what to give back when they are cancelled)."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        totals[line.listing_id] = totals.get(line.listing_id, Decimal(0)) + line.quantity
    return totals


def available_stock(listing_ids: list[str]) -> dict[str, Decimal]:
    rows = db.session.execute(
        select(Listing.id, Listing.stock_quantity).where(Listing.id.in_(listing_ids))
    )
    return {listing_id: stock for listing_id, stock in rows}
