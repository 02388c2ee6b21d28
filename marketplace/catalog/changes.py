"""A listing changed: the one rule, built here for every path that changes a listing row.

Whatever changes a listing already in the database — an edit through the ORM
(`services.listing_changed`), a stock change (`stock.change_stock`), the checkout's take on
PostgreSQL (`reservation.take_stock_for_checkout`) — does the same three things in its
transaction, with one UPDATE of the listings and one INSERT into the search outbox:

* `version = version + 1` (the ETag; search documents carry it too),
* `updated_at = :now`,
* for a stock change, `stock_quantity = stock_quantity + delta`, never below zero (a take
  that would overdraw matches no row, so the database itself refuses to oversell),
* a search-outbox row naming the listing at its new version. A stock change writes it only
  when the listing's in-stock flag flipped: search holds no quantities, only whether a
  minimum order can be filled, so most reservations change nothing it shows, and re-indexing
  on every checkout would cost the hot path more than the rest of it.

`listing_update` builds the UPDATE (… RETURNING id, version, announce) and `outbox_insert`
the INSERT … SELECT of the outbox rows. The portable paths run the two one after the other
(`touch_listings`, `announce`; SQLite cannot put an UPDATE in a WITH); PostgreSQL's
checkout take puts both in its one statement as data-modifying CTEs, the INSERT reading the
UPDATE's RETURNING, so the rule costs it no round trip.

A new listing is not a change: its INSERT carries `version` 1 and `updated_at` itself, and a
draft was never in the index.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Insert,
    String,
    Update,
    and_,
    bindparam,
    insert,
    select,
    true,
    update,
)

from marketplace.catalog.indexing.outbox import PENDING_FLAG, SearchOutboxEntry
from marketplace.catalog.models import Listing
from marketplace.db.sql import run
from marketplace.db.types import UTCDateTime
from marketplace.extensions import db

LISTINGS = Listing.__table__
_OUTBOX = SearchOutboxEntry.__table__
#: The instant a change stamps (`updated_at`, the outbox row's `created_at`), and the name of
#: the change in the outbox row: parameters at execution unless the caller builds them in.
NOW = bindparam("now", type_=UTCDateTime())
CHANGE = bindparam("change", type_=String())
#: Columns an UPDATE of this module leaves stale on ORM objects already loaded.
CHANGED_COLUMNS = ("stock_quantity", "version", "updated_at")


def listing_update(where: ColumnElement[bool], *,
                   stock_delta: ColumnElement[Any] | None = None,
                   now: ColumnElement[datetime] = NOW) -> Update:
    """`UPDATE listings` of the rows `where` selects: `version + 1`, `updated_at = :now`,
    and with `stock_delta` the stock moved by it (rows it would take below zero are not
    updated). RETURNING `id`, `version` (the new one) and `announce`: whether search must
    hear of the change (always, or for a stock change when the in-stock flag flipped).

    Parameters at execution: `now`, and whatever `where` and `stock_delta` bind."""
    values: dict[str, Any] = {"version": LISTINGS.c.version + 1, "updated_at": now}
    announce: ColumnElement[bool] = true()
    if stock_delta is not None:
        stock, moq = LISTINGS.c.stock_quantity, LISTINGS.c.moq
        values["stock_quantity"] = stock + stock_delta
        where = and_(where, stock + stock_delta >= 0)
        # In RETURNING, `stock` is the new value: the old one is `stock - delta`.
        covers = Listing.stock_covers_moq_sql
        announce = covers(stock, moq) != covers(stock - stock_delta, moq)
    return (update(LISTINGS).where(where).values(values)
            .returning(LISTINGS.c.id, LISTINGS.c.version, announce.label("announce")))


def outbox_insert(changed: FromClause, where: ColumnElement[bool], *,
                  change: ColumnElement[str] = CHANGE,
                  now: ColumnElement[datetime] = NOW) -> Insert:
    """`INSERT INTO search_outbox` one row per row of `changed` that `where` keeps, at the
    version `changed` holds: a `listing_update`'s RETURNING (as a CTE), or the listings
    themselves once updated in this transaction. Parameters: `change`, `now`."""
    return insert(_OUTBOX).from_select(
        ["listing_id", "listing_version", "change", "created_at"],
        select(changed.c.id, changed.c.version, change, now).where(where),
    )


_TOUCH = listing_update(LISTINGS.c.id.in_(bindparam("ids", expanding=True)))
_ANNOUNCE = outbox_insert(LISTINGS, LISTINGS.c.id.in_(bindparam("ids", expanding=True)))


def touch_listings(listing_ids: Collection[str], change: str,
                   now: datetime) -> dict[str, int]:
    """Record a change of `listing_ids` made through the ORM (flushed here first): bump
    their versions, stamp `updated_at`, write their outbox rows. Returns the new versions
    (the caller's loaded objects get them and `now` without a reload)."""
    ids = sorted(listing_ids)
    versions = {listing_id: version
                for listing_id, version, _ in run(_TOUCH, {"ids": ids, "now": now})}
    announce(versions, change, now)
    return versions


def announce(listing_ids: Iterable[str], change: str, now: datetime) -> None:
    """Write the outbox rows of listings this transaction changed with `listing_update`,
    at the versions it gave them (the rows stay locked until commit)."""
    ids = sorted(listing_ids)
    if ids:
        run(_ANNOUNCE, {"ids": ids, "change": change, "now": now})
        db.session.info[PENDING_FLAG] = True


def changed_in_sql(listing_ids: Iterable[str], *, announced: bool) -> None:
    """After listings changed by a statement built here: forget the stale stock, version
    and `updated_at` of loaded copies, and have the outbox drained after the request when
    the statement wrote outbox rows."""
    session = db.session
    identity_map = session.identity_map
    for listing_id in listing_ids:
        listing = identity_map.get(session.identity_key(Listing, listing_id))
        if listing is not None:
            session.expire(listing, CHANGED_COLUMNS)
    if announced:
        session.info[PENDING_FLAG] = True
