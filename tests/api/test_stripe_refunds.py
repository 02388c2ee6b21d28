"""Operator refunds of card-paid orders: the order's amount back to the card and the
supplier's transfer reversed, safely retried when Stripe fails half-way."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.orders.models import Refund
from tests.fakes import fake_stripe_fixtures as stripe_fixtures
from tests.fakes.fake_stripe_fixtures import (
    card_checkout,
    deliver,
    onboard,
    stripe_listing,
)

# The Stripe fixtures (a fake Stripe per module, the gateway switched on, the fake per test).
fake = stripe_fixtures.fake
fake_stripe_server = stripe_fixtures.fake_stripe_server
stripe_on = stripe_fixtures.stripe_on


@pytest.fixture
def paid(client, fake, buyer, supplier):
    """A card checkout of 12 kg at 88.88, paid: one order with its transfer."""
    onboard(client, fake, supplier)
    listing = stripe_listing(supplier, price="88.88")
    checkout = card_checkout(client, buyer, (listing, "12")).json
    deliver(client, fake, "payment_intent.succeeded",
            fake.succeed(checkout["payment"]["payment_intent_id"]))
    fake.reset()
    order = client.get(f"/api/v1/orders/{checkout['orders'][0]['id']}",
                       headers=buyer.headers).json
    assert order["status"] == "paid" and order["transfer_id"]
    return {**order, "payment_intent_id": checkout["payment"]["payment_intent_id"]}


def _refund(client, operator, order):
    return client.post(f"/api/v1/moderation/orders/{order['id']}/refund",
                       json={"reason": "到货与样品不符"}, headers=operator.headers)


def test_refund_returns_the_order_amount_and_reverses_the_transfer(client, fake, paid,
                                                                   operator, supplier):
    response = _refund(client, operator, paid)
    assert response.status_code == 200, response.json
    [refund_call] = fake.calls("POST", "/v1/refunds")
    assert refund_call.params == {
        "payment_intent": paid["payment_intent_id"],
        "amount": "106656", "reason": "requested_by_customer",
        "metadata": {"order_id": paid["id"], "checkout_id": paid["checkout_id"],
                     "reason": "到货与样品不符"},
    }
    assert refund_call.idempotency_key == f"order:{paid['id']}:refund"
    [reversal_call] = fake.calls("POST", f"/v1/transfers/{paid['transfer_id']}/reversals")
    assert "amount" not in reversal_call.params  # the whole transfer
    reversal = fake.objects["transfer"][paid["transfer_id"]]
    assert reversal["reversed"] is True
    assert reversal["amount_reversed"] == 106656 - 3200  # 3 % of 1066.56 = 31.9968 → 32.00
    [refund] = response.json["refunds"]
    assert refund["status"] == "succeeded" and refund["amount"] == "1066.56"
    assert refund["transfer_reversal_id"] == reversal["reversals"]["data"][0]["id"]
    # The goods never left: the stock returns, as for bank transfers.
    listing_id = paid["lines"][0]["listing_id"]
    stock = client.get(f"/api/v1/listings/{listing_id}", headers=supplier.headers).json
    assert stock["stock_quantity"] == "500.000"


@pytest.mark.parametrize("stage", ["refund", "reversal"])
def test_a_failed_refund_changes_nothing_and_its_retry_cannot_refund_twice(
        client, fake, paid, operator, buyer, stage):
    path = "/v1/refunds" if stage == "refund" else "/v1/transfers/"
    fake.fail_next("api_error", path=path)
    failed = _refund(client, operator, paid)
    assert failed.status_code == 503, failed.json
    order = client.get(f"/api/v1/orders/{paid['id']}", headers=buyer.headers).json
    assert order["status"] == "paid" and order["refunds"] == []
    assert db.session.scalar(select(func.count()).select_from(Refund)
                             .where(Refund.order_id == paid["id"])) == 0

    retried = _refund(client, operator, paid)
    assert retried.status_code == 200, retried.json
    keys = [(c.path, c.idempotency_key) for c in fake.requests if c.method == "POST"]
    assert {key for _, key in keys} == {f"order:{paid['id']}:refund",
                                        f"order:{paid['id']}:transfer_reversal"}
    refunds = [r for r in fake.objects["refund"].values()
               if r["metadata"].get("order_id") == paid["id"]]
    assert len(refunds) == 1  # the retry replayed the first refund, never a second one
    assert fake.objects["transfer"][paid["transfer_id"]]["amount_reversed"] > 0


def test_refunding_twice_is_a_conflict(client, fake, paid, operator):
    assert _refund(client, operator, paid).status_code == 200
    assert _refund(client, operator, paid).status_code == 409
    assert len(fake.calls("POST", "/v1/refunds")) == 1


def test_refused_refund_is_502_and_changes_nothing(client, fake, paid, operator, buyer):
    # Someone already refunded the whole charge in the Stripe dashboard: Stripe refuses.
    charge = fake.objects["payment_intent"][paid["payment_intent_id"]]["latest_charge"]
    fake.objects["charge"][charge]["amount_refunded"] = fake.objects["charge"][charge]["amount"]
    response = _refund(client, operator, paid)
    assert response.status_code == 502
    order = client.get(f"/api/v1/orders/{paid['id']}", headers=buyer.headers).json
    assert order["status"] == "paid"
