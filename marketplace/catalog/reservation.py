"""What a checkout needs of its listings: read them (any database), or on PostgreSQL read
them and take their stock in one statement.

The portable path reads the listings with their price tiers, then takes each line's stock
with its own conditional UPDATE (`stock.change_stock`): 1 + n round trips for n lines. On
PostgreSQL, `take_and_read` does both in one UPDATE:

- a MATERIALIZED CTE locks the rows `FOR UPDATE` in listing-id order, so two checkouts
  sharing listings take their locks in the same order and cannot deadlock;
- the UPDATE takes each line's quantity only from a published listing whose stock covers
  it (`stock_quantity >= quantity`, re-checked against the latest committed row after a
  lock wait, as for any UPDATE);
- the answer carries what pricing and the order line snapshot need, tiers included.

The lines arrive as one JSON array (`jsonb_to_recordset`), not as arrays for `unnest`:
PostgreSQL estimates an `unnest` of a parameter from its length, so each execution looked
cheaper re-planned than with the cached plan, and it was re-planned every time (0.2 ms
more per checkout, `pgbench -M prepared`). A JSON record set has a fixed estimate, so the
prepared statement's generic plan is kept.

Every listing that exists comes back, read under its lock, with what was taken or nothing:
the caller names an unknown, unpublished or short line from that alone, and rolls back.
Rows that cannot be served are locked too, briefly: a refusal's 409 then reports the stock
as it is. Locking only servable rows was measured and not kept (bench/README.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, column, select, text
from sqlalchemy.dialects import postgresql

from marketplace.catalog.models import Listing, PriceTier
from marketplace.db.sql import run
from marketplace.db.types import Quantity

_LISTINGS = Listing.__table__
_TIERS = PriceTier.__table__
_QUANTITY = Quantity()
_PG_DIALECT = postgresql.dialect()


@dataclass(frozen=True)
class Tier:
    min_quantity: Decimal
    unit_price: Decimal


@dataclass
class ForSale:
    """What pricing and the order line snapshot need of a listing (a row carries more)."""

    id: str
    supplier_id: str
    status: str
    currency: str
    moq: Decimal
    unit: str
    title_zh: str
    inci_name: str
    price_tiers: list[Tier] = field(default_factory=list)


_FOR_SALE = (
    select(Listing.id, Listing.supplier_id, Listing.status, Listing.currency, Listing.moq,
           Listing.unit, Listing.title_zh, Listing.inci_name, PriceTier.min_quantity,
           PriceTier.unit_price)
    .outerjoin(PriceTier, PriceTier.listing_id == Listing.id)
    .where(Listing.id.in_(bindparam("ids", expanding=True)))
)


def read_for_sale(ids: set[str]) -> dict[str, ForSale]:
    """The listings named, with their tiers: one query, one row per tier."""
    found: dict[str, ForSale] = {}
    for *columns, min_quantity, unit_price in run(_FOR_SALE, {"ids": list(ids)}):
        listing = found.get(columns[0])
        if listing is None:
            listing = found[columns[0]] = ForSale(*columns)
        if min_quantity is not None:
            listing.price_tiers.append(Tier(min_quantity, unit_price))
    return found


@dataclass(frozen=True)
class Reservation:
    listing: ForSale
    stock_before: Decimal
    stock_after: Decimal | None  # None: not taken (unpublished, or the stock was short)


_TAKE_AND_READ = text(
    "WITH wanted AS ("
    " SELECT * FROM jsonb_to_recordset(CAST(:wanted AS jsonb)) AS w(id varchar, quantity bigint)),"
    " locked AS MATERIALIZED ("
    " SELECT l.id, l.supplier_id, l.status, l.currency, l.moq, l.unit, l.title_zh,"
    " l.inci_name, l.stock_quantity FROM listings AS l JOIN wanted ON wanted.id = l.id"
    " ORDER BY l.id FOR UPDATE OF l),"
    " taken AS ("
    " UPDATE listings SET stock_quantity = listings.stock_quantity - wanted.quantity,"
    " version = listings.version + 1"
    " FROM wanted JOIN locked ON locked.id = wanted.id"
    " WHERE listings.id = wanted.id AND listings.status = 'published'"
    " AND listings.stock_quantity >= wanted.quantity"
    " RETURNING listings.id, listings.stock_quantity)"
    " SELECT locked.*, taken.stock_quantity AS stock_after,"
    " (SELECT json_agg(json_build_array(t.min_quantity, t.unit_price))"
    " FROM listing_price_tiers AS t WHERE t.listing_id = locked.id) AS tiers"
    " FROM locked LEFT JOIN taken ON taken.id = locked.id"
).columns(
    _LISTINGS.c.id, _LISTINGS.c.supplier_id, _LISTINGS.c.status, _LISTINGS.c.currency,
    _LISTINGS.c.moq, _LISTINGS.c.unit, _LISTINGS.c.title_zh, _LISTINGS.c.inci_name,
    _LISTINGS.c.stock_quantity, column("stock_after", Quantity()), column("tiers"),
)


def take_and_read(quantities: Mapping[str, Decimal]) -> dict[str, Reservation]:
    """PostgreSQL only: take `quantities` (listing id → quantity, each listing once) from
    the published listings whose stock covers them. Every listing that exists comes back,
    read after its row lock (so `stock_before` is current), taken or not."""
    wanted = [{"id": listing_id,
               "quantity": _QUANTITY.process_bind_param(quantity, _PG_DIALECT)}
              for listing_id, quantity in quantities.items()]
    rows = run(_TAKE_AND_READ, {"wanted": json.dumps(wanted)})
    found = {}
    for (listing_id, supplier_id, status, currency, moq, unit, title_zh, inci_name, stock,
         stock_after, tiers) in rows:
        listing = ForSale(listing_id, supplier_id, status, currency, moq, unit, title_zh,
                          inci_name, _tiers(tiers))
        found[listing_id] = Reservation(listing, stock, stock_after)
    return found


def _tiers(stored: list[list[Any]] | None) -> list[Tier]:
    """Tiers as stored (scaled integers) into Decimals, by the columns' own types."""
    min_quantity, unit_price = _TIERS.c.min_quantity.type, _TIERS.c.unit_price.type
    return [Tier(min_quantity.process_result_value(q, _PG_DIALECT),
                 unit_price.process_result_value(p, _PG_DIALECT))
            for q, p in stored or ()]
