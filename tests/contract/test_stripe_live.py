"""Contract check against Stripe's test mode: the calls the gateway makes are accepted by
the real API. Runs only when STRIPE_TEST_SECRET_KEY (an `sk_test_…` key) is set."""

from __future__ import annotations

import os
import uuid
from decimal import Decimal
from types import SimpleNamespace

import pytest

from payments import StripeGateway, build_stripe_client

KEY = os.environ.get("STRIPE_TEST_SECRET_KEY", "")

pytestmark = pytest.mark.skipif(
    not KEY.startswith("sk_test_"),
    reason="STRIPE_TEST_SECRET_KEY (an sk_test_… key) is not set: no live Stripe test mode",
)


def test_payment_intent_is_created_and_retrieved_in_test_mode():
    client = build_stripe_client({"STRIPE_SECRET_KEY": KEY, "STRIPE_MAX_NETWORK_RETRIES": 2})
    gateway = StripeGateway(client, fee_bps=300, webhook_secret="whsec_unused")
    checkout = SimpleNamespace(id=f"chk_contract_{uuid.uuid4().hex[:12]}", currency="CNY",
                               total=Decimal("12.34"), buyer_org_id="org_contract")
    start = gateway.create_payment_intent(checkout)
    assert start.payment_intent_id and start.client_secret
    intent = client.v1.payment_intents.retrieve(start.payment_intent_id)
    assert intent.amount == 1234 and intent.currency == "cny"
    assert intent.transfer_group == checkout.id
    assert intent.metadata["checkout_id"] == checkout.id
    assert intent.status == "requires_payment_method" and intent.latest_charge is None
    # The same idempotency key answers the same intent.
    assert gateway.create_payment_intent(checkout).payment_intent_id == start.payment_intent_id
    assert gateway.client_secret_of(start.payment_intent_id) == start.client_secret
    # An order cancelled before payment lowers the amount; nothing left cancels the intent.
    gateway.reduce_payment(start.payment_intent_id, amount=1000, checkout_id=checkout.id)
    assert client.v1.payment_intents.retrieve(start.payment_intent_id).amount == 1000
    gateway.reduce_payment(start.payment_intent_id, amount=0, checkout_id=checkout.id)
    assert client.v1.payment_intents.retrieve(start.payment_intent_id).status == "canceled"
