"""Every path that changes a stored listing follows the one rule of `catalog/changes.py`:
`version` + 1, `updated_at` stamped, and exactly one search-outbox row per listing at its
new version — for a stock change, exactly when the listing's in-stock flag flipped (search
shows no quantities), and none otherwise.

Paths: an edit through the ORM (PATCH), `change_stock` (a take and a return), the checkout's
take (`take_stock_for_checkout` on PostgreSQL, `change_stock` on SQLite), and the stock
returned when an order is cancelled. The after-request drain, which would empty the outbox,
is replaced by a recorder, so the rows each request wrote can be read.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from marketplace.catalog.changes import CHANGED_COLUMNS
from marketplace.catalog.indexing.outbox import PENDING_FLAG, SearchOutboxEntry
from marketplace.catalog.models import Listing
from marketplace.catalog.reservation import take_stock_for_checkout
from marketplace.catalog.stock import change_stock, return_stock
from marketplace.extensions import db
from tests.factories import checkout_body, make_listing

TIERS = [{"min_quantity": "5", "unit_price": "180.00"},
         {"min_quantity": "50", "unit_price": "160.00"}]


@pytest.fixture
def drains(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The after-request drain, recorded instead of run (the rows stay for the test)."""
    import marketplace.app

    calls: list[bool] = []
    monkeypatch.setattr(marketplace.app, "drain", lambda *args, **kwargs: calls.append(True))
    return calls


@pytest.fixture
def rose(supplier: Any) -> Listing:
    return make_listing(supplier, status="published", stock_quantity="100", price_tiers=TIERS)


@pytest.fixture
def grape_seed(other_supplier: Any) -> Listing:
    return make_listing(other_supplier, status="published", moq="1", stock_quantity="40",
                        price_tiers=[{"min_quantity": "1", "unit_price": "95.50"}])


def state(listing: Listing) -> tuple[int, datetime, Decimal]:
    row = db.session.execute(
        select(Listing.version, Listing.updated_at, Listing.stock_quantity)
        .where(Listing.id == listing.id)).one()
    return row.version, row.updated_at, row.stock_quantity


def outbox(listing: Listing) -> list[tuple[int, str]]:
    return [(row.listing_version, row.change) for row in db.session.execute(
        select(SearchOutboxEntry.listing_version, SearchOutboxEntry.change)
        .where(SearchOutboxEntry.listing_id == listing.id).order_by(SearchOutboxEntry.id))]


class Watch:
    """A listing's version, `updated_at` and outbox rows before a change, to check after."""

    def __init__(self, listing: Listing) -> None:
        self.listing = listing
        self.version, self.updated_at, self.stock = state(listing)
        self.rows = outbox(listing)

    def changed(self, *, announced: str | None, stock: str | None = None) -> None:
        """Bumped once and stamped; one new outbox row (`announced` names its change) at
        the new version, or none."""
        version, updated_at, stock_now = state(self.listing)
        assert version == self.version + 1
        assert updated_at > self.updated_at
        if stock is not None:
            assert stock_now == Decimal(stock)
        new_rows = outbox(self.listing)[len(self.rows):]
        assert new_rows == ([(version, announced)] if announced else [])


def test_an_orm_edit_bumps_stamps_and_announces(client, supplier, rose, drains):
    watch = Watch(rose)
    response = client.patch(f"/api/v1/listings/{rose.id}", json={"lead_time_days": 9},
                            headers=supplier.headers)
    assert response.status_code == 200, response.json
    watch.changed(announced="update")
    version, updated_at, _ = state(rose)
    # The answer shows the row as stored (the loaded object got the new values).
    assert response.json["version"] == version
    assert response.headers["ETag"] == f'"{version}"'
    assert datetime.fromisoformat(response.json["updated_at"]) == updated_at
    assert drains


def test_every_orm_status_change_follows_the_rule(client, supplier, operator, drains):
    listing = make_listing(supplier)
    for path, headers, change in (
            (f"/api/v1/listings/{listing.id}/submit", supplier.headers, "submit"),
            (f"/api/v1/moderation/listings/{listing.id}/approve", operator.headers, "approve"),
            (f"/api/v1/listings/{listing.id}/archive", supplier.headers, "archive")):
        watch = Watch(listing)
        response = client.post(path, headers=headers)
        assert response.status_code == 200, response.json
        watch.changed(announced=change)


def test_a_new_draft_is_version_one_without_an_outbox_row(client, supplier):
    listing = make_listing(supplier)
    version, updated_at, _ = state(listing)
    assert (version, updated_at) == (1, listing.created_at)
    assert outbox(listing) == []


def test_change_stock_announces_only_a_flip_of_the_in_stock_flag(rose, grape_seed):
    rose_watch, grape_watch = Watch(rose), Watch(grape_seed)
    # Rose keeps a minimum order (5 kg) in stock; grape seed is sold out.
    assert change_stock({rose.id: Decimal("-95"), grape_seed.id: Decimal("-40")}) == []
    rose_watch.changed(announced=None, stock="5")
    grape_watch.changed(announced="stock", stock="0")
    assert db.session.info.get(PENDING_FLAG)
    # 1 kg more leaves less than the rose's MOQ: out of stock for search.
    rose_watch = Watch(rose)
    assert change_stock({rose.id: Decimal("-1")}) == []
    rose_watch.changed(announced="stock", stock="4")
    # Returned (the lines of a cancelled order): both in stock again.
    rose_watch, grape_watch = Watch(rose), Watch(grape_seed)
    return_stock([SimpleNamespace(listing_id=rose.id, quantity=Decimal("1")),
                  SimpleNamespace(listing_id=grape_seed.id, quantity=Decimal("0.5")),
                  SimpleNamespace(listing_id=grape_seed.id, quantity=Decimal("1.5"))])
    rose_watch.changed(announced="stock", stock="5")
    grape_watch.changed(announced="stock", stock="2")


def test_a_short_take_changes_nothing_of_its_listing(rose):
    watch = Watch(rose)
    db.session.info.pop(PENDING_FLAG, None)
    shortages = change_stock({rose.id: Decimal("-100.001")})
    assert [s.listing_id for s in shortages] == [rose.id]
    assert (watch.version, watch.updated_at, watch.stock) == state(rose)
    assert outbox(rose) == watch.rows
    assert not db.session.info.get(PENDING_FLAG)


def test_a_stock_change_refreshes_a_loaded_listing(rose):
    assert rose.version == state(rose)[0]  # loaded
    change_stock({rose.id: Decimal("-10")})
    assert set(CHANGED_COLUMNS) <= set(db.inspect(rose).expired_attributes)
    assert (rose.version, rose.updated_at, rose.stock_quantity) == state(rose)


def test_a_checkout_takes_stock_by_the_rule(client, buyer, rose, grape_seed, drains):
    rose_watch, grape_watch = Watch(rose), Watch(grape_seed)
    response = client.post("/api/v1/checkouts",
                           json=checkout_body((rose, 10), (grape_seed, 40)),
                           headers=buyer.headers)
    assert response.status_code == 201, response.json
    rose_watch.changed(announced=None, stock="90")
    grape_watch.changed(announced="stock", stock="0")
    assert drains  # the sold-out listing leaves search's in-stock filter after the request


def test_the_postgresql_take_follows_the_rule(app, rose, grape_seed):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the one-statement take is PostgreSQL's")
    rose_watch, grape_watch = Watch(rose), Watch(grape_seed)
    found = take_stock_for_checkout({rose.id: Decimal("96"), grape_seed.id: Decimal("1")})
    assert {i: (r.stock_before, r.stock_after, r.announced) for i, r in found.items()} == {
        rose.id: (Decimal("100.000"), Decimal("4.000"), True),
        grape_seed.id: (Decimal("40.000"), Decimal("39.000"), False)}
    rose_watch.changed(announced="stock", stock="4")
    grape_watch.changed(announced=None, stock="39")
    # A line the stock does not cover is not taken: its listing is left as it was.
    watch = Watch(grape_seed)
    found = take_stock_for_checkout({grape_seed.id: Decimal("39.001")})
    assert found[grape_seed.id].stock_after is None
    assert (watch.version, watch.updated_at, watch.stock) == state(grape_seed)
    assert outbox(grape_seed) == watch.rows


def test_the_stock_of_a_cancelled_order_returns_by_the_rule(client, buyer, supplier,
                                                             other_supplier, rose,
                                                             grape_seed, drains):
    placed = client.post("/api/v1/checkouts", json=checkout_body((rose, 96), (grape_seed, 1)),
                         headers=buyer.headers)
    assert placed.status_code == 201, placed.json
    orders = {order["supplier_id"]: order["id"] for order in placed.json["orders"]}
    for account, listing, stock_now in ((supplier, rose, "100"),
                                        (other_supplier, grape_seed, "40")):
        watch = Watch(listing)
        response = client.post(f"/api/v1/orders/{orders[account.org.id]}/cancel",
                               headers=buyer.headers)
        assert response.status_code == 200, response.json
        # 4 kg of rose was less than its MOQ: back in stock. Grape seed never left it.
        watch.changed(announced="stock" if listing is rose else None, stock=stock_now)
