"""Sample requests: buyers ask, suppliers accept, decline or ship."""

from __future__ import annotations

import pytest

from tests.factories import SHIPPING_ADDRESS, make_account, make_listing

SHIPMENT = {"carrier": "EMS", "tracking_number": "EA123456789CN"}


@pytest.fixture
def rose(supplier):
    return make_listing(supplier, status="published", sample_available=True)


def ask(client, account, listing_id, **body):
    body.setdefault("shipping_address", SHIPPING_ADDRESS)
    return client.post(f"/api/v1/listings/{listing_id}/sample-requests", json=body,
                       headers=account.headers)


def act(client, account, sample_id, action, json=None):
    return client.post(f"/api/v1/sample-requests/{sample_id}/{action}", json=json,
                       headers=account.headers)


def test_buyer_requests_a_sample(client, buyer, supplier, rose):
    response = ask(client, buyer, rose.id, quantity="0.5", note="用于配方稳定性测试")
    assert response.status_code == 201, response.json
    data = response.json
    assert data["status"] == "requested"
    assert data["listing_id"] == rose.id
    assert data["listing"]["title_zh"] == rose.title_zh
    assert data["buyer_id"] == buyer.org.id
    assert data["supplier_id"] == supplier.org.id
    assert (data["quantity"], data["unit"]) == ("0.500", "kg")
    assert data["note"] == "用于配方稳定性测试"
    assert data["shipping_address"]["recipient"] == "王经理"


def test_quantity_is_optional_but_at_most_the_moq(client, buyer, rose):
    assert ask(client, buyer, rose.id, quantity="5.001").status_code == 422
    assert ask(client, buyer, rose.id, quantity="0").status_code == 422
    created = ask(client, buyer, rose.id)
    assert created.status_code == 201
    assert created.json["quantity"] is None


def test_only_published_listings_with_samples(client, buyer, supplier):
    no_samples = make_listing(supplier, status="published", sample_available=False)
    assert ask(client, buyer, no_samples.id).status_code == 422
    draft = make_listing(supplier, status="draft", sample_available=True)
    assert ask(client, buyer, draft.id).status_code == 404
    assert ask(client, buyer, "lst_unknown").status_code == 404


def test_only_buyers_request_samples(client, supplier, other_supplier, rose):
    assert ask(client, other_supplier, rose.id).status_code == 403
    assert ask(client, supplier, rose.id).status_code == 403
    assert client.post(f"/api/v1/listings/{rose.id}/sample-requests",
                       json={"shipping_address": SHIPPING_ADDRESS}).status_code == 401


def test_one_open_request_per_buyer_and_listing(client, buyer, supplier, rose):
    first = ask(client, buyer, rose.id).json
    assert ask(client, buyer, rose.id).status_code == 409
    act(client, supplier, first["id"], "accept")
    assert ask(client, buyer, rose.id).status_code == 409  # accepted is still open
    # Another buyer organization is independent.
    assert ask(client, make_account("buyer"), rose.id).status_code == 201
    act(client, supplier, first["id"], "ship", SHIPMENT)
    assert ask(client, buyer, rose.id).status_code == 201  # shipped closes it


def test_supplier_accepts_then_ships(client, buyer, supplier, rose):
    sample = ask(client, buyer, rose.id).json
    accepted = act(client, supplier, sample["id"], "accept")
    assert accepted.status_code == 200
    assert accepted.json["status"] == "accepted"
    assert accepted.json["accepted_at"] is not None
    shipped = act(client, supplier, sample["id"], "ship", SHIPMENT)
    assert shipped.status_code == 200
    assert shipped.json["status"] == "shipped"
    assert (shipped.json["carrier"], shipped.json["tracking_number"]) == (
        "EMS", "EA123456789CN")
    seen = client.get(f"/api/v1/sample-requests/{sample['id']}", headers=buyer.headers).json
    assert seen["status"] == "shipped"


def test_decline_needs_a_reason_the_buyer_sees(client, buyer, supplier, rose):
    sample = ask(client, buyer, rose.id).json
    assert act(client, supplier, sample["id"], "decline", {}).status_code == 422
    assert act(client, supplier, sample["id"], "decline", {"reason": " "}).status_code == 422
    declined = act(client, supplier, sample["id"], "decline", {"reason": "本季样品已发完"})
    assert declined.json["status"] == "declined"
    mine = client.get("/api/v1/sample-requests", headers=buyer.headers).json
    assert mine["items"][0]["decline_reason"] == "本季样品已发完"
    assert ask(client, buyer, rose.id).status_code == 201  # declined closes it


def test_illegal_transitions_are_409(client, buyer, supplier, rose):
    sample = ask(client, buyer, rose.id).json
    act(client, supplier, sample["id"], "ship", SHIPMENT)  # shipping straight away is fine
    assert act(client, supplier, sample["id"], "accept").status_code == 409
    assert act(client, supplier, sample["id"], "ship", SHIPMENT).status_code == 409
    assert act(client, supplier, sample["id"], "decline", {"reason": "x"}).status_code == 409
    other = ask(client, make_account("buyer"), rose.id).json
    act(client, supplier, other["id"], "decline", {"reason": "无货"})
    assert act(client, supplier, other["id"], "accept").status_code == 409
    assert act(client, supplier, other["id"], "ship", SHIPMENT).status_code == 409


def test_each_side_sees_only_its_own_requests(client, buyer, supplier, other_supplier, rose):
    sample = ask(client, buyer, rose.id).json
    grape = make_listing(other_supplier, status="published", sample_available=True)
    other_sample = ask(client, buyer, grape.id).json
    stranger = make_account("buyer")

    mine = client.get("/api/v1/sample-requests", headers=buyer.headers).json
    assert {s["id"] for s in mine["items"]} == {sample["id"], other_sample["id"]}
    assert mine["total"] == 2 and mine["page"] == 1
    theirs = client.get("/api/v1/sample-requests", headers=supplier.headers).json
    assert [s["id"] for s in theirs["items"]] == [sample["id"]]
    assert client.get("/api/v1/sample-requests", headers=stranger.headers).json["total"] == 0
    filtered = client.get("/api/v1/sample-requests?status=accepted", headers=buyer.headers)
    assert filtered.json["total"] == 0

    url = f"/api/v1/sample-requests/{sample['id']}"
    assert client.get(url, headers=stranger.headers).status_code == 404
    assert client.get(url, headers=other_supplier.headers).status_code == 404
    # Others cannot act: another supplier sees nothing (404), the buyer may not (403).
    assert act(client, other_supplier, sample["id"], "accept").status_code == 404
    assert act(client, buyer, sample["id"], "accept").status_code == 403
