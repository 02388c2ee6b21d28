"""Order status machine over HTTP: mark paid, cancel, ship, confirm delivery, refund;
event history; who may see and do what."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.catalog.models import Listing
from marketplace.extensions import db
from tests.factories import checkout_body, make_account, make_listing

TIERS = [{"min_quantity": "5", "unit_price": "180.00"},
         {"min_quantity": "50", "unit_price": "160.00"}]


@pytest.fixture
def rose(supplier):
    return make_listing(supplier, status="published", stock_quantity="100", price_tiers=TIERS)


@pytest.fixture
def grape_seed(other_supplier):
    return make_listing(other_supplier, status="published", moq="1", stock_quantity="40",
                        price_tiers=[{"min_quantity": "1", "unit_price": "95.50"}])


@pytest.fixture
def checkout(client, buyer, rose, grape_seed):
    response = client.post("/api/v1/checkouts",
                           json=checkout_body((rose, 10), (grape_seed, "2.5")),
                           headers=buyer.headers)
    assert response.status_code == 201, response.json
    return response.json


def order_of(checkout, account):
    return next(o for o in checkout["orders"] if o["supplier_id"] == account.org.id)


def stock(listing):
    return db.session.scalar(select(Listing.stock_quantity).where(Listing.id == listing.id))


def mark_paid(client, operator, checkout, bank_reference="ICBC20261125-0042"):
    return client.post(f"/api/v1/moderation/checkouts/{checkout['id']}/mark-paid",
                       json={"bank_reference": bank_reference}, headers=operator.headers)


def post(client, account, order_id, action, json=None):
    return client.post(f"/api/v1/orders/{order_id}/{action}", json=json,
                       headers=account.headers)


SHIPMENT = {"carrier": "顺丰速运", "tracking_number": "SF1234567890123"}


def test_mark_paid_pays_checkout_and_every_order_with_audit_entry(client, operator, checkout,
                                                                  buyer):
    response = mark_paid(client, operator, checkout)
    assert response.status_code == 200, response.json
    data = response.json
    assert data["status"] == "paid"
    assert {o["status"] for o in data["orders"]} == {"paid"}
    assert data["payment"]["status"] == "paid"
    assert data["paid_at"] is not None
    log = client.get(f"/api/v1/moderation/audit-log?target_id={checkout['id']}",
                     headers=operator.headers).json
    assert log["total"] == 1
    entry = log["items"][0]
    assert entry["action"] == "checkout.mark_paid"
    assert entry["actor_id"] == operator.user.id
    assert entry["details"]["bank_reference"] == "ICBC20261125-0042"
    assert entry["details"]["amount"] == checkout["total"]
    assert sorted(entry["details"]["orders"]) == sorted(o["id"] for o in checkout["orders"])
    # Paying twice is a conflict, and only operators confirm payments.
    assert mark_paid(client, operator, checkout).status_code == 409
    assert mark_paid(client, buyer, checkout).status_code == 403


def test_operator_finds_a_checkout_by_its_transfer_reference(client, operator, checkout):
    reference = checkout["payment"]["reference"]
    typed = reference.lower().replace("-", " ")
    found = client.get(f"/api/v1/moderation/checkouts?reference={typed}",
                       headers=operator.headers).json
    assert [c["id"] for c in found["items"]] == [checkout["id"]]


def test_full_order_lifecycle_is_kept_as_events(client, buyer, supplier, operator, checkout):
    order_id = order_of(checkout, supplier)["id"]
    mark_paid(client, operator, checkout)
    shipped = post(client, supplier, order_id, "ship", SHIPMENT)
    assert shipped.status_code == 200, shipped.json
    assert shipped.json["status"] == "shipped"
    assert shipped.json["carrier"] == "顺丰速运"
    assert shipped.json["tracking_number"] == "SF1234567890123"
    delivered = post(client, buyer, order_id, "confirm-delivery")
    assert delivered.status_code == 200
    assert delivered.json["status"] == "delivered"

    order = client.get(f"/api/v1/orders/{order_id}", headers=buyer.headers).json
    assert [(e["from_status"], e["to_status"], e["actor_role"]) for e in order["events"]] == [
        (None, "pending_payment", "buyer"),
        ("pending_payment", "paid", "operator"),
        ("paid", "shipped", "supplier"),
        ("shipped", "delivered", "buyer"),
    ]
    assert [e["actor_id"] for e in order["events"]] == [
        buyer.user.id, operator.user.id, supplier.user.id, buyer.user.id]
    assert order["events"][2]["details"] == SHIPMENT
    times = [e["at"] for e in order["events"]]
    assert times == sorted(times)
    for stamp in ("paid_at", "shipped_at", "delivered_at"):
        assert order[stamp] is not None
    assert order["shipping_address"]["recipient"] == "王经理"


def test_buyer_cancels_unpaid_order_and_its_stock_returns(client, buyer, supplier, checkout,
                                                         rose, grape_seed, other_supplier):
    assert stock(rose) == Decimal("90.000")
    order = order_of(checkout, supplier)
    response = post(client, buyer, order["id"], "cancel")
    assert response.status_code == 200, response.json
    assert response.json["status"] == "cancelled"
    assert response.json["events"][-1]["to_status"] == "cancelled"
    assert stock(rose) == Decimal("100.000")
    assert stock(grape_seed) == Decimal("37.500")
    # The checkout waits for the rest; the amount due drops by the cancelled order.
    after = client.get(f"/api/v1/checkouts/{checkout['id']}", headers=buyer.headers).json
    assert after["status"] == "pending_payment"
    assert after["payment"]["amount"] == order_of(checkout, other_supplier)["subtotal"]
    assert after["total"] == checkout["total"]
    # Cancelling the last order cancels the checkout.
    post(client, buyer, order_of(checkout, other_supplier)["id"], "cancel")
    after = client.get(f"/api/v1/checkouts/{checkout['id']}", headers=buyer.headers).json
    assert after["status"] == "cancelled"
    assert after["payment"]["status"] == "cancelled"
    assert stock(grape_seed) == Decimal("40.000")


def test_mark_paid_skips_cancelled_orders(client, buyer, supplier, operator, checkout,
                                          other_supplier):
    post(client, buyer, order_of(checkout, supplier)["id"], "cancel")
    data = mark_paid(client, operator, checkout).json
    statuses = {o["supplier_id"]: o["status"] for o in data["orders"]}
    assert statuses == {supplier.org.id: "cancelled", other_supplier.org.id: "paid"}


def test_cancelled_checkout_cannot_be_marked_paid(client, buyer, operator, checkout):
    for order in checkout["orders"]:
        post(client, buyer, order["id"], "cancel")
    assert mark_paid(client, operator, checkout).status_code == 409


def test_illegal_transitions_are_409(client, buyer, supplier, operator, checkout):
    order_id = order_of(checkout, supplier)["id"]
    refund = {"reason": "客户要求退款"}
    assert post(client, supplier, order_id, "ship", SHIPMENT).status_code == 409  # unpaid
    assert post(client, buyer, order_id, "confirm-delivery").status_code == 409
    assert client.post(f"/api/v1/moderation/orders/{order_id}/refund", json=refund,
                       headers=operator.headers).status_code == 409
    mark_paid(client, operator, checkout)
    assert post(client, buyer, order_id, "cancel").status_code == 409  # paid
    assert post(client, buyer, order_id, "confirm-delivery").status_code == 409  # not shipped
    post(client, supplier, order_id, "ship", SHIPMENT)
    assert post(client, supplier, order_id, "ship", SHIPMENT).status_code == 409
    post(client, buyer, order_id, "confirm-delivery")
    assert post(client, buyer, order_id, "confirm-delivery").status_code == 409
    assert client.post(f"/api/v1/moderation/orders/{order_id}/refund", json=refund,
                       headers=operator.headers).status_code == 200
    for account, action, body in [(buyer, "cancel", None), (supplier, "ship", SHIPMENT),
                                  (buyer, "confirm-delivery", None)]:
        assert post(client, account, order_id, action, body).status_code == 409
    assert client.post(f"/api/v1/moderation/orders/{order_id}/refund", json=refund,
                       headers=operator.headers).status_code == 409


def test_refund_of_paid_order_returns_stock_and_is_audited(client, operator, supplier, checkout,
                                                           rose):
    order_id = order_of(checkout, supplier)["id"]
    mark_paid(client, operator, checkout)
    response = client.post(f"/api/v1/moderation/orders/{order_id}/refund",
                           json={"reason": "供应商无法按期发货"}, headers=operator.headers)
    assert response.status_code == 200, response.json
    data = response.json
    assert data["status"] == "refunded"
    assert data["refunded_at"] is not None
    assert data["refunds"] == [{
        "id": data["refunds"][0]["id"], "method": "bank_transfer", "status": "pending_manual",
        "reference": data["refunds"][0]["reference"], "amount": "1800.00", "currency": "CNY",
        "reason": "供应商无法按期发货", "created_at": data["refunds"][0]["created_at"],
    }]
    assert data["refunds"][0]["reference"].startswith("RF-")
    assert data["events"][-1]["details"] == {"reason": "供应商无法按期发货", "amount": "1800.00"}
    assert stock(rose) == Decimal("100.000")  # never shipped: the goods are still there
    log = client.get(f"/api/v1/moderation/audit-log?target_id={order_id}",
                     headers=operator.headers).json
    assert [e["action"] for e in log["items"]] == ["order.refund"]
    assert log["items"][0]["details"]["reason"] == "供应商无法按期发货"
    payment = client.get(f"/api/v1/checkouts/{checkout['id']}", headers=operator.headers).json
    assert payment["payment"]["status"] == "partially_refunded"
    assert payment["payment"]["amount_refunded"] == "1800.00"


def test_refund_of_shipped_or_delivered_order_keeps_stock(client, operator, buyer, supplier,
                                                          checkout, rose, other_supplier):
    mark_paid(client, operator, checkout)
    shipped_id = order_of(checkout, supplier)["id"]
    post(client, supplier, shipped_id, "ship", SHIPMENT)
    delivered_id = order_of(checkout, other_supplier)["id"]
    post(client, other_supplier, delivered_id, "ship", SHIPMENT)
    post(client, buyer, delivered_id, "confirm-delivery")
    for order_id in (shipped_id, delivered_id):
        response = client.post(f"/api/v1/moderation/orders/{order_id}/refund",
                               json={"reason": "质检不合格"}, headers=operator.headers)
        assert response.json["status"] == "refunded"
    assert stock(rose) == Decimal("90.000")
    payment = client.get(f"/api/v1/checkouts/{checkout['id']}", headers=buyer.headers).json
    assert payment["payment"]["status"] == "refunded"


def test_refund_needs_operator_and_reason(client, operator, buyer, supplier, checkout):
    order_id = order_of(checkout, supplier)["id"]
    mark_paid(client, operator, checkout)
    url = f"/api/v1/moderation/orders/{order_id}/refund"
    assert client.post(url, json={"reason": "x"}, headers=buyer.headers).status_code == 403
    assert client.post(url, json={"reason": "  "}, headers=operator.headers).status_code == 422
    assert client.post(url, json={}, headers=operator.headers).status_code == 422


def test_roles_and_scoping(client, buyer, supplier, other_supplier, operator, checkout):
    order_id = order_of(checkout, supplier)["id"]
    stranger_buyer = make_account("buyer")
    # Invisible to other organizations: 404 for reads and actions alike.
    assert client.get(f"/api/v1/orders/{order_id}",
                      headers=stranger_buyer.headers).status_code == 404
    assert client.get(f"/api/v1/orders/{order_id}",
                      headers=other_supplier.headers).status_code == 404
    assert post(client, stranger_buyer, order_id, "cancel").status_code == 404
    assert post(client, other_supplier, order_id, "ship", SHIPMENT).status_code == 404
    # Visible but not theirs to do: the supplier cannot cancel, the buyer cannot ship.
    assert post(client, supplier, order_id, "cancel").status_code == 403
    assert post(client, buyer, order_id, "ship", SHIPMENT).status_code == 403
    assert post(client, supplier, order_id, "confirm-delivery").status_code == 403
    for account in (buyer, supplier, operator):
        assert client.get(f"/api/v1/orders/{order_id}",
                          headers=account.headers).status_code == 200
    assert client.get(f"/api/v1/orders/{order_id}").status_code == 401


def test_order_lists_are_scoped_filtered_and_paginated(client, buyer, supplier, other_supplier,
                                                       operator, checkout):
    mine = client.get("/api/v1/orders", headers=buyer.headers).json
    assert mine["total"] == 2 and mine["page"] == 1 and mine["per_page"] == 20
    assert {o["id"] for o in mine["items"]} == {o["id"] for o in checkout["orders"]}
    supplier_view = client.get("/api/v1/orders", headers=supplier.headers).json
    assert [o["id"] for o in supplier_view["items"]] == [order_of(checkout, supplier)["id"]]
    assert {line["listing_id"] for line in supplier_view["items"][0]["lines"]} == {
        order_of(checkout, supplier)["lines"][0]["listing_id"]}
    assert client.get("/api/v1/orders", headers=make_account("buyer").headers).json["total"] == 0
    mark_paid(client, operator, checkout)
    post(client, supplier, order_of(checkout, supplier)["id"], "ship", SHIPMENT)
    shipped = client.get("/api/v1/orders?status=shipped", headers=buyer.headers).json
    assert [o["id"] for o in shipped["items"]] == [order_of(checkout, supplier)["id"]]
    page = client.get("/api/v1/orders?per_page=1&page=2", headers=buyer.headers).json
    assert page["total"] == 2 and len(page["items"]) == 1
    assert client.get("/api/v1/orders?status=lost", headers=buyer.headers).status_code == 422
