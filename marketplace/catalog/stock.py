"""Every change of a listing's stock goes through `change_stock`, except one: on
PostgreSQL a checkout takes its lines' stock with `reservation.take_and_read`, one statement
under the same rules, and then calls `announce_taken` as `change_stock` does.

Takes are conditional updates, `UPDATE listings SET stock_quantity = stock_quantity - :q
WHERE id = :id AND stock_quantity >= :q`, so the database itself refuses to oversell: on
PostgreSQL the row lock makes a concurrent update wait and re-check the condition against
the committed stock; on SQLite the writer lock serialises whole transactions. Rows are
always touched in listing-id order, so two checkouts sharing listings cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, update

from marketplace.catalog.indexing.outbox import enqueue_many
from marketplace.catalog.models import Listing
from marketplace.db.sql import run
from marketplace.db.types import Quantity
from marketplace.extensions import db

_LISTINGS = Listing.__table__
# Built once: this runs for every line of every checkout. RETURNING gives the new stock in
# the same round trip, so telling whether the in-stock flag flipped needs no second query.
_GIVE = (
    update(_LISTINGS)
    .where(_LISTINGS.c.id == bindparam("listing_id"))
    .values(stock_quantity=_LISTINGS.c.stock_quantity + bindparam("delta", type_=Quantity()),
            version=_LISTINGS.c.version + 1)
    .returning(_LISTINGS.c.stock_quantity, _LISTINGS.c.moq)
)
_TAKE = _GIVE.where(_LISTINGS.c.stock_quantity >= bindparam("wanted", type_=Quantity()))


@dataclass(frozen=True)
class Shortage:
    listing_id: str
    requested: Decimal


def change_stock(deltas: Mapping[str, Decimal]) -> list[Shortage]:
    """Apply `deltas` (negative: take, positive: give back) in listing-id order.

    Returns the listings that did not have enough stock for their take. When that list is
    not empty, other takes of this call may already have happened: the caller must roll
    the transaction back (nothing is announced to search in that case).
    """
    shortages: list[Shortage] = []
    changed: list[tuple[str, Decimal, Decimal, Decimal]] = []
    for listing_id in sorted(deltas):
        delta = deltas[listing_id]
        if delta == 0:
            continue
        params = {"listing_id": listing_id, "delta": delta}
        if delta < 0:
            row = run(_TAKE, {**params, "wanted": -delta}).first()
        else:
            row = run(_GIVE, params).first()
        if row is None:
            shortages.append(Shortage(listing_id, -delta))
            continue
        stock, moq = row
        changed.append((listing_id, stock, moq, delta))
    if shortages:
        _expire_loaded([listing_id for listing_id, *_ in changed])
    else:
        announce_taken(changed)
    return shortages


def announce_taken(changed: Iterable[tuple[str, Decimal, Decimal, Decimal]]) -> None:
    """After stock changed by `(listing id, stock now, moq, delta)`: forget loaded copies
    of those listings, and tell search about the ones whose in-stock flag flipped.

    Search shows no quantities, only whether a minimum order can be filled, so most
    reservations change nothing it holds; announcing only the flips keeps the outbox (and
    re-indexing on the checkout path) to what buyers can see."""
    flipped = []
    listing_ids = []
    for listing_id, stock, moq, delta in changed:
        listing_ids.append(listing_id)
        if Listing.stock_covers_moq(stock, moq) != Listing.stock_covers_moq(stock - delta, moq):
            flipped.append(listing_id)
    _expire_loaded(listing_ids)
    enqueue_many(flipped, "stock")


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


def _expire_loaded(listing_ids: list[str]) -> None:
    """Forget stale stock/version of listings already loaded in this session."""
    identity_map = db.session.identity_map
    for listing_id in listing_ids:
        listing = identity_map.get(db.session.identity_key(Listing, listing_id))
        if listing is not None:
            db.session.expire(listing, ["stock_quantity", "version"])
