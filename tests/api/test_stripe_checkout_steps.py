"""Card checkouts in two steps (`marketplace/orders/card_payment.py`): the PaymentIntent is
created after the checkout (stock taken) committed, with no row locked; a Stripe failure
cancels the checkout and gives its stock back in a second transaction; a crash between the
two steps is recovered by `flask orders expire`. On SQLite and PostgreSQL, against the fake
Stripe."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from marketplace.app import create_app
from marketplace.catalog.models import Listing
from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.orders import card_payment
from marketplace.orders.models import Checkout, IdempotencyRecord
from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.factories import checkout_body, make_account
from tests.fakes import fake_stripe_fixtures as stripe_fixtures
from tests.fakes.fake_stripe import FakeStripe
from tests.fakes.fake_stripe_fixtures import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    card_checkout,
    onboard,
    stripe_listing,
)

# The Stripe fixtures (a fake Stripe per module, the gateway switched on, the fake per test).
fake = stripe_fixtures.fake
fake_stripe_server = stripe_fixtures.fake_stripe_server
stripe_on = stripe_fixtures.stripe_on

NEVER_STARTED = {"reason": "card payment could not be started"}


class Crash(BaseException):
    """The process placing the checkout dies here (nothing of it catches this)."""


def _crash(*args: Any, **kwargs: Any) -> Any:
    raise Crash


def _stock(listing_id: str) -> Decimal:
    return db.session.scalar(select(Listing.stock_quantity).where(Listing.id == listing_id))


def _only_checkout(buyer: Any) -> Checkout:
    db.session.commit()
    [checkout] = db.session.scalars(
        select(Checkout).where(Checkout.buyer_org_id == buyer.org.id)
        .execution_options(populate_existing=True)).all()
    db.session.refresh(checkout.payment)
    for order in checkout.orders:
        db.session.refresh(order)
    return checkout


def _keys(buyer: Any) -> list[str]:
    return list(db.session.scalars(select(IdempotencyRecord.key)
                                   .where(IdempotencyRecord.buyer_org_id == buyer.org.id)))


def _creates(fake: FakeStripe) -> list[Any]:
    """The PaymentIntent create calls (not the updates and cancels under the same path)."""
    return [call for call in fake.calls("POST", "/v1/payment_intents")
            if call.path == "/v1/payment_intents"]


def _intents_of(fake: FakeStripe, checkout_id: str) -> list[dict[str, Any]]:
    return [intent for intent in fake.objects.get("payment_intent", {}).values()
            if intent["metadata"].get("checkout_id") == checkout_id]


# ---------------------------------------------------------------------- no lock held at Stripe


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def committing_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                   worker_id: str, testrun_uid: str,
                   fake_stripe_server: FakeStripe) -> Iterator[Flask]:
    """An app whose transactions really commit (not the rolled-back `app`), so that another
    connection sees what a checkout holds while Stripe is being asked."""
    instance = Path(tmp_path_factory.mktemp("card_steps"))
    name = f"marketplace_cardsteps_{testrun_uid[:10]}_{worker_id}"
    if request.param == "sqlite":
        url = f"sqlite:///{instance / 'card_steps.sqlite3'}"
    else:
        url = _create_postgres_database(name)
    app = create_app({
        "TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
        "SEARCH_INDEX_PATH": str(instance / "search.sqlite3"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "PAYMENT_GATEWAYS": ["bank_transfer", "stripe"], "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": fake_stripe_server.url,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    })
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        _drop_postgres_database(name)


def test_the_intent_is_created_after_the_stock_is_taken_and_committed(
        committing_app, fake_stripe_server):
    app, fake = committing_app, fake_stripe_server
    fake.reset()
    client = app.test_client()
    with app.app_context():
        supplier = make_account("supplier", verified=True)
        buyer = make_account("buyer")
        db.session.commit()
        onboard(client, fake, supplier)
        listing_id = stripe_listing(supplier, stock="100")
        db.session.commit()
        url = db.engine.url
    sqlite = url.get_backend_name() == "sqlite"
    # Another connection, as another buyer or a supplier editing the listing would use.
    other = create_engine(url, poolclass=NullPool,
                          connect_args={"timeout": 0.5} if sqlite else {})
    seen: list[tuple[Decimal, str | None, str]] = []

    def look_from_another_connection(request: Any) -> None:
        checkout_id = request.params["metadata"]["checkout_id"]
        with other.connect() as conn:
            if not sqlite:
                conn.exec_driver_sql("SET lock_timeout = '500ms'")
            stock = conn.scalar(select(Listing.stock_quantity).where(Listing.id == listing_id))
            status = conn.scalar(select(Checkout.status).where(Checkout.id == checkout_id))
            try:  # a write to the listing: waits for (and here fails on) a held lock
                conn.execute(update(Listing).where(Listing.id == listing_id)
                             .values(version=Listing.version))
                writable = "writable"
            except DBAPIError as exc:
                writable = f"locked: {exc.orig!r}"
            conn.rollback()
        seen.append((stock, status, writable))

    fake.on_request("POST", "/v1/payment_intents", look_from_another_connection)
    try:
        response = client.post("/api/v1/checkouts", headers=buyer.headers,
                               json=checkout_body((listing_id, "60"), payment_method="stripe"))
    finally:
        fake.reset()
        other.dispose()
    assert response.status_code == 201, response.json
    # While Stripe was creating the intent, the stock was already taken and committed, the
    # checkout visible, and the listing's row free for anyone else to write.
    assert seen == [(Decimal("40.000"), "pending_payment", "writable")]
    assert response.json["payment"]["payment_intent_id"]
    assert response.json["payment"]["client_secret"]
    read = client.get(f"/api/v1/checkouts/{response.json['id']}", headers=buyer.headers).json
    assert read == response.json
    assert not fake.bugs, fake.bugs


# ---------------------------------------------------------------------- Stripe fails


@pytest.mark.parametrize(("failure", "status", "known"), [
    ("card_declined", 402, True), ("invalid_request", 502, True),
    ("api_error", 503, False), ("rate_limit", 503, False),
])
def test_a_stripe_failure_cancels_the_checkout_and_gives_the_stock_back(
        client, fake, buyer, supplier, runner, failure, status, known):
    onboard(client, fake, supplier)
    listing = stripe_listing(supplier, stock="100")
    fake.fail_next(failure, path="/v1/payment_intents")
    response = card_checkout(client, buyer, (listing, "60"), key="po-2026-7")
    assert response.status_code == status, response.json
    assert response.json["code"] == status and response.json["message"]

    checkout = _only_checkout(buyer)
    assert checkout.status == "cancelled"
    [order] = checkout.orders
    assert order.status == "cancelled" and order.cancelled_at is not None
    assert [(e.from_status, e.to_status, e.actor_role, e.details) for e in order.events] == [
        (None, "pending_payment", "buyer", {}),
        ("pending_payment", "cancelled", "system", NEVER_STARTED)]
    payment = checkout.payment
    assert (payment.status, payment.payment_intent_id) == ("cancelled", None)
    # Refused by Stripe: nothing was created there. Unavailable: maybe it was.
    assert (payment.intent_closed_at is not None) is known
    assert _stock(listing) == Decimal("100.000")
    assert _keys(buyer) == []  # the key was given back: nothing was answered under it

    # `orders expire` closes an intent Stripe may have created: the same create call again
    # (same idempotency key), then a cancel. A refusal needs no call.
    fake.reset()
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    creates = _creates(fake)
    if known:
        assert creates == [] and "Closed 0 card payment(s)" in result.output
    else:
        [create] = creates
        assert create.idempotency_key == f"checkout:{checkout.id}:payment_intent"
        assert "Closed 1 card payment(s)" in result.output
        [intent] = _intents_of(fake, checkout.id)
        assert intent["status"] == "canceled"
        assert _only_checkout(buyer).payment.payment_intent_id == intent["id"]
    assert _stock(listing) == Decimal("100.000")

    # The same request, with the same key, goes through now that Stripe answers.
    retried = card_checkout(client, buyer, (listing, "60"), key="po-2026-7")
    assert retried.status_code == 201, retried.json
    assert retried.json["id"] != checkout.id
    assert _stock(listing) == Decimal("40.000")
    stored = db.session.scalar(select(IdempotencyRecord.response_body)
                               .where(IdempotencyRecord.key == "po-2026-7"))
    assert stored["payment"]["payment_intent_id"] == retried.json["payment"]["payment_intent_id"]
    assert "client_secret" not in stored["payment"]  # never stored


def test_intents_left_unknown_are_looked_for_again_while_stripe_is_down(
        client, fake, buyer, supplier, runner):
    onboard(client, fake, supplier)
    listing = stripe_listing(supplier, stock="100")
    fake.fail_next("api_error", path="/v1/payment_intents")
    assert card_checkout(client, buyer, (listing, "60")).status_code == 503
    checkout_id = _only_checkout(buyer).id

    fake.fail_next("api_error", path="/v1/payment_intents")
    down = runner.invoke(args=["orders", "expire"])
    assert down.exit_code == 0, down.output
    assert "Closed 0 card payment(s)" in down.output
    payment = _only_checkout(buyer).payment
    assert payment.payment_intent_id is None and payment.intent_closed_at is None
    assert _intents_of(fake, checkout_id) == []

    back = runner.invoke(args=["orders", "expire"])
    assert "Found 1 payment intent(s)" in back.output and "Closed 1 card payment(s)" in back.output
    [intent] = _intents_of(fake, checkout_id)
    assert intent["status"] == "canceled"
    assert _only_checkout(buyer).payment.payment_intent_id == intent["id"]


def test_a_checkout_that_ends_while_stripe_answers_gets_its_intent_cancelled(
        client, fake, buyer, supplier, monkeypatch):
    """Step 2 outliving the grace period (or the checkout ended otherwise): 409, and the
    intent it got is cancelled rather than left payable."""
    onboard(client, fake, supplier)
    listing = stripe_listing(supplier, stock="100")
    gateway = client.application.extensions["payment_gateways"]["stripe"]
    real = gateway.create_payment_intent

    def create_then_expire(checkout: Any) -> Any:
        start = real(checkout)
        db.session.execute(update(Checkout).where(Checkout.id == checkout.id)
                           .values(created_at=utcnow() - timedelta(minutes=10)))
        db.session.commit()
        assert card_payment.expire_unstarted(["stripe"]) == 1
        return start

    monkeypatch.setattr(gateway, "create_payment_intent", create_then_expire)
    response = card_checkout(client, buyer, (listing, "60"), key="po-late")
    assert response.status_code == 409, response.json
    checkout = _only_checkout(buyer)
    assert checkout.status == "expired"
    payment = checkout.payment
    assert payment.status == "expired" and payment.intent_closed_at is not None
    [intent] = _intents_of(fake, checkout.id)
    assert payment.payment_intent_id == intent["id"] and intent["status"] == "canceled"
    assert _stock(listing) == Decimal("100.000")
    assert _keys(buyer) == []


# ---------------------------------------------------------------------- a crash between the steps


@pytest.mark.parametrize("moment", ["before_stripe", "after_stripe"])
def test_a_crash_between_the_steps_is_recovered_by_orders_expire(
        client, fake, buyer, supplier, runner, monkeypatch, stripe_on, moment):
    onboard(client, fake, supplier)
    listing = stripe_listing(supplier, stock="100")
    if moment == "before_stripe":  # died after committing, before Stripe was asked
        monkeypatch.setattr(stripe_on, "create_payment_intent", _crash)
    else:  # Stripe created the intent; died before it was recorded
        monkeypatch.setattr(card_payment, "_record", _crash)
    with pytest.raises(Crash):
        card_checkout(client, buyer, (listing, "60"), key="po-crash")
    monkeypatch.undo()

    checkout = _only_checkout(buyer)
    assert checkout.status == "pending_payment"
    assert (checkout.payment.status, checkout.payment.payment_intent_id) == ("pending", None)
    assert _stock(listing) == Decimal("40.000")
    created = _intents_of(fake, checkout.id)
    assert len(created) == (1 if moment == "after_stripe" else 0)
    # The buyer's retry is told to wait; it never makes a second checkout.
    again = card_checkout(client, buyer, (listing, "60"), key="po-crash")
    assert again.status_code == 409, again.json
    assert "still being placed" in again.json["message"]
    assert _stock(listing) == Decimal("40.000")

    # Within the grace period `orders expire` leaves it alone (step 2 may still be running).
    fake.reset()
    early = runner.invoke(args=["orders", "expire"])
    assert early.exit_code == 0, early.output
    assert _only_checkout(buyer).status == "pending_payment"
    assert fake.requests == []

    db.session.execute(update(Checkout).where(Checkout.id == checkout.id).values(
        created_at=utcnow() - card_payment.UNSTARTED_GRACE - timedelta(seconds=1)))
    db.session.commit()
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 card checkout(s) whose payment never started" in result.output
    assert "Closed 1 card payment(s)" in result.output

    checkout = _only_checkout(buyer)
    assert checkout.status == "expired"
    [order] = checkout.orders
    assert order.status == "cancelled"
    assert order.events[-1].details == NEVER_STARTED and order.events[-1].actor_role == "system"
    assert _stock(listing) == Decimal("100.000")
    # The intent Stripe has for this checkout (found again by its idempotency key, or created
    # by that call) is recorded and cancelled: nobody can pay it.
    [create] = _creates(fake)
    assert create.idempotency_key == f"checkout:{checkout.id}:payment_intent"
    [intent] = _intents_of(fake, checkout.id)
    if moment == "after_stripe":
        assert intent["id"] == created[0]["id"]
    assert intent["status"] == "canceled"
    payment = checkout.payment
    assert (payment.status, payment.payment_intent_id) == ("expired", intent["id"])
    assert payment.intent_closed_at is not None

    # Done once: a second run finds nothing; the key is free for the buyer's retry.
    fake.reset()
    second = runner.invoke(args=["orders", "expire"])
    assert "card checkout(s) whose payment never started" not in second.output
    assert _creates(fake) == []
    retried = card_checkout(client, buyer, (listing, "60"), key="po-crash")
    assert retried.status_code == 201, retried.json
    assert _stock(listing) == Decimal("40.000")
