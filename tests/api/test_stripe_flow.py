"""Issue 6, done when: a card checkout across two suppliers goes pending → paid through a
signed webhook → two transfers with the right amounts; a refund reverses one; duplicate and
forged webhooks change nothing. Everything over HTTP, Stripe being the fake server driven by
the real `stripe` library."""

from __future__ import annotations

from tests.fakes import fake_stripe_fixtures as stripe_fixtures
from tests.fakes.fake_stripe import sign
from tests.fakes.fake_stripe_fixtures import (
    WEBHOOK_SECRET,
    card_checkout,
    deliver,
    minor,
    onboard,
    stripe_listing,
)

# The Stripe fixtures (a fake Stripe per module, the gateway switched on, the fake per test).
fake = stripe_fixtures.fake
fake_stripe_server = stripe_fixtures.fake_stripe_server
stripe_on = stripe_fixtures.stripe_on


def _state(client, buyer, checkout_id):
    return client.get(f"/api/v1/checkouts/{checkout_id}", headers=buyer.headers).json


def test_card_checkout_across_two_suppliers(client, fake, buyer, supplier, other_supplier,
                                            operator):
    rose_account = onboard(client, fake, supplier)
    grape_account = onboard(client, fake, other_supplier)
    rose = stripe_listing(supplier, price="180.00", stock="300")
    grape = stripe_listing(other_supplier, price="59.99", moq="10", stock="1000")

    created = card_checkout(client, buyer, (rose, "55"), (grape, "120.5"), key="po-2026-11")
    assert created.status_code == 201, created.json
    checkout = created.json
    assert checkout["total"] == "17128.80"  # 9900.00 + 7228.80 (59.99 × 120.5 = 7228.795 → .80)
    payment = checkout["payment"]
    assert payment["method"] == "stripe" and payment["status"] == "pending"
    assert payment["client_secret"].startswith(payment["payment_intent_id"] + "_secret_")
    [intent_call] = fake.calls("POST", "/v1/payment_intents")
    assert intent_call.params["amount"] == str(minor(checkout["total"]))
    assert intent_call.params["transfer_group"] == checkout["id"]
    assert [o["status"] for o in checkout["orders"]] == ["pending_payment"] * 2

    # Stripe charges the card and says so, signed.
    intent = fake.succeed(payment["payment_intent_id"])
    event = fake.event("payment_intent.succeeded", intent)
    response = fake.deliver(client, event, WEBHOOK_SECRET)
    assert response.status_code == 200, response.json
    assert response.json["outcome"] == "processed" and not response.json["duplicate"]

    paid = _state(client, buyer, checkout["id"])
    assert paid["status"] == "paid" and paid["payment"]["status"] == "paid"
    assert [o["status"] for o in paid["orders"]] == ["paid", "paid"]

    transfers = {call.params["destination"]: call for call in fake.calls("POST", "/v1/transfers")}
    assert set(transfers) == {rose_account, grape_account}
    rose_order, grape_order = checkout["orders"]
    # 3 % fee, rounded half up per order: 9900.00 → 297.00; 7228.80 → 216.864 → 216.86.
    assert transfers[rose_account].params["amount"] == str(990000 - 29700)
    assert transfers[grape_account].params["amount"] == str(722880 - 21686)
    for call, order in ((transfers[rose_account], rose_order),
                        (transfers[grape_account], grape_order)):
        assert call.params["source_transaction"] == intent["latest_charge"]
        assert call.params["transfer_group"] == checkout["id"]
        assert call.params["metadata"] == {"order_id": order["id"], "checkout_id": checkout["id"]}
        assert call.idempotency_key == f"order:{order['id']}:transfer"
    fees = 29700 + 21686
    sent = sum(int(call.params["amount"]) for call in transfers.values())
    assert sent + fees == intent["amount_received"] == minor(checkout["total"])

    # The same event again, and a forged one: nothing changes, nothing is sent to Stripe.
    calls_before = len(fake.requests)
    again = fake.deliver(client, event, WEBHOOK_SECRET)
    assert again.status_code == 200 and again.json["duplicate"] is True
    forged = fake.event("payment_intent.succeeded", {**intent, "amount_received": 1})
    assert fake.deliver(client, forged, "whsec_someone_else").status_code == 400
    assert len(fake.requests) == calls_before

    # The operator refunds the grape order: its amount back to the card, its transfer reversed.
    grape_detail = client.get(f"/api/v1/orders/{grape_order['id']}", headers=buyer.headers).json
    assert grape_detail["platform_fee"] == "216.86"
    refunded = client.post(f"/api/v1/moderation/orders/{grape_order['id']}/refund",
                           json={"reason": "供应商缺货"}, headers=operator.headers)
    assert refunded.status_code == 200, refunded.json
    assert refunded.json["status"] == "refunded"
    [refund_call] = fake.calls("POST", "/v1/refunds")
    assert refund_call.params["payment_intent"] == payment["payment_intent_id"]
    assert refund_call.params["amount"] == "722880"
    assert refund_call.params["metadata"]["order_id"] == grape_order["id"]
    [reversal_call] = fake.calls("POST", "/v1/transfers/")
    assert reversal_call.path == f"/v1/transfers/{grape_detail['transfer_id']}/reversals"
    assert reversal_call.idempotency_key == f"order:{grape_order['id']}:transfer_reversal"
    [refund] = refunded.json["refunds"]
    assert refund["method"] == "stripe" and refund["reference"].startswith("re_")
    assert refund["transfer_reversal_id"].startswith("trr_")

    # Stripe confirms the refund; a forged copy with a stale timestamp is refused.
    charge = fake.charge(intent["latest_charge"])
    stale = fake.event("charge.refunded", charge)
    payload = __import__("json").dumps(stale)
    old = sign(payload, WEBHOOK_SECRET, timestamp=1_000_000_000)
    assert fake.deliver(client, stale, WEBHOOK_SECRET, signature=old).status_code == 400
    confirmed = deliver(client, fake, "charge.refunded", charge)
    assert confirmed.status_code == 200 and confirmed.json["outcome"] == "processed"

    final = _state(client, buyer, checkout["id"])
    assert [o["status"] for o in final["orders"]] == ["paid", "refunded"]
    assert final["payment"]["status"] == "partially_refunded"
    assert final["payment"]["amount_refunded"] == "7228.80"
