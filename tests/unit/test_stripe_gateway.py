"""The Stripe gateway on its own, against the fake Stripe server: what it sends, with which
idempotency keys, and how Stripe's errors come out. No database."""

from __future__ import annotations

import inspect
import json
import logging
import time
import tomllib
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import stripe

from payments import (
    CardGateway,
    PaymentDeclined,
    PaymentError,
    PaymentGateway,
    PaymentUnavailable,
    StripeGateway,
    WebhookRejected,
    build_gateways,
    card_gateway,
)
from tests.fakes import fake_stripe_fixtures as stripe_fixtures
from tests.fakes.fake_stripe import sign

# A fake Stripe server for this module.
fake_stripe_server = stripe_fixtures.fake_stripe_server

SECRET = "whsec_unit"
CONFIG = {
    "PAYMENT_GATEWAYS": ["bank_transfer", "stripe"], "STRIPE_SECRET_KEY": "sk_test_unit",
    "STRIPE_WEBHOOK_SECRET": SECRET, "PLATFORM_FEE_BPS": 250, "STRIPE_MAX_NETWORK_RETRIES": 0,
    "BANK_ACCOUNT_NAME": "平台", "BANK_ACCOUNT_NUMBER": "1", "BANK_NAME": "银行",
}


@pytest.fixture
def fake(fake_stripe_server):
    fake_stripe_server.reset()
    yield fake_stripe_server
    assert not fake_stripe_server.bugs


@pytest.fixture
def gateway(fake):
    built = build_gateways({**CONFIG, "STRIPE_API_BASE": fake.url})["stripe"]
    assert isinstance(built, StripeGateway)
    return built


def _checkout(checkout_id="chk_unit", total="1234.56"):
    return SimpleNamespace(id=checkout_id, currency="CNY", total=Decimal(total),
                           buyer_org_id="org_buyer")


def test_stripe_gateway_satisfies_the_interface(gateway):
    assert isinstance(gateway, PaymentGateway)
    assert gateway.name == "stripe" and gateway.fee_bps == 250


def test_stripe_gateway_satisfies_the_card_interface(gateway):
    assert isinstance(gateway, CardGateway)
    # Every method of the protocol, with the same parameters (runtime_checkable only looks
    # at the names).
    for name, member in vars(CardGateway).items():
        if callable(member) and not name.startswith("_"):
            implemented = inspect.signature(getattr(StripeGateway, name))
            assert implemented == inspect.signature(member), name


def test_the_card_gateway_is_found_by_what_it_does(gateway):
    gateways = build_gateways({**CONFIG, "STRIPE_API_BASE": "http://127.0.0.1:9"})
    assert isinstance(card_gateway(gateways), StripeGateway)
    assert card_gateway({"bank_transfer": gateways["bank_transfer"]}) is None
    assert not isinstance(gateways["bank_transfer"], CardGateway)


def test_start_payment_sends_nothing(gateway, fake):
    """It runs while the checkout holds its stock locked: the intent comes later."""
    start = gateway.start_payment(_checkout())
    assert fake.requests == []
    assert (start.method, start.status, start.payment_intent_id, start.client_secret) == (
        "stripe", "pending", None, None)


def test_stripe_needs_a_key(caplog):
    with caplog.at_level(logging.WARNING, logger="payments"):
        gateways = build_gateways({**CONFIG, "STRIPE_SECRET_KEY": ""})
    assert list(gateways) == ["bank_transfer"]
    assert "STRIPE_SECRET_KEY" in caplog.text


def test_mypy_checks_payments_against_stripes_own_types():
    stripe_dir = Path(stripe.__file__).parent
    assert (stripe_dir / "py.typed").is_file()
    config = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())["tool"]
    assert "payments" in config["mypy"]["packages"]
    overrides = [o for o in config["mypy"].get("overrides", []) if "stripe" in o["module"]]
    assert overrides and overrides[0]["ignore_missing_imports"] is False
    assert overrides[0].get("follow_imports", "normal") == "normal"


def test_create_payment_intent(gateway, fake):
    start = gateway.create_payment_intent(_checkout())
    [call] = fake.requests
    assert (call.method, call.path) == ("POST", "/v1/payment_intents")
    assert call.params == {"amount": "123456", "currency": "cny", "transfer_group": "chk_unit",
                           "metadata": {"checkout_id": "chk_unit", "buyer_org_id": "org_buyer"}}
    assert call.idempotency_key == "checkout:chk_unit:payment_intent"
    assert start.method == "stripe" and start.status == "pending"
    assert start.payment_intent_id.startswith("pi_") and start.client_secret


def test_a_retry_sends_the_same_key_and_gets_the_same_intent(gateway, fake):
    first = gateway.create_payment_intent(_checkout("chk_retry"))
    again = gateway.create_payment_intent(_checkout("chk_retry"))
    assert again.payment_intent_id == first.payment_intent_id
    assert [c.idempotency_key for c in fake.requests] == ["checkout:chk_retry:payment_intent"] * 2


def test_the_sdk_retries_a_500_with_the_same_key(fake):
    gateway = build_gateways({**CONFIG, "STRIPE_API_BASE": fake.url,
                              "STRIPE_MAX_NETWORK_RETRIES": 1})["stripe"]
    fake.fail_next("api_error")
    start = gateway.create_payment_intent(_checkout("chk_sdk_retry"))
    assert [(c.status, c.idempotency_key) for c in fake.requests] == [
        (500, "checkout:chk_sdk_retry:payment_intent"),
        (200, "checkout:chk_sdk_retry:payment_intent")]
    assert start.payment_intent_id


@pytest.mark.parametrize(("failure", "error"), [
    ("card_declined", PaymentDeclined), ("rate_limit", PaymentUnavailable),
    ("api_error", PaymentUnavailable),
])
def test_stripe_errors_are_translated(gateway, fake, failure, error):
    fake.fail_next(failure)
    with pytest.raises(error):
        gateway.create_payment_intent(_checkout())


def test_unreachable_stripe_is_unavailable():
    gateway = build_gateways({**CONFIG, "STRIPE_API_BASE": "http://127.0.0.1:9"})["stripe"]
    with pytest.raises(PaymentUnavailable):
        gateway.create_payment_intent(_checkout())


def test_other_refusals_are_payment_errors(gateway, fake):
    with pytest.raises(PaymentError) as caught:
        gateway.transfer(order_id="ord_1", checkout_id="chk_1", amount=100, currency="CNY",
                         destination="acct_missing", source_transaction=None)
    assert type(caught.value) is PaymentError


def test_transfer_refund_and_reversal(gateway, fake):
    account = gateway.create_account(organization_id="org_s", country="CN", name="平阴玫瑰")
    start = gateway.create_payment_intent(_checkout("chk_money", "1000.00"))
    charge = fake.succeed(start.payment_intent_id)["latest_charge"]
    assert gateway.charge_of(start.payment_intent_id) == charge
    share = gateway.split(Decimal("1000.00"), "CNY")
    assert (share.transfer, share.fee) == (97500, 2500)
    transfer_id = gateway.transfer(order_id="ord_m", checkout_id="chk_money",
                                   amount=share.transfer, currency="CNY",
                                   destination=account.id, source_transaction=charge)
    [call] = fake.calls("POST", "/v1/transfers")
    assert call.params == {"amount": "97500", "currency": "cny", "destination": account.id,
                           "transfer_group": "chk_money", "source_transaction": charge,
                           "metadata": {"order_id": "ord_m", "checkout_id": "chk_money"}}
    assert call.idempotency_key == "order:ord_m:transfer"
    order = SimpleNamespace(id="ord_m", checkout_id="chk_money", currency="CNY",
                            subtotal=Decimal("1000.00"), payment_intent_id=start.payment_intent_id,
                            transfer_id=transfer_id)
    result = gateway.refund(order, Decimal("1000.00"), "退货")
    assert result.status == "succeeded" and result.reference.startswith("re_")
    assert result.transfer_reversal_id.startswith("trr_")
    [reversal] = fake.calls("POST", f"/v1/transfers/{transfer_id}/reversals")
    assert reversal.idempotency_key == "order:ord_m:transfer_reversal"
    assert [r.id for r in gateway.refunds_of_charge(charge)] == [result.reference]


def test_reduce_and_cancel_the_payment(gateway, fake):
    start = gateway.create_payment_intent(_checkout("chk_less", "100.00"))
    gateway.reduce_payment(start.payment_intent_id, amount=6000, checkout_id="chk_less")
    assert fake.objects["payment_intent"][start.payment_intent_id]["amount"] == 6000
    gateway.reduce_payment(start.payment_intent_id, amount=0, checkout_id="chk_less")
    [cancel] = fake.calls("POST", f"/v1/payment_intents/{start.payment_intent_id}/cancel")
    assert cancel.idempotency_key == "checkout:chk_less:cancel"
    assert fake.objects["payment_intent"][start.payment_intent_id]["status"] == "canceled"
    # Cancelling again (the same key) replays; a closed intent cannot be lowered any more.
    gateway.cancel_payment_intent(start.payment_intent_id, checkout_id="chk_less")
    with pytest.raises(PaymentError) as refused:
        gateway.reduce_payment(start.payment_intent_id, amount=5000, checkout_id="chk_less")
    assert type(refused.value) is PaymentError


def test_an_order_without_card_payment_cannot_be_refunded_by_card(gateway):
    order = SimpleNamespace(id="ord_x", checkout_id="chk_x", currency="CNY",
                            subtotal=Decimal("1.00"), payment_intent_id=None, transfer_id=None)
    with pytest.raises(PaymentError):
        gateway.refund(order, Decimal("1.00"), "x")


def test_construct_event(gateway, fake):
    event = fake.event("account.updated", {"id": "acct_1", "object": "account"})
    payload = json.dumps(event)
    verified = gateway.construct_event(payload.encode(), sign(payload, SECRET))
    assert verified["id"] == event["id"] and verified["data"]["object"]["id"] == "acct_1"
    stale = sign(payload, SECRET, int(time.time()) - 301)
    for body, header in [(payload, None), (payload, "t=1"), (payload, sign(payload, "x")),
                         (payload, stale), (payload + " ", sign(payload, SECRET)),
                         ("[]", sign("[]", SECRET)), ("\xff", sign("\xff", SECRET))]:
        with pytest.raises(WebhookRejected):
            gateway.construct_event(body.encode("latin-1"), header)
