"""The whole buyer journey over HTTP: two suppliers list and get approved, a buyer finds
and quotes their ingredients, checks out across both, pays by bank transfer, the operator
confirms it, each supplier ships and the buyer confirms delivery."""

from __future__ import annotations

from tests.factories import checkout_body, publish_via_api


def _find(client, buyer, listing_id, query):
    """The buyer finds the listing by searching, then opens it."""
    found = client.get("/api/v1/search/listings", query_string={"q": query},
                       headers=buyer.headers).json
    assert listing_id in [item["id"] for item in found["items"]]
    listing = client.get(f"/api/v1/listings/{listing_id}", headers=buyer.headers)
    assert listing.status_code == 200
    return listing.json


def test_search_quote_checkout_pay_ship_deliver(client, buyer, supplier, other_supplier,
                                                operator):
    rose_id = publish_via_api(client, supplier, operator, stock_quantity="300")
    grape_id = publish_via_api(
        client, other_supplier, operator, title_zh="宁夏葡萄籽油", title_en="Grape Seed Oil",
        inci_name="Vitis Vinifera Seed Oil", cas_number="8024-22-4", category="vegetable_oil",
        moq="10", stock_quantity="1000",
        price_tiers=[{"min_quantity": "10", "unit_price": "68.00"},
                     {"min_quantity": "100", "unit_price": "59.90"}],
    )
    rose = _find(client, buyer, rose_id, "玫瑰")
    grape = _find(client, buyer, grape_id, "葡萄籽")
    quotes = [
        client.get(f"/api/v1/listings/{rose['id']}/quote", query_string={"quantity": "55"}).json,
        client.get(f"/api/v1/listings/{grape['id']}/quote", query_string={"quantity": "120"}).json,
    ]
    assert [q["subtotal"] for q in quotes] == ["8800.00", "7188.00"]

    response = client.post("/api/v1/checkouts",
                           json=checkout_body((rose_id, "55"), (grape_id, "120")),
                           headers={**buyer.headers, "Idempotency-Key": "erp-po-20261125-7"})
    assert response.status_code == 201, response.json
    checkout = response.json
    assert checkout["total"] == "15988.00"
    assert len(checkout["orders"]) == 2
    for order, quote in zip(checkout["orders"], quotes, strict=True):
        assert order["lines"][0]["unit_price"] == quote["unit_price"]
        assert order["subtotal"] == quote["subtotal"]
    reference = checkout["payment"]["reference"]

    # The operator finds the transfer by the reference on the bank statement and confirms it.
    found = client.get("/api/v1/moderation/checkouts", query_string={"reference": reference},
                       headers=operator.headers).json
    assert [c["id"] for c in found["items"]] == [checkout["id"]]
    paid = client.post(f"/api/v1/moderation/checkouts/{checkout['id']}/mark-paid",
                       json={"bank_reference": "ICBC-202611250042"}, headers=operator.headers)
    assert paid.json["status"] == "paid"

    for account in (supplier, other_supplier):
        orders = client.get("/api/v1/orders?status=paid", headers=account.headers).json
        assert orders["total"] == 1
        order_id = orders["items"][0]["id"]
        shipped = client.post(f"/api/v1/orders/{order_id}/ship",
                              json={"carrier": "德邦物流", "tracking_number": f"DB{order_id[-6:]}"},
                              headers=account.headers)
        assert shipped.json["status"] == "shipped"
        delivered = client.post(f"/api/v1/orders/{order_id}/confirm-delivery",
                                headers=buyer.headers)
        assert delivered.json["status"] == "delivered"

    final = client.get(f"/api/v1/checkouts/{checkout['id']}", headers=buyer.headers).json
    assert [o["status"] for o in final["orders"]] == ["delivered", "delivered"]
    rose_after = client.get(f"/api/v1/listings/{rose_id}", headers=supplier.headers).json
    assert rose_after["stock_quantity"] == "245.000"
