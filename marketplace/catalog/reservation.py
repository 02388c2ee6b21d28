"""What a checkout needs of its listings: read them (any database), or on PostgreSQL read
them and take their stock in one statement.

The portable path reads the listings with their price tiers, then takes each line's stock
with its own conditional UPDATE (`stock.change_stock`): 1 + n round trips for n lines. On
PostgreSQL, `take_stock_for_checkout` does both in one statement:

- a MATERIALIZED CTE locks the rows `FOR UPDATE` in listing-id order, so two checkouts
  sharing listings take their locks in the same order and cannot deadlock;
- the UPDATE (`changes.listing_update`, the one every listing change uses) takes each line's
  quantity only from a published listing whose stock covers it (re-checked against the
  latest committed row after a lock wait, as for any UPDATE), bumps its version and stamps
  `updated_at`; the outbox INSERT (`changes.outbox_insert`) reads the UPDATE's RETURNING,
  for the listings whose in-stock flag flipped;
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

from sqlalchemy import (
    Select,
    String,
    and_,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.selectable import TextualSelect

from marketplace.catalog.changes import LISTINGS, listing_update, outbox_insert
from marketplace.catalog.models import Listing, PriceTier
from marketplace.catalog.pricing import Tier
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.db.clock import utcnow
from marketplace.db.sql import run
from marketplace.db.types import Quantity, UTCDateTime

_TIERS = PriceTier.__table__
_QUANTITY = Quantity()
_PG_DIALECT = postgresql.dialect()


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
    announced: bool = False  # the take wrote the listing's search-outbox row


def _take_stock_for_checkout() -> Select[Any]:
    """The statement of `take_stock_for_checkout`, built with the listing-change rule's own
    `listing_update` and `outbox_insert`; `:wanted` and `:now` are left for `_frozen`."""
    wanted = (
        select(func.jsonb_to_recordset(literal_column(":wanted").cast(postgresql.JSONB))
               .table_valued(column("id", String()), column("quantity", Quantity()))
               .render_derived(name="w", with_types=True))
        .cte("wanted")
    )
    locked = (
        select(LISTINGS.c.id, LISTINGS.c.supplier_id, LISTINGS.c.status, LISTINGS.c.currency,
               LISTINGS.c.moq, LISTINGS.c.unit, LISTINGS.c.title_zh, LISTINGS.c.inci_name,
               LISTINGS.c.stock_quantity)
        .join_from(LISTINGS, wanted, wanted.c.id == LISTINGS.c.id)
        .order_by(LISTINGS.c.id)
        .with_for_update(of=LISTINGS)
        .cte("locked")
        .prefix_with("MATERIALIZED")
    )
    now = literal_column(":now", UTCDateTime())
    taken = (
        listing_update(and_(LISTINGS.c.id == wanted.c.id, locked.c.id == wanted.c.id,
                            LISTINGS.c.status == ListingStatus.PUBLISHED.value),
                       stock_delta=-wanted.c.quantity, now=now)
        .returning(LISTINGS.c.stock_quantity)
        .cte("taken")
    )
    announced = outbox_insert(taken, taken.c.announce, change=literal("stock"),
                              now=now).cte("announced")
    tiers = (select(func.json_agg(func.json_build_array(_TIERS.c.min_quantity,
                                                        _TIERS.c.unit_price)))
             .where(_TIERS.c.listing_id == locked.c.id)
             .scalar_subquery())
    return (
        select(*locked.c, taken.c.stock_quantity.label("stock_after"), taken.c.announce,
               tiers.label("tiers"))
        .select_from(locked.outerjoin(taken, taken.c.id == locked.c.id))
        .add_cte(announced)
    )


def _frozen(statement: Select[Any]) -> TextualSelect:
    """`statement` compiled once into PostgreSQL text, its constants inline, `:wanted` and
    `:now` its parameters, its result columns typed as the statement types them.

    Executed as the Core statement it is, it cost the checkout measurably more CPU
    (bench/README.md): SQLAlchemy finds its compiled form by the statement's cache key, a
    large nested tuple hashed again on every execution, and binds every constant as a
    parameter. A text's cache key is its string."""
    compiled = statement.compile(dialect=_PG_DIALECT, compile_kwargs={"literal_binds": True})
    if compiled.params:  # a bound constant escaped `literal_binds` (it does in a RETURNING)
        raise RuntimeError(f"parameters left in the take's SQL: {sorted(compiled.params)}")
    return (text(str(compiled))
            .bindparams(bindparam("wanted", type_=String()),
                        bindparam("now", type_=UTCDateTime()))
            .columns(*(column(c.name, c.type) for c in statement.selected_columns)))


_TAKE = _frozen(_take_stock_for_checkout())


def take_stock_for_checkout(quantities: Mapping[str, Decimal]) -> dict[str, Reservation]:
    """PostgreSQL only: take `quantities` (listing id → quantity, each listing once) from
    the published listings whose stock covers them. Every listing that exists comes back,
    read after its row lock (so `stock_before` is current), taken or not."""
    wanted = [{"id": listing_id,
               "quantity": _QUANTITY.process_bind_param(quantity, _PG_DIALECT)}
              for listing_id, quantity in quantities.items()]
    rows = run(_TAKE, {"wanted": json.dumps(wanted), "now": utcnow()})
    found = {}
    for (listing_id, supplier_id, status, currency, moq, unit, title_zh, inci_name, stock,
         stock_after, announced, tiers) in rows:
        listing = ForSale(listing_id, supplier_id, status, currency, moq, unit, title_zh,
                          inci_name, _tiers(tiers))
        found[listing_id] = Reservation(listing, stock, stock_after, bool(announced))
    return found


def _tiers(stored: list[list[Any]] | None) -> list[Tier]:
    """Tiers as stored (scaled integers) into Decimals, by the columns' own types."""
    min_quantity, unit_price = _TIERS.c.min_quantity.type, _TIERS.c.unit_price.type
    return [Tier(min_quantity.process_result_value(q, _PG_DIALECT),
                 unit_price.process_result_value(p, _PG_DIALECT))
            for q, p in stored or ()]
