"""Unpaid checkouts expire: by `flask orders expire` and on access."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from marketplace.catalog.models import Listing
from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.orders.models import Checkout
from tests.factories import checkout_body, make_listing


@pytest.fixture
def rose(supplier):
    return make_listing(supplier, status="published", stock_quantity="100")


@pytest.fixture
def grape_seed(other_supplier):
    return make_listing(other_supplier, status="published", moq="1", stock_quantity="40",
                        price_tiers=[{"min_quantity": "1", "unit_price": "95.50"}])


@pytest.fixture
def checkout(client, buyer, rose, grape_seed):
    response = client.post("/api/v1/checkouts",
                           json=checkout_body((rose, 10), (grape_seed, 4)), headers=buyer.headers)
    assert response.status_code == 201
    return response.json


def stock(listing):
    return db.session.scalar(select(Listing.stock_quantity).where(Listing.id == listing.id))


def overdue(checkout_id, minutes=1):
    db.session.execute(update(Checkout).where(Checkout.id == checkout_id)
                       .values(expires_at=utcnow() - timedelta(minutes=minutes)))
    db.session.commit()


def test_cli_expires_overdue_checkouts_once(runner, client, buyer, checkout, rose, grape_seed):
    fresh = client.post("/api/v1/checkouts", json=checkout_body((rose, 5)),
                        headers=buyer.headers).json
    overdue(checkout["id"])
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 checkout(s)" in result.output
    assert (stock(rose), stock(grape_seed)) == (Decimal("95.000"), Decimal("40.000"))
    again = runner.invoke(args=["orders", "expire"])
    assert "Expired 0 checkout(s)" in again.output
    assert (stock(rose), stock(grape_seed)) == (Decimal("95.000"), Decimal("40.000"))

    data = client.get(f"/api/v1/checkouts/{checkout['id']}", headers=buyer.headers).json
    assert data["status"] == "expired"
    assert data["payment"]["status"] == "expired"
    assert {o["status"] for o in data["orders"]} == {"cancelled"}
    order = client.get(f"/api/v1/orders/{checkout['orders'][0]['id']}",
                       headers=buyer.headers).json
    assert order["events"][-1]["to_status"] == "cancelled"
    assert order["events"][-1]["actor_role"] == "system"
    assert order["events"][-1]["actor_id"] is None
    untouched = client.get(f"/api/v1/checkouts/{fresh['id']}", headers=buyer.headers).json
    assert untouched["status"] == "pending_payment"


def test_cli_reports_progress_in_batches(runner, client, buyer, rose):
    ids = [client.post("/api/v1/checkouts", json=checkout_body((rose, 5)),
                       headers=buyer.headers).json["id"] for _ in range(3)]
    for checkout_id in ids:
        overdue(checkout_id)
    result = runner.invoke(args=["orders", "expire", "--batch-size", "2"])
    assert "2 overdue checkouts looked at" in result.output
    assert "Expired 3 checkout(s)" in result.output
    assert stock(rose) == Decimal("100.000")


def test_reading_an_overdue_checkout_expires_it(client, buyer, checkout, rose, grape_seed):
    overdue(checkout["id"])
    data = client.get(f"/api/v1/checkouts/{checkout['id']}", headers=buyer.headers).json
    assert data["status"] == "expired"
    assert (stock(rose), stock(grape_seed)) == (Decimal("100.000"), Decimal("40.000"))
    # Reading again gives nothing back twice.
    client.get(f"/api/v1/checkouts/{checkout['id']}", headers=buyer.headers)
    assert stock(rose) == Decimal("100.000")


def test_reading_an_order_of_an_overdue_checkout_expires_it(client, supplier, checkout, rose):
    overdue(checkout["id"])
    order_id = next(o["id"] for o in checkout["orders"] if o["supplier_id"] == supplier.org.id)
    order = client.get(f"/api/v1/orders/{order_id}", headers=supplier.headers).json
    assert order["status"] == "cancelled"
    assert stock(rose) == Decimal("100.000")


def test_listing_orders_expires_the_callers_overdue_checkouts(client, buyer, checkout, rose):
    overdue(checkout["id"])
    listed = client.get("/api/v1/orders?status=pending_payment", headers=buyer.headers).json
    assert listed["total"] == 0
    assert stock(rose) == Decimal("100.000")


def test_overdue_checkout_cannot_be_paid_or_cancelled(client, buyer, operator, checkout, rose):
    overdue(checkout["id"])
    paid = client.post(f"/api/v1/moderation/checkouts/{checkout['id']}/mark-paid",
                       json={"bank_reference": "ICBC-1"}, headers=operator.headers)
    assert paid.status_code == 409
    assert "expired" in paid.json["message"]
    cancel = client.post(f"/api/v1/orders/{checkout['orders'][0]['id']}/cancel",
                         headers=buyer.headers)
    assert cancel.status_code == 409
    assert stock(rose) == Decimal("100.000")


def test_paid_checkouts_never_expire(runner, client, operator, checkout, rose):
    client.post(f"/api/v1/moderation/checkouts/{checkout['id']}/mark-paid",
                json={"bank_reference": "ICBC-1"}, headers=operator.headers)
    overdue(checkout["id"])
    result = runner.invoke(args=["orders", "expire"])
    assert "Expired 0 checkout(s)" in result.output
    assert stock(rose) == Decimal("90.000")
