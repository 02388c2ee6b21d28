"""`marketplace.db.sql.run`: Core statements of the hot paths, as safe as the session's
own execution (pending changes flushed first), on SQLite and PostgreSQL. (The ON CONFLICT
helper is covered by the idempotency and payment-reference tests.)"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from marketplace.catalog.models import Listing
from marketplace.db.sql import run
from tests.factories import make_account, make_listing


def test_run_sees_the_sessions_unflushed_changes(app):
    listing = make_listing(make_account("supplier", verified=True), status="published",
                           stock_quantity="10")
    listing_id = listing.id  # loaded now: reading it later would flush by itself
    listing.stock_quantity = Decimal("7.5")  # pending in the session, not yet flushed
    stock = run(select(Listing.stock_quantity).where(Listing.id == listing_id)).scalar_one()
    assert stock == Decimal("7.500")


def test_run_answers_plain_rows_not_orm_objects(app):
    listing = make_listing(make_account("supplier", verified=True), status="published")
    row = run(select(Listing.id, Listing.status).where(Listing.id == listing.id)).one()
    assert tuple(row) == (listing.id, "published")

