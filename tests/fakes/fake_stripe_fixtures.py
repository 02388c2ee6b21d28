"""pytest fixtures and helpers for the Stripe tests (import the fixtures into a test module).

`fake_stripe_server` runs one fake Stripe per test module. `stripe_on` swaps the session
app's gateways for ones built by `build_gateways` with Stripe pointed at the fake (restored
when the module is done). `fake` is the server, emptied of recorded requests for each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from payments import StripeGateway, build_gateways
from tests.factories import Account, checkout_body, make_listing
from tests.fakes.fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_fake_secret"
SECRET_KEY = "sk_test_fake_key"


@pytest.fixture(scope="module")
def fake_stripe_server() -> Iterator[FakeStripe]:
    with FakeStripe() as server:
        yield server


def stripe_config(app: Flask, fake: FakeStripe, **overrides: Any) -> dict[str, Any]:
    return {**app.config, "PAYMENT_GATEWAYS": ["bank_transfer", "stripe"],
            "STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "STRIPE_API_BASE": fake.url, "STRIPE_MAX_NETWORK_RETRIES": 0, **overrides}


@pytest.fixture(scope="module")
def stripe_on(app: Flask, fake_stripe_server: FakeStripe) -> Iterator[StripeGateway]:
    original = app.extensions["payment_gateways"]
    gateways = build_gateways(stripe_config(app, fake_stripe_server))
    app.extensions["payment_gateways"] = gateways
    try:
        gateway = gateways["stripe"]
        assert isinstance(gateway, StripeGateway)
        yield gateway
    finally:
        app.extensions["payment_gateways"] = original


@pytest.fixture
def fake(stripe_on: StripeGateway, fake_stripe_server: FakeStripe) -> Iterator[FakeStripe]:
    fake_stripe_server.reset()
    yield fake_stripe_server
    assert not fake_stripe_server.bugs, fake_stripe_server.bugs


def deliver(client: FlaskClient, fake: FakeStripe, type_: str, obj: dict[str, Any],
            **kwargs: Any) -> Any:
    """Build an event of `type_` about `obj`, sign it and post it; returns the response."""
    event_kwargs = {k: kwargs.pop(k) for k in ("event_id", "created") if k in kwargs}
    event = fake.event(type_, obj, **event_kwargs)
    return fake.deliver(client, event, WEBHOOK_SECRET, **kwargs)


def onboard(client: FlaskClient, fake: FakeStripe, supplier: Account, *,
            enabled: bool = True) -> str:
    """The supplier onboards through the API; Stripe then reports the account (enabled or
    not) with a signed `account.updated`. Returns the connected account id."""
    response = client.post("/api/v1/organizations/me/payouts/onboarding",
                           headers=supplier.headers)
    assert response.status_code == 200, response.json
    status = client.get("/api/v1/organizations/me/payouts", headers=supplier.headers).json
    account_id = status["account_id"]
    account = fake.update_account(account_id, charges_enabled=enabled, payouts_enabled=enabled,
                                  details_submitted=True)
    delivered = deliver(client, fake, "account.updated", account)
    assert delivered.status_code == 200, delivered.json
    return str(account_id)


def stripe_listing(supplier: Account, *, price: str = "180.00", moq: str = "5",
                   stock: str = "500", **fields: Any) -> str:
    listing = make_listing(supplier, status="published", moq=moq, stock_quantity=stock,
                           price_tiers=[{"min_quantity": moq, "unit_price": price}], **fields)
    return str(listing.id)


def card_checkout(client: FlaskClient, buyer: Account, *items: tuple[str, str],
                  key: str | None = None) -> Any:
    headers = {**buyer.headers, **({"Idempotency-Key": key} if key else {})}
    return client.post("/api/v1/checkouts", json=checkout_body(*items, payment_method="stripe"),
                       headers=headers)


def minor(amount: str) -> int:
    return int(Decimal(amount) * 100)
