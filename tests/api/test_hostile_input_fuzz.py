"""Hostile bodies against every JSON-accepting operation of the OpenAPI document, as each
role: no 5xx, the answer is JSON in strict UTF-8, and a body with text no database can
store (NUL, a lone surrogate) is never accepted.

Each body starts as a valid one — a known-good example for the operations below, else one
schemathesis generates from the operation's schema (so new operations are covered without
touching this file) — and `tests.fuzzing.mutate` draws hostile strings and values into it.
Path parameters name real objects (a published listing, an unpaid checkout, a paid order, a
sample request), so bodies reach past the lookup. Every example starts from the same data:
its writes are rolled back to a savepoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from marketplace.extensions import db, limiter
from tests.factories import (
    PASSWORD,
    SHIPPING_ADDRESS,
    checkout_body,
    listing_body,
    make_account,
    make_listing,
)
from tests.fuzzing import encode_json, load_openapi, mutate, unstorable

ROLES = ("anonymous", "buyer", "supplier", "operator")
SHIPMENT = {"carrier": "顺丰速运", "tracking_number": "SF1234567890123"}


def valid_bodies(world: dict[str, Any]) -> dict[tuple[str, str], Any]:
    return {
        ("POST", "/api/v1/auth/register"): {
            "email": "fuzz@example.com", "password": "long-enough-password",
            "display_name": "王经理", "organization": {"name": "清妍化妆品", "kind": "buyer"}},
        ("POST", "/api/v1/auth/tokens"): {"email": world["buyer_email"], "password": PASSWORD},
        ("POST", "/api/v1/auth/password"): {
            "current_password": PASSWORD, "new_password": "another long password"},
        ("POST", "/api/v1/organizations/me/verification"): {
            "legal_name": "平阴玫瑰生物科技有限公司", "uscc": "91350100M000100Y43"},
        ("POST", "/api/v1/listings"): listing_body(),
        ("PATCH", "/api/v1/listings/{listing_id}"): {
            "description": "山东平阴重瓣玫瑰。", "lead_time_days": 10, "moq": "5",
            "specifications": [{"parameter": "pH", "value": "4.0-6.0"}]},
        ("POST", "/api/v1/moderation/organizations/{org_id}/verification"): {
            "decision": "reject", "reason": "营业执照模糊"},
        ("POST", "/api/v1/moderation/listings/{listing_id}/reject"): {"reason": "资料不全"},
        ("POST", "/api/v1/moderation/listings/{listing_id}/suspend"): {"reason": "投诉核实中"},
        ("POST", "/api/v1/checkouts"): checkout_body((world["listing_id"], 5)),
        ("POST", "/api/v1/orders/{order_id}/ship"): SHIPMENT,
        ("POST", "/api/v1/moderation/checkouts/{checkout_id}/mark-paid"): {
            "bank_reference": "ICBC20261125-0042"},
        ("POST", "/api/v1/moderation/orders/{order_id}/refund"): {"reason": "买家退货"},
        ("POST", "/api/v1/listings/{listing_id}/sample-requests"): {
            "shipping_address": SHIPPING_ADDRESS, "quantity": "0.5", "note": "用于配方测试"},
        ("POST", "/api/v1/sample-requests/{sample_id}/decline"): {"reason": "样品已发完"},
        ("POST", "/api/v1/sample-requests/{sample_id}/ship"): SHIPMENT,
        ("POST", "/api/v1/payments/stripe/webhook"): {
            "id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_1", "object": "payment_intent",
                                "metadata": {"checkout_id": world["checkout_id"]}}}},
    }


@pytest.fixture
def world(client, buyer, supplier, operator) -> dict[str, Any]:
    listing = make_listing(supplier, status="published", sample_available=True,
                           stock_quantity="1000")
    unpaid = client.post("/api/v1/checkouts", json=checkout_body((listing, 5)),
                         headers=buyer.headers)
    paid = client.post("/api/v1/checkouts", json=checkout_body((listing, 6)),
                       headers=buyer.headers)
    assert unpaid.status_code == paid.status_code == 201, (unpaid.json, paid.json)
    marked = client.post(f"/api/v1/moderation/checkouts/{paid.json['id']}/mark-paid",
                         json={"bank_reference": "ICBC20261125-0001"}, headers=operator.headers)
    assert marked.status_code == 200, marked.json
    sample = client.post(f"/api/v1/listings/{listing.id}/sample-requests",
                         json={"shipping_address": SHIPPING_ADDRESS}, headers=buyer.headers)
    assert sample.status_code == 201, sample.json
    applicant = make_account("supplier")
    return {
        "headers": {"anonymous": {}, "buyer": buyer.headers, "supplier": supplier.headers,
                    "operator": operator.headers},
        "buyer_email": buyer.user.email,
        "listing_id": listing.id,
        "checkout_id": unpaid.json["id"],
        "order_id": paid.json["orders"][0]["id"],
        "sample_id": sample.json["id"],
        "org_id": applicant.org.id,
    }


def json_operations(app: Any) -> list[Any]:
    """Every operation whose request body the document describes as JSON."""
    operations = []
    for result in load_openapi(app).get_all_operations():
        operation = result.ok()
        body = operation.definition.raw.get("requestBody", {})
        if "application/json" in body.get("content", {}):
            operations.append(operation)
    return operations


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run requests inside a SAVEPOINT of the test's connection, rolled back after."""
    db.session.close()
    savepoint = db.session.get_bind().begin_nested()  # type: ignore[union-attr]
    limiter.reset()
    try:
        yield
    finally:
        db.session.close()
        savepoint.rollback()


@pytest.mark.parametrize("role", ROLES)
def test_hostile_bodies_never_cause_a_server_error(app, client, world, role):
    operations = json_operations(app)
    assert len(operations) >= 15
    bodies = valid_bodies(world)
    generated = {(op.method.upper(), op.path): op.as_strategy() for op in operations
                 if (op.method.upper(), op.path) not in bodies}
    headers = world["headers"][role]

    # No shrinking: a failure already names the operation, the role and the body, and
    # shrinking bodies drawn for every operation at once takes minutes.
    @settings(max_examples=8, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def hostile_examples(data: st.DataObject) -> None:
        with rolled_back():
            for operation in operations:
                key = (operation.method.upper(), operation.path)
                body = bodies[key] if key in bodies else data.draw(generated[key]).body
                hostile = mutate(data, body)
                path = re.sub(r"\{(\w+)\}", lambda m: str(world.get(m.group(1), "x")),
                              operation.full_path)
                response = client.open(path, method=operation.method.upper(),
                                       data=encode_json(hostile),
                                       content_type="application/json", headers=headers)
                where = f"{key[0]} {key[1]} as {role}: {hostile!r:.300}"
                assert response.status_code < 500, (where, response.get_data(as_text=True))
                response.get_data().decode("utf-8")  # strict: no lone surrogate went out
                assert response.is_json, where
                if unstorable(hostile):
                    assert response.status_code >= 400, (where, repr(hostile)[:300], response.json)

    hostile_examples()
