"""Card checkouts: one PaymentIntent per checkout, refused (422) unless every supplier can be
paid out, and Stripe errors answered 402/502/503 with the checkout cancelled and nothing left
reserved (the two steps themselves: test_stripe_checkout_steps.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.orders.models import Checkout
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


def _stock(client, supplier, listing_id):
    return client.get(f"/api/v1/listings/{listing_id}", headers=supplier.headers
                      ).json["stock_quantity"]


def _checkouts() -> int:
    return db.session.scalar(select(func.count()).select_from(Checkout))


def _live_checkouts() -> int:
    return db.session.scalar(select(func.count()).select_from(Checkout)
                             .where(Checkout.status == "pending_payment"))


def test_payment_intent_carries_exact_amount_group_and_metadata(client, fake, buyer, supplier):
    onboard(client, fake, supplier)
    listing = stripe_listing(supplier, price="33.33")
    response = card_checkout(client, buyer, (listing, "7.5"))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["total"] == "249.98"  # 33.33 × 7.5 = 249.975 → 249.98
    [call] = fake.calls("POST", "/v1/payment_intents")
    assert call.params == {
        "amount": "24998", "currency": "cny", "transfer_group": body["id"],
        "metadata": {"checkout_id": body["id"], "buyer_org_id": buyer.org.id},
    }
    assert call.idempotency_key == f"checkout:{body['id']}:payment_intent"
    payment = body["payment"]
    assert payment["payment_intent_id"] == fake.objects["payment_intent"][
        payment["payment_intent_id"]]["id"]
    assert payment["client_secret"] and payment["reference"] is None
    stored = client.get(f"/api/v1/checkouts/{body['id']}", headers=buyer.headers).json
    assert stored["payment"]["payment_intent_id"] == payment["payment_intent_id"]


def test_the_buyer_can_read_the_client_secret_again_until_the_checkout_is_paid(
        client, fake, buyer, supplier, operator):
    onboard(client, fake, supplier)
    created = card_checkout(client, buyer, (stripe_listing(supplier), "5")).json
    url = f"/api/v1/checkouts/{created['id']}"
    secret = created["payment"]["client_secret"]

    read = client.get(url, headers=buyer.headers)
    assert read.status_code == 200
    assert read.json["payment"]["client_secret"] == secret  # fetched from Stripe
    assert fake.calls("GET", f"/v1/payment_intents/{created['payment']['payment_intent_id']}")
    seen_by_operator = client.get(url, headers=operator.headers).json
    assert "client_secret" not in seen_by_operator["payment"]
    assert {**seen_by_operator, "payment": {**seen_by_operator["payment"],
                                            "client_secret": secret}} == read.json

    # Stripe down (the tests' SDK does not retry): still answered, without the secret.
    fake.fail_next("api_error", path="/v1/payment_intents")
    unavailable = client.get(url, headers=buyer.headers)
    assert unavailable.status_code == 200 and "client_secret" not in unavailable.json["payment"]

    intent = fake.succeed(created["payment"]["payment_intent_id"])
    assert deliver(client, fake, "payment_intent.succeeded", intent).status_code == 200
    paid = client.get(url, headers=buyer.headers).json
    assert paid["status"] == "paid" and "client_secret" not in paid["payment"]


def test_supplier_without_payouts_is_refused_before_anything_happens(
        client, fake, buyer, supplier, other_supplier):
    onboard(client, fake, supplier)
    onboard(client, fake, other_supplier, enabled=False)  # onboarded, but Stripe holds payouts
    ready = stripe_listing(supplier)
    held = stripe_listing(other_supplier)
    never = stripe_listing(other_supplier, title_zh="未开通收款的原料")
    response = card_checkout(client, buyer, (ready, "5"), (held, "5"), (never, "5"))
    assert response.status_code == 422, response.json
    assert set(response.json["errors"]["json"]["items"]) == {"1", "2"}
    assert fake.calls("POST", "/v1/payment_intents") == []
    assert _stock(client, other_supplier, held) == "500.000"


def test_supplier_never_onboarded_is_refused(client, fake, buyer, supplier):
    listing = stripe_listing(supplier)
    response = card_checkout(client, buyer, (listing, "5"))
    assert response.status_code == 422
    assert "card payments" in response.json["errors"]["json"]["items"]["0"]["listing_id"][0]


def test_card_checkout_is_refused_when_stripe_is_not_enabled(client, app, buyer, supplier,
                                                              monkeypatch):
    monkeypatch.setitem(app.extensions, "payment_gateways",
                        {"bank_transfer": app.extensions["payment_gateways"]["bank_transfer"]})
    listing = stripe_listing(supplier)
    response = card_checkout(client, buyer, (listing, "5"))
    assert response.status_code == 422
    assert "payment_method" in response.json["errors"]["json"]


@pytest.mark.parametrize(("failure", "status"), [
    ("card_declined", 402), ("invalid_request", 502), ("rate_limit", 503), ("api_error", 503),
])
def test_stripe_errors_leave_nothing_reserved(client, fake, buyer, supplier, failure, status):
    onboard(client, fake, supplier)
    listing = stripe_listing(supplier, stock="100")
    before = _checkouts()
    fake.fail_next(failure, path="/v1/payment_intents")
    response = card_checkout(client, buyer, (listing, "60"), key="erp-42")
    assert response.status_code == status, response.json
    assert response.json["code"] == status and response.json["message"]
    # The checkout had committed before Stripe was asked; it is cancelled, its stock back.
    assert _checkouts() == before + 1 and _live_checkouts() == 0
    assert _stock(client, supplier, listing) == "100.000"
    # The same request again (same Idempotency-Key) goes through once Stripe is back.
    retried = card_checkout(client, buyer, (listing, "60"), key="erp-42")
    assert retried.status_code == 201, retried.json
    assert _stock(client, supplier, listing) == "40.000"
    replay = card_checkout(client, buyer, (listing, "60"), key="erp-42")
    assert replay.json == retried.json  # the client secret too, fetched again (never stored)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert len(fake.calls("POST", "/v1/payment_intents")) == 2  # the failure, the success


def test_stripe_unreachable_is_503(client, app, fake, buyer, supplier, monkeypatch):
    from payments import build_gateways
    from tests.fakes.fake_stripe_fixtures import stripe_config

    onboard(client, fake, supplier)
    listing = stripe_listing(supplier, stock="100")
    # Nothing listens on port 9 (discard) of the loopback address.
    dead = build_gateways(stripe_config(app, fake, STRIPE_API_BASE="http://127.0.0.1:9"))
    monkeypatch.setitem(app.extensions, "payment_gateways", dead)
    response = card_checkout(client, buyer, (listing, "10"))
    assert response.status_code == 503
    assert _stock(client, supplier, listing) == "100.000"
    assert _live_checkouts() == 0


def test_card_checkouts_are_not_marked_paid_by_hand(client, fake, buyer, supplier, operator):
    onboard(client, fake, supplier)
    listing = stripe_listing(supplier)
    checkout = card_checkout(client, buyer, (listing, "5")).json
    response = client.post(f"/api/v1/moderation/checkouts/{checkout['id']}/mark-paid",
                           json={"bank_reference": "ICBC-1"}, headers=operator.headers)
    assert response.status_code == 409


def test_amounts_are_exact_minor_units(client, fake, buyer, supplier):
    onboard(client, fake, supplier)
    listing = stripe_listing(supplier, price="0.01", moq="0.001", stock="100000")
    response = card_checkout(client, buyer, (listing, "12345.678"))
    assert response.status_code == 201, response.json
    total = Decimal(response.json["total"])
    [call] = fake.calls("POST", "/v1/payment_intents")
    assert int(call.params["amount"]) == int(total * 100) == 12346
