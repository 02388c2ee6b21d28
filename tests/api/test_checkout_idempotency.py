"""`Idempotency-Key` on POST /api/v1/checkouts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from marketplace.catalog.models import Listing
from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.orders import idempotency
from marketplace.orders.models import Checkout, IdempotencyRecord
from tests.factories import checkout_body, make_account, make_listing

URL = "/api/v1/checkouts"


@pytest.fixture
def rose(supplier):
    return make_listing(supplier, status="published", stock_quantity="100")


def stock(listing):
    return db.session.scalar(select(Listing.stock_quantity).where(Listing.id == listing.id))


def checkouts_of(account):
    return db.session.scalar(select(func.count()).select_from(Checkout)
                             .where(Checkout.buyer_org_id == account.org.id))


def post(client, account, body, key):
    return client.post(URL, json=body, headers={**account.headers, "Idempotency-Key": key})


def test_same_key_and_body_replays_the_first_answer_and_reserves_once(client, buyer, rose):
    first = post(client, buyer, checkout_body((rose, 10)), "order-2026-0001")
    assert first.status_code == 201
    # The same request, written differently (number instead of string, other key order).
    body = checkout_body((rose, 10))
    body["items"][0]["quantity"] = 10
    again = post(client, buyer, dict(reversed(body.items())), "order-2026-0001")
    assert again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert first.headers.get("Idempotent-Replayed") is None
    assert stock(rose) == Decimal("90.000")
    assert checkouts_of(buyer) == 1


def test_same_key_with_another_body_is_422(client, buyer, rose):
    post(client, buyer, checkout_body((rose, 10)), "k-1")
    response = post(client, buyer, checkout_body((rose, 11)), "k-1")
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json["errors"]["headers"]
    assert stock(rose) == Decimal("90.000")


def test_keys_are_scoped_to_the_buyer_organization(client, buyer, rose):
    other = make_account("buyer")
    assert post(client, buyer, checkout_body((rose, 10)), "shared").status_code == 201
    second = post(client, other, checkout_body((rose, 10)), "shared")
    assert second.status_code == 201
    assert stock(rose) == Decimal("80.000")
    assert checkouts_of(other) == 1


def test_a_failed_attempt_stores_nothing_and_may_be_retried(client, buyer, rose, supplier):
    assert post(client, buyer, checkout_body((rose, 101)), "retry-me").status_code == 409
    db.session.execute(update(Listing).where(Listing.id == rose.id)
                       .values(stock_quantity=Decimal(200)))
    db.session.commit()
    assert post(client, buyer, checkout_body((rose, 101)), "retry-me").status_code == 201


def test_without_a_key_every_post_is_a_new_checkout(client, buyer, rose):
    client.post(URL, json=checkout_body((rose, 10)), headers=buyer.headers)
    client.post(URL, json=checkout_body((rose, 10)), headers=buyer.headers)
    assert checkouts_of(buyer) == 2


@pytest.mark.parametrize("key", ["", " leading-space", "x" * 256, "naïve"])
def test_malformed_keys_are_422(client, buyer, rose, key):
    response = client.post(URL, json=checkout_body((rose, 10)),
                           headers={**buyer.headers, "Idempotency-Key": key})
    assert response.status_code == 422


def test_records_are_kept_a_day_then_purged(client, buyer, rose):
    post(client, buyer, checkout_body((rose, 10)), "old")
    post(client, buyer, checkout_body((rose, 5)), "recent")
    db.session.execute(update(IdempotencyRecord).where(IdempotencyRecord.key == "old")
                       .values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    assert idempotency.purge(utcnow()) == 1
    keys = db.session.scalars(select(IdempotencyRecord.key)
                              .where(IdempotencyRecord.buyer_org_id == buyer.org.id)).all()
    assert keys == ["recent"]


def test_idempotency_key_is_documented(client):
    spec = client.get("/api/openapi.json").json
    params = spec["paths"]["/api/v1/checkouts"]["post"]["parameters"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in params)
