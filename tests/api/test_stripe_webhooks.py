"""The Stripe webhook: genuine events only, each taking effect once, in any order."""

from __future__ import annotations

import json
import logging
import time

import pytest
from sqlalchemy import select

from marketplace.audit import AuditLogEntry
from marketplace.billing.models import StripeEvent
from marketplace.extensions import db
from tests.fakes import fake_stripe_fixtures as stripe_fixtures
from tests.fakes.fake_stripe import WEBHOOK_PATH, sign
from tests.fakes.fake_stripe_fixtures import (
    WEBHOOK_SECRET,
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
def placed(client, fake, buyer, supplier, other_supplier):
    """A pending card checkout across two payout-enabled suppliers."""
    onboard(client, fake, supplier)
    onboard(client, fake, other_supplier)
    first = stripe_listing(supplier, price="100.00")
    second = stripe_listing(other_supplier, price="33.33")
    response = card_checkout(client, buyer, (first, "5"), (second, "7"))
    assert response.status_code == 201, response.json
    fake.reset()
    return response.json


def _checkout(client, buyer, checkout):
    return client.get(f"/api/v1/checkouts/{checkout['id']}", headers=buyer.headers).json


def _intent(placed):
    return placed["payment"]["payment_intent_id"]


# ---------------------------------------------------------------------- signatures


def test_genuine_events_only(client, fake):
    event = fake.event("customer.created", {"id": "cus_1", "object": "customer"})
    payload = json.dumps(event)
    now = int(time.time())
    cases = {
        "missing": {},
        "garbage": {"Stripe-Signature": "not a signature"},
        "other secret": {"Stripe-Signature": sign(payload, "whsec_other", now)},
        "stale": {"Stripe-Signature": sign(payload, WEBHOOK_SECRET, now - 600)},
        "other body": {"Stripe-Signature": sign(payload.replace("cus_1", "cus_2"),
                                                WEBHOOK_SECRET, now)},
    }
    for name, headers in cases.items():
        response = client.post(WEBHOOK_PATH, data=payload, content_type="application/json",
                               headers=headers)
        assert response.status_code == 400, name
        assert response.json["code"] == 400
    assert db.session.get(StripeEvent, event["id"]) is None
    ok = fake.deliver(client, event, WEBHOOK_SECRET)
    assert ok.status_code == 200


def test_signed_but_not_an_event_is_400(client, fake):
    for payload in ("not json", json.dumps([1, 2]), json.dumps({"object": "event"})):
        response = client.post(WEBHOOK_PATH, data=payload, content_type="application/json",
                               headers={"Stripe-Signature": sign(payload, WEBHOOK_SECRET)})
        assert response.status_code == 400, payload


def test_unknown_types_are_acknowledged(client, fake):
    response = deliver(client, fake, "customer.created", {"id": "cus_1", "object": "customer"})
    assert response.status_code == 200
    assert response.json["outcome"] == "ignored"


def test_webhook_is_404_when_stripe_is_off(client, app, monkeypatch):
    monkeypatch.setitem(app.extensions, "payment_gateways", {})
    response = client.post(WEBHOOK_PATH, json={}, headers={"Stripe-Signature": "t=1,v1=x"})
    assert response.status_code == 404


# ---------------------------------------------------------------------- payment events


def test_duplicate_delivery_has_no_effect(client, fake, buyer, placed):
    event = fake.event("payment_intent.succeeded", fake.succeed(_intent(placed)))
    first = fake.deliver(client, event, WEBHOOK_SECRET)
    assert first.json == {"received": True, "event_id": event["id"], "duplicate": False,
                          "type": "payment_intent.succeeded", "outcome": "processed"}
    transfers = len(fake.calls("POST", "/v1/transfers"))
    assert transfers == 2
    second = fake.deliver(client, event, WEBHOOK_SECRET)
    assert second.status_code == 200 and second.json["duplicate"] is True
    assert len(fake.calls("POST", "/v1/transfers")) == transfers
    # Another event about the same payment (Stripe may send one): still nothing new.
    other = deliver(client, fake, "payment_intent.succeeded", fake.succeed(_intent(placed)))
    assert other.status_code == 200 and other.json["duplicate"] is False
    assert len(fake.calls("POST", "/v1/transfers")) == transfers
    events = [e["to_status"] for o in _checkout(client, buyer, placed)["orders"]
              for e in client.get(f"/api/v1/orders/{o['id']}", headers=buyer.headers
                                  ).json["events"]]
    assert events.count("paid") == 2


def test_failed_payment_keeps_orders_pending_and_can_be_retried(client, fake, buyer, placed):
    failed = deliver(client, fake, "payment_intent.payment_failed",
                     fake.fail_payment(_intent(placed)))
    assert failed.status_code == 200
    state = _checkout(client, buyer, placed)
    assert state["payment"]["status"] == "failed"
    assert state["status"] == "pending_payment"
    assert [o["status"] for o in state["orders"]] == ["pending_payment"] * 2
    # The buyer tries another card on the same intent, and it works.
    deliver(client, fake, "payment_intent.succeeded", fake.succeed(_intent(placed)))
    state = _checkout(client, buyer, placed)
    assert state["payment"]["status"] == "paid"
    assert [o["status"] for o in state["orders"]] == ["paid"] * 2


def test_failure_arriving_after_success_does_not_unpay(client, fake, buyer, placed):
    failure = fake.event("payment_intent.payment_failed", fake.fail_payment(_intent(placed)))
    deliver(client, fake, "payment_intent.succeeded", fake.succeed(_intent(placed)))
    late = fake.deliver(client, failure, WEBHOOK_SECRET)
    assert late.status_code == 200
    state = _checkout(client, buyer, placed)
    assert state["status"] == "paid" and state["payment"]["status"] == "paid"


def test_events_naming_none_of_our_objects_are_ignored_and_logged(client, fake, caplog):
    stranger = {"id": "pi_not_ours", "object": "payment_intent", "amount": 100,
                "amount_received": 100, "metadata": {"checkout_id": "chk_elsewhere"},
                "latest_charge": "ch_x"}
    with caplog.at_level(logging.WARNING, logger="marketplace.billing"):
        for type_ in ("payment_intent.succeeded", "payment_intent.payment_failed"):
            response = deliver(client, fake, type_, stranger)
            assert response.status_code == 200
            assert response.json["outcome"] == "unmatched"
        charge = deliver(client, fake, "charge.refunded",
                         {"id": "ch_x", "object": "charge", "payment_intent": "pi_not_ours"})
        assert charge.json["outcome"] == "unmatched"
        account = deliver(client, fake, "account.updated",
                          {"id": "acct_not_ours", "object": "account", "payouts_enabled": True})
        assert account.json["outcome"] == "unmatched"
    assert "pi_not_ours" in caplog.text
    assert fake.requests == []


def test_stripe_outage_during_transfers_rolls_back_and_retry_uses_same_keys(
        client, fake, buyer, placed):
    event = fake.event("payment_intent.succeeded", fake.succeed(_intent(placed)))
    first, second = (f"order:{o['id']}:transfer" for o in placed["orders"])
    # 1st delivery: the first transfer fails (500); 2nd: the first goes through and the
    # second is rate limited (429). Each time nothing is kept and Stripe is told to retry.
    fake.fail_next("api_error", path="/v1/transfers")
    fake.fail_next("rate_limit", path="/v1/transfers", after=1)
    for _ in range(2):
        response = fake.deliver(client, event, WEBHOOK_SECRET)
        assert response.status_code == 503
        assert db.session.get(StripeEvent, event["id"]) is None
        assert _checkout(client, buyer, placed)["status"] == "pending_payment"
    # 3rd delivery: Stripe replays the first transfer (same key), creates the second.
    delivered = fake.deliver(client, event, WEBHOOK_SECRET)
    assert delivered.status_code == 200, delivered.json
    attempts = [(c.idempotency_key, c.status) for c in fake.calls("POST", "/v1/transfers")]
    assert attempts == [(first, 500), (first, 200), (second, 429), (first, 200), (second, 200)]
    created = {t["id"] for t in fake.objects["transfer"].values()
               if t["transfer_group"] == placed["id"]}
    assert len(created) == 2
    state = _checkout(client, buyer, placed)
    assert [o["status"] for o in state["orders"]] == ["paid", "paid"]
    transfer_ids = {client.get(f"/api/v1/orders/{o['id']}", headers=buyer.headers
                               ).json["transfer_id"] for o in placed["orders"]}
    assert transfer_ids == created


def test_refused_transfer_is_left_to_operators(client, fake, buyer, placed, supplier):
    from marketplace.accounts.models import PayoutAccount

    account = db.session.scalar(select(PayoutAccount).where(
        PayoutAccount.organization_id == supplier.org.id))
    account.account_id = "acct_deleted_at_stripe"  # Stripe will answer "No such destination"
    db.session.commit()
    response = deliver(client, fake, "payment_intent.succeeded", fake.succeed(_intent(placed)))
    assert response.status_code == 200
    state = _checkout(client, buyer, placed)
    assert [o["status"] for o in state["orders"]] == ["paid", "paid"]
    failed = db.session.scalars(select(AuditLogEntry).where(
        AuditLogEntry.action == "order.transfer_failed")).all()
    assert [entry.target_id for entry in failed] == [placed["orders"][0]["id"]]


def test_an_operator_sends_a_refused_transfer_again(client, fake, buyer, placed, supplier,
                                                    operator):
    from marketplace.accounts.models import PayoutAccount

    account = db.session.scalar(select(PayoutAccount).where(
        PayoutAccount.organization_id == supplier.org.id))
    real_account, account.account_id = account.account_id, "acct_deleted_at_stripe"
    db.session.commit()
    deliver(client, fake, "payment_intent.succeeded", fake.succeed(_intent(placed)))
    order_id = placed["orders"][0]["id"]
    url = f"/api/v1/moderation/orders/{order_id}/transfer"
    assert client.post(url, headers=buyer.headers).status_code == 403

    still_closed = client.post(url, headers=operator.headers)  # refused again: 502, logged
    assert still_closed.status_code == 502, still_closed.json
    account.account_id = real_account  # the supplier's account is back
    db.session.commit()
    sent = client.post(url, headers=operator.headers)
    assert sent.status_code == 200, sent.json
    assert sent.json["transfer_id"] and sent.json["platform_fee"] == "15.00"  # 3 % of 500
    # Each attempt had its own key: Stripe answers a repeated key with the stored refusal.
    keys = [call.idempotency_key for call in fake.calls("POST", "/v1/transfers")
            if call.params["metadata"]["order_id"] == order_id]
    assert keys == [f"order:{order_id}:transfer", f"order:{order_id}:transfer:retry:1",
                    f"order:{order_id}:transfer:retry:2"]
    actions = [entry.action for entry in db.session.scalars(
        select(AuditLogEntry).where(AuditLogEntry.target_id == order_id)
        .order_by(AuditLogEntry.at))]
    assert actions == ["order.transfer_failed", "order.transfer_failed",
                       "order.transfer_retried"]
    assert client.post(url, headers=operator.headers).status_code == 409  # already sent


def test_only_card_orders_have_a_transfer_to_retry(client, fake, buyer, supplier, operator):
    from tests.factories import SHIPPING_ADDRESS

    listing = stripe_listing(supplier)
    placed = client.post("/api/v1/checkouts", headers=buyer.headers, json={
        "items": [{"listing_id": listing, "quantity": "5"}],
        "shipping_address": SHIPPING_ADDRESS, "payment_method": "bank_transfer"}).json
    client.post(f"/api/v1/moderation/checkouts/{placed['id']}/mark-paid",
                json={"bank_reference": "ICBC-20261125-0001"}, headers=operator.headers)
    response = client.post(f"/api/v1/moderation/orders/{placed['orders'][0]['id']}/transfer",
                           headers=operator.headers)
    assert response.status_code == 409
    assert "paid by card" in response.json["message"]
    assert fake.calls("POST", "/v1/transfers") == []


def test_payment_after_expiry_is_refunded_in_full(client, fake, buyer, placed):
    from datetime import timedelta

    from marketplace.db.clock import utcnow
    from marketplace.orders.expiry import expire_due

    expire_due(now=utcnow() + timedelta(days=1))
    intent = fake.succeed(_intent(placed))
    response = deliver(client, fake, "payment_intent.succeeded", intent)
    assert response.status_code == 200
    [refund] = fake.calls("POST", "/v1/refunds")
    assert refund.idempotency_key == f"checkout:{placed['id']}:late_refund"
    assert refund.params["amount"] == str(intent["amount_received"])
    state = _checkout(client, buyer, placed)
    assert state["status"] == "expired" and state["payment"]["status"] == "refunded"
    assert fake.calls("POST", "/v1/transfers") == []


def test_cancelling_an_order_lowers_the_card_payment_so_nothing_is_refunded(
        client, fake, buyer, placed):
    kept, cancelled = placed["orders"]
    assert client.post(f"/api/v1/orders/{cancelled['id']}/cancel",
                       headers=buyer.headers).status_code == 200
    [update] = fake.calls("POST", f"/v1/payment_intents/{_intent(placed)}")
    assert update.params == {"amount": "50000"}  # 100.00 × 5 is all that is still due
    assert update.idempotency_key == f"checkout:{placed['id']}:amount:50000"
    assert _checkout(client, buyer, placed)["payment"]["amount"] == "500.00"

    intent = fake.succeed(_intent(placed))  # the buyer pays what the page now asks
    assert intent["amount_received"] == 50000
    deliver(client, fake, "payment_intent.succeeded", intent)
    [transfer] = fake.calls("POST", "/v1/transfers")
    assert transfer.params["metadata"]["order_id"] == kept["id"]
    assert fake.calls("POST", "/v1/refunds") == []


def test_cancelling_every_order_cancels_the_card_payment(client, fake, buyer, placed):
    for order in placed["orders"]:
        assert client.post(f"/api/v1/orders/{order['id']}/cancel",
                           headers=buyer.headers).status_code == 200
    [cancel] = fake.calls("POST", f"/v1/payment_intents/{_intent(placed)}/cancel")
    assert cancel.idempotency_key == f"checkout:{placed['id']}:cancel"
    assert fake.objects["payment_intent"][_intent(placed)]["status"] == "canceled"
    state = _checkout(client, buyer, placed)
    assert state["status"] == "cancelled" and state["payment"]["status"] == "cancelled"


def test_when_stripe_cannot_lower_the_amount_the_excess_is_refunded_on_payment(
        client, fake, buyer, placed):
    kept, cancelled = placed["orders"]
    # Stripe is unreachable at that moment: the cancellation holds.
    fake.fail_next("api_error", path=f"/v1/payment_intents/{_intent(placed)}")
    assert client.post(f"/api/v1/orders/{cancelled['id']}/cancel",
                       headers=buyer.headers).status_code == 200
    assert fake.objects["payment_intent"][_intent(placed)]["amount"] == 73331
    intent = fake.succeed(_intent(placed))  # the buyer paid the original amount
    deliver(client, fake, "payment_intent.succeeded", intent)
    [transfer] = fake.calls("POST", "/v1/transfers")
    assert transfer.params["metadata"]["order_id"] == kept["id"]
    [refund] = fake.calls("POST", "/v1/refunds")
    assert refund.params["amount"] == "23331"  # 33.33 × 7
    assert refund.idempotency_key == f"checkout:{placed['id']}:excess_refund"


def _expire(placed) -> None:
    from datetime import timedelta

    from marketplace.db.clock import utcnow
    from marketplace.orders.expiry import expire_due

    assert expire_due(now=utcnow() + timedelta(days=1)) >= 1


def test_expired_card_checkouts_have_their_payment_closed_at_stripe(
        client, fake, buyer, placed, runner):
    _expire(placed)
    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert "Closed 1 card payment(s)" in result.output
    [cancel] = fake.calls("POST", f"/v1/payment_intents/{_intent(placed)}/cancel")
    assert cancel.idempotency_key == f"checkout:{placed['id']}:cancel"
    assert fake.objects["payment_intent"][_intent(placed)]["status"] == "canceled"
    again = runner.invoke(args=["orders", "expire"])  # closed once, never again
    assert "Closed 0 card payment(s)" in again.output
    assert len(fake.calls("POST", f"/v1/payment_intents/{_intent(placed)}/cancel")) == 1


def test_closing_waits_for_stripe_to_come_back(client, fake, buyer, placed, runner):
    _expire(placed)
    fake.fail_next("api_error", path=f"/v1/payment_intents/{_intent(placed)}/cancel")
    down = runner.invoke(args=["orders", "expire"])
    assert down.exit_code == 0 and "Stripe unavailable" in down.output
    assert fake.objects["payment_intent"][_intent(placed)]["status"] != "canceled"
    back = runner.invoke(args=["orders", "expire"])
    assert "Closed 1 card payment(s)" in back.output
    assert fake.objects["payment_intent"][_intent(placed)]["status"] == "canceled"


def test_a_payment_made_at_the_last_moment_is_left_to_the_late_payment_refund(
        client, fake, buyer, placed, runner):
    _expire(placed)
    fake.succeed(_intent(placed))  # the buyer paid just as the checkout expired
    result = runner.invoke(args=["orders", "expire"])
    assert "Closed 1 card payment(s)" in result.output  # Stripe refused: marked, not retried
    assert fake.objects["payment_intent"][_intent(placed)]["status"] == "succeeded"
    assert "Closed 0 card payment(s)" in runner.invoke(args=["orders", "expire"]).output


def test_a_payment_cancelled_with_its_orders_is_not_closed_twice(client, fake, buyer, placed,
                                                                 runner):
    for order in placed["orders"]:
        client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer.headers)
    assert "Closed 0 card payment(s)" in runner.invoke(args=["orders", "expire"]).output
    assert len(fake.calls("POST", f"/v1/payment_intents/{_intent(placed)}/cancel")) == 1


def test_charge_refunded_is_recorded_once(client, fake, buyer, placed, operator, stripe_on):
    from marketplace.orders.models import Refund

    intent = fake.succeed(_intent(placed))
    deliver(client, fake, "payment_intent.succeeded", intent)
    order = placed["orders"][0]
    assert client.post(f"/api/v1/moderation/orders/{order['id']}/refund",
                       json={"reason": "质量问题"}, headers=operator.headers).status_code == 200
    row = db.session.scalar(select(Refund).where(Refund.order_id == order["id"]))
    row.status = "pending"  # card refunds may settle later
    db.session.commit()
    # And someone refunds 1.00 in the Stripe dashboard: not ours, recorded for operators.
    stripe_on.client.v1.refunds.create(params={"payment_intent": intent["id"], "amount": 100})
    charge = fake.charge(intent["latest_charge"])
    for _ in range(2):  # two events (e.g. one per refund): same result
        response = deliver(client, fake, "charge.refunded", charge)
        assert response.status_code == 200 and response.json["outcome"] == "processed"
    refunds = client.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers).json["refunds"]
    assert [r["status"] for r in refunds] == ["succeeded"]
    outside = db.session.scalars(select(AuditLogEntry).where(
        AuditLogEntry.action == "checkout.refund_outside")).all()
    assert len(outside) == 1 and outside[0].details["amount"] == "1.00"
