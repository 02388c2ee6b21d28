"""Supplier payout onboarding: one connected account per organization, a fresh link each
time, and the payout status kept by `account.updated` webhooks (in any order)."""

from __future__ import annotations

import time

from tests.factories import make_account
from tests.fakes import fake_stripe_fixtures as stripe_fixtures
from tests.fakes.fake_stripe_fixtures import (
    deliver,
)

# The Stripe fixtures (a fake Stripe per module, the gateway switched on, the fake per test).
fake = stripe_fixtures.fake
fake_stripe_server = stripe_fixtures.fake_stripe_server
stripe_on = stripe_fixtures.stripe_on


ONBOARDING = "/api/v1/organizations/me/payouts/onboarding"
STATUS = "/api/v1/organizations/me/payouts"


def test_account_is_created_once_and_the_link_is_fresh_each_time(client, fake, supplier):
    assert client.get(STATUS, headers=supplier.headers).json == {
        "status": "not_started", "charges_enabled": False, "payouts_enabled": False,
        "details_submitted": False, "account_id": None}
    links = [client.post(ONBOARDING, headers=supplier.headers) for _ in range(3)]
    assert [r.status_code for r in links] == [200, 200, 200]
    urls = [r.json["url"] for r in links]
    assert len(set(urls)) == 3 and all(u.startswith("https://connect.stripe.com/") for u in urls)

    [account_call] = fake.calls("POST", "/v1/accounts")
    assert account_call.idempotency_key == f"org:{supplier.org.id}:account"
    assert account_call.params["type"] == "express"
    assert account_call.params["capabilities"] == {"transfers": {"requested": "true"}}
    assert account_call.params["metadata"] == {"organization_id": supplier.org.id}
    link_calls = fake.calls("POST", "/v1/account_links")
    assert len(link_calls) == 3
    account_id = client.get(STATUS, headers=supplier.headers).json["account_id"]
    for call in link_calls:
        assert call.params["account"] == account_id
        assert call.params["type"] == "account_onboarding"
        assert call.params["return_url"] and call.params["refresh_url"]
    assert client.get(STATUS, headers=supplier.headers).json["status"] == "onboarding"


def test_only_supplier_owners_onboard(client, fake, supplier, buyer):
    member = make_account("supplier", verified=True, role="member")
    assert client.post(ONBOARDING, headers=member.headers).status_code == 403
    assert client.post(ONBOARDING, headers=buyer.headers).status_code == 403
    assert client.post(ONBOARDING).status_code == 401
    assert client.get(STATUS, headers=member.headers).status_code == 200
    assert client.get(STATUS, headers=buyer.headers).status_code == 403
    assert fake.requests == []


def test_account_updates_keep_the_flags_and_ignore_older_events(client, fake, supplier):
    client.post(ONBOARDING, headers=supplier.headers)
    account_id = client.get(STATUS, headers=supplier.headers).json["account_id"]
    now = int(time.time())
    enabled = fake.update_account(account_id, charges_enabled=True, payouts_enabled=True,
                                  details_submitted=True)
    older = {**enabled, "charges_enabled": False, "payouts_enabled": False,
             "details_submitted": True}
    assert deliver(client, fake, "account.updated", enabled, created=now).json["outcome"] \
        == "processed"
    assert client.get(STATUS, headers=supplier.headers).json == {
        "status": "enabled", "charges_enabled": True, "payouts_enabled": True,
        "details_submitted": True, "account_id": account_id}
    # An update sent earlier but delivered later must not roll the flags back.
    late = deliver(client, fake, "account.updated", older, created=now - 60)
    assert late.status_code == 200 and late.json["outcome"] == "stale"
    assert client.get(STATUS, headers=supplier.headers).json["payouts_enabled"] is True
    # A newer one does: Stripe paused payouts (more documents needed).
    deliver(client, fake, "account.updated", older, created=now + 60)
    assert client.get(STATUS, headers=supplier.headers).json["status"] == "restricted"


def test_onboarding_is_404_when_stripe_is_off(client, app, supplier, monkeypatch):
    monkeypatch.setitem(app.extensions, "payment_gateways",
                        {"bank_transfer": app.extensions["payment_gateways"]["bank_transfer"]})
    response = client.post(ONBOARDING, headers=supplier.headers)
    assert response.status_code == 404
    assert client.get(STATUS, headers=supplier.headers).json["status"] == "not_started"


def test_stripe_down_during_onboarding_is_503_and_the_retry_reuses_the_account(
        client, fake, supplier):
    fake.fail_next("api_error", path="/v1/account_links")
    assert client.post(ONBOARDING, headers=supplier.headers).status_code == 503
    # The account was stored before the link failed: the retry only asks for a link.
    assert client.post(ONBOARDING, headers=supplier.headers).status_code == 200
    assert len(fake.calls("POST", "/v1/accounts")) == 1
    fake.fail_next("rate_limit", path="/v1/accounts")
    other = make_account("supplier", verified=True)
    assert client.post(ONBOARDING, headers=other.headers).status_code == 503
    assert client.get(STATUS, headers=other.headers).json["status"] == "not_started"
    assert client.post(ONBOARDING, headers=other.headers).status_code == 200
    keys = [c.idempotency_key for c in fake.calls("POST", "/v1/accounts")]
    assert keys[-2:] == [f"org:{other.org.id}:account"] * 2
