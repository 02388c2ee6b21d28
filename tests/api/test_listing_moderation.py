"""Operators review listings: queue, approve/reject/suspend/reinstate, audit log, pre-screen."""

from datetime import timedelta

import pytest

from marketplace.db.clock import utcnow
from marketplace.extensions import db
from tests.factories import listing_body, make_account, make_listing

QUEUE = "/api/v1/moderation/listings"


def decide(client, account, listing, action, reason=None):
    body = {} if reason is None else {"reason": reason}
    listing_id = listing if isinstance(listing, str) else listing.id
    return client.post(f"{QUEUE}/{listing_id}/{action}", json=body, headers=account.headers)


def submit_new(client, account, **overrides):
    created = client.post("/api/v1/listings", json=listing_body(**overrides),
                          headers=account.headers)
    assert created.status_code == 201, created.json
    submitted = client.post(f"/api/v1/listings/{created.json['id']}/submit",
                            headers=account.headers)
    assert submitted.status_code == 200
    return submitted.json


def audit(client, operator, listing_id):
    response = client.get(f"/api/v1/moderation/audit-log?target_id={listing_id}",
                          headers=operator.headers)
    assert response.status_code == 200
    return response.json["items"]


def flag_codes(item):
    return [flag["code"] for flag in item["review_flags"]]


# --------------------------------------------------------------------------- queue


def test_queue_lists_pending_listings_oldest_first_with_review_details(client, supplier,
                                                                      operator):
    unverified = make_account("supplier", name="新供应商")
    newer = make_listing(supplier, status="pending_review", title_zh="较新")
    older = make_listing(unverified, status="pending_review", title_zh="较早")
    older.submitted_at = utcnow() - timedelta(hours=2)
    make_listing(supplier, status="draft")
    make_listing(supplier, status="published")
    db.session.flush()

    response = client.get(QUEUE, headers=operator.headers)
    assert response.status_code == 200
    assert response.json["total"] == 2
    items = response.json["items"]
    assert [item["id"] for item in items] == [older.id, newer.id]
    assert items[0]["supplier"] == {"id": unverified.org.id, "name": "新供应商",
                                    "verified": False, "verification_status": "unverified"}
    assert items[1]["supplier"]["verification_status"] == "verified"
    assert items[0]["review_flags"] == []
    assert items[0]["changed_fields"] == []
    assert items[0]["title_zh"] == "较早"

    published = client.get(f"{QUEUE}?status=published", headers=operator.headers)
    assert published.json["total"] == 1
    assert client.get(f"{QUEUE}?status=bogus", headers=operator.headers).status_code == 422


def test_queue_shows_flags_and_changed_fields_of_a_re_review(client, supplier, operator):
    listing = make_listing(supplier, status="published")
    edit = client.patch(f"/api/v1/listings/{listing.id}", headers=supplier.headers,
                        json={"inci_name": "Hydroquinone", "stock_quantity": "7"})
    assert edit.json["status"] == "pending_review"

    item = client.get(QUEUE, headers=operator.headers).json["items"][0]
    assert item["id"] == listing.id
    assert item["changed_fields"] == ["inci_name", "stock_quantity"]
    assert "banned_substance" in flag_codes(item)

    approved = decide(client, operator, listing, "approve")
    assert approved.status_code == 200
    assert approved.json["changed_fields"] == []


def test_edits_while_under_review_accumulate_and_are_re_screened(client, supplier, operator):
    listing = make_listing(supplier, status="published")
    url = f"/api/v1/listings/{listing.id}"
    client.patch(url, json={"title_zh": "玫瑰花提取物（新批次）"}, headers=supplier.headers)
    [item] = client.get(QUEUE, headers=operator.headers).json["items"]
    assert item["changed_fields"] == ["title_zh"]
    assert item["review_flags"] == []

    again = client.patch(url, json={"inci_name": "Hydroquinone", "stock_quantity": "1"},
                         headers=supplier.headers)
    assert again.json["status"] == "pending_review"
    [item] = client.get(QUEUE, headers=operator.headers).json["items"]
    assert item["changed_fields"] == ["inci_name", "stock_quantity", "title_zh"]
    assert flag_codes(item) == ["banned_substance"]


def test_first_submission_edited_in_review_has_no_changed_fields(client, supplier, operator):
    listing = submit_new(client, supplier)
    edited = client.patch(f"/api/v1/listings/{listing['id']}", json={"description": "补充说明"},
                          headers=supplier.headers)
    assert edited.json["status"] == "pending_review"
    assert edited.json["version"] == listing["version"] + 1
    [item] = client.get(QUEUE, headers=operator.headers).json["items"]
    assert item["changed_fields"] == []
    assert item["description"] == "补充说明"


# --------------------------------------------------------------------------- decisions


def test_approve_publishes_and_is_audited(client, supplier, operator):
    listing = submit_new(client, supplier)
    response = decide(client, operator, listing["id"], "approve")
    assert response.status_code == 200
    assert response.json["status"] == "published"
    assert response.json["published_at"] is not None
    assert response.json["version"] == listing["version"] + 1

    public = client.get(f"/api/v1/listings/{listing['id']}")
    assert public.status_code == 200
    assert public.json["status"] == "published"
    assert public.headers["ETag"] == f'"{response.json["version"]}"'

    [entry] = audit(client, operator, listing["id"])
    assert entry["action"] == "listing.approve"
    assert entry["actor_id"] == operator.user.id
    assert entry["target_type"] == "listing"
    assert entry["target_id"] == listing["id"]
    assert entry["details"] == {"before": "pending_review", "after": "published",
                                "reason": None}


def test_approve_needs_a_verified_supplier(client, operator):
    unverified = make_account("supplier")
    listing = submit_new(client, unverified)
    response = decide(client, operator, listing["id"], "approve")
    assert response.status_code == 409
    assert "verified" in response.json["message"]
    assert client.get(f"/api/v1/listings/{listing['id']}",
                      headers=unverified.headers).json["status"] == "pending_review"
    assert audit(client, operator, listing["id"]) == []


def test_reject_needs_a_reason_and_the_supplier_sees_it(client, supplier, operator):
    listing = submit_new(client, supplier)
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": None}):
        response = client.post(f"{QUEUE}/{listing['id']}/reject", json=body,
                               headers=operator.headers)
        assert response.status_code == 422, body
        assert "reason" in response.json["errors"]["json"]

    reason = "CAS 号与 INCI 名称不一致，请核对 COA。"
    rejected = decide(client, operator, listing["id"], "reject", reason)
    assert rejected.status_code == 200
    assert rejected.json["status"] == "rejected"

    seen = client.get(f"/api/v1/listings/{listing['id']}", headers=supplier.headers).json
    assert seen["status"] == "rejected"
    assert seen["rejection_reason"] == reason

    [entry] = audit(client, operator, listing["id"])
    assert entry["action"] == "listing.reject"
    assert entry["details"] == {"before": "pending_review", "after": "rejected", "reason": reason}

    # The supplier fixes the listing and submits it again.
    fixed = client.patch(f"/api/v1/listings/{listing['id']}", json={"description": "已更新 COA"},
                         headers=supplier.headers)
    assert fixed.json["status"] == "rejected"
    again = client.post(f"/api/v1/listings/{listing['id']}/submit", headers=supplier.headers)
    assert again.status_code == 200
    assert again.json["status"] == "pending_review"
    assert again.json["rejection_reason"] is None


def test_suspend_and_reinstate(client, supplier, operator):
    listing = make_listing(supplier, status="published")
    no_reason = decide(client, operator, listing, "suspend")
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json["errors"]["json"]

    suspended = decide(client, operator, listing, "suspend", "消费者投诉：批次检测超标")
    assert suspended.status_code == 200
    assert suspended.json["status"] == "suspended"
    assert suspended.json["suspension_reason"] == "消费者投诉：批次检测超标"
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404
    owner_view = client.get(f"/api/v1/listings/{listing.id}", headers=supplier.headers).json
    assert owner_view["suspension_reason"] == "消费者投诉：批次检测超标"

    reinstated = decide(client, operator, listing, "reinstate")
    assert reinstated.status_code == 200
    assert reinstated.json["status"] == "published"
    assert reinstated.json["suspension_reason"] is None
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 200

    entries = audit(client, operator, listing.id)
    assert [e["action"] for e in entries] == ["listing.reinstate", "listing.suspend"]
    assert entries[1]["details"] == {"before": "published", "after": "suspended",
                                     "reason": "消费者投诉：批次检测超标"}
    assert entries[0]["details"] == {"before": "suspended", "after": "published",
                                     "reason": None}
    assert all(e["actor_id"] == operator.user.id for e in entries)


@pytest.mark.parametrize(
    ("status", "action"),
    [("draft", "approve"), ("published", "approve"), ("rejected", "approve"),
     ("draft", "reject"), ("published", "reject"), ("archived", "reject"),
     ("pending_review", "suspend"), ("suspended", "suspend"), ("draft", "suspend"),
     ("published", "reinstate"), ("pending_review", "reinstate"), ("archived", "reinstate")],
)
def test_illegal_transitions_are_409_and_not_logged(client, supplier, operator, status, action):
    listing = make_listing(supplier, status=status)
    response = decide(client, operator, listing, action, "原因")
    assert response.status_code == 409
    assert client.get(f"/api/v1/listings/{listing.id}",
                      headers=operator.headers).json["status"] == status
    assert audit(client, operator, listing.id) == []


@pytest.mark.parametrize("action", ["approve", "reject", "suspend", "reinstate"])
def test_unknown_listing_is_404(client, operator, action):
    assert decide(client, operator, "lst_doesnotexist00000", action, "原因").status_code == 404


@pytest.mark.parametrize("who", ["supplier", "buyer"])
def test_only_operators_moderate(client, supplier, buyer, who):
    caller = {"supplier": supplier, "buyer": buyer}[who]
    listing = make_listing(supplier, status="pending_review")
    assert client.get(QUEUE, headers=caller.headers).status_code == 403
    for action in ("approve", "reject", "suspend", "reinstate"):
        assert decide(client, caller, listing, action, "原因").status_code == 403
    assert client.get(QUEUE).status_code == 401
    assert client.post(f"{QUEUE}/{listing.id}/approve").status_code == 401
    assert client.get(f"/api/v1/listings/{listing.id}",
                      headers=supplier.headers).json["status"] == "pending_review"


# --------------------------------------------------------------------------- pre-screen


@pytest.mark.parametrize(
    "overrides",
    [{"inci_name": "Hydroquinone", "cas_number": None},
     {"inci_name": "  HYDROQUINONE ", "cas_number": None},
     {"inci_name": "Arbutin (Hydroquinone Derivative)", "cas_number": None},
     {"inci_name": "Quicksilver", "cas_number": "7439-97-6"},
     {"inci_name": "Methylene   chloride", "cas_number": None}],
)
def test_banned_substances_are_flagged_for_the_operator(client, supplier, operator, overrides):
    listing = submit_new(client, supplier, category="active", **overrides)
    item = client.get(QUEUE, headers=operator.headers).json["items"][0]
    assert item["id"] == listing["id"]
    assert flag_codes(item) == ["banned_substance"]
    assert item["review_flags"][0]["message"]


def test_clean_listing_has_no_flags(client, supplier, operator):
    submit_new(client, supplier)
    [item] = client.get(QUEUE, headers=operator.headers).json["items"]
    assert item["review_flags"] == []


def test_flags_never_block_approval(client, supplier, operator):
    listing = submit_new(client, supplier, inci_name="Hydroquinone", cas_number="123-31-9")
    assert decide(client, operator, listing["id"], "approve").status_code == 200


def test_same_cas_with_another_inci_is_flagged(client, supplier, other_supplier, operator):
    make_listing(other_supplier, status="published", inci_name="Rosa Damascena Flower Extract",
                 cas_number="84696-47-9")
    make_listing(other_supplier, status="draft", inci_name="Something Else",
                 cas_number="84696-47-9")  # drafts do not count
    submit_new(client, supplier, inci_name="Rosa Rugosa Flower Extract", cas_number="84696-47-9")
    [item] = client.get(QUEUE, headers=operator.headers).json["items"]
    assert flag_codes(item) == ["cas_inci_mismatch"]
    assert "Rosa Damascena Flower Extract" in item["review_flags"][0]["message"]


def test_same_inci_with_another_cas_is_flagged(client, supplier, other_supplier, operator):
    make_listing(other_supplier, status="published", inci_name="rosa rugosa flower extract",
                 cas_number="90106-38-0")
    make_listing(other_supplier, status="published", inci_name="Rosa Rugosa Flower Extract",
                 cas_number=None)  # no CAS: nothing to disagree with
    submit_new(client, supplier, inci_name="Rosa Rugosa Flower Extract", cas_number="84696-47-9")
    [item] = client.get(QUEUE, headers=operator.headers).json["items"]
    assert flag_codes(item) == ["cas_inci_mismatch"]
    assert "90106-38-0" in item["review_flags"][0]["message"]


def test_matching_cas_and_inci_are_not_flagged(client, supplier, other_supplier, operator):
    make_listing(other_supplier, status="published")
    submit_new(client, supplier)
    [item] = client.get(QUEUE, headers=operator.headers).json["items"]
    assert item["review_flags"] == []


def _published_peers(owner, prices, **overrides):
    for price in prices:
        make_listing(owner, status="published", inci_name="Vitis Vinifera Seed Oil",
                     cas_number=None, category="vegetable_oil", moq="1",
                     price_tiers=[{"min_quantity": "1", "unit_price": price}], **overrides)


@pytest.mark.parametrize(("price", "flagged"),
                         [("19.99", True), ("20.00", False), ("100", False), ("500", False),
                          ("500.01", True)])
def test_price_far_from_the_median_is_flagged(client, supplier, other_supplier, operator,
                                              price, flagged):
    _published_peers(other_supplier, ["90", "95", "100", "110", "120"])  # median 100
    _published_peers(other_supplier, ["1", "1", "1", "1", "1"], unit="L")  # other unit
    submit_new(client, supplier, inci_name="Vitis Vinifera Seed Oil", cas_number=None,
               category="vegetable_oil", moq="1",
               price_tiers=[{"min_quantity": "1", "unit_price": price}])
    [item] = client.get(QUEUE, headers=operator.headers).json["items"]
    assert flag_codes(item) == (["price_outlier"] if flagged else [])


def test_price_outlier_needs_five_comparable_listings(client, supplier, other_supplier,
                                                      operator):
    _published_peers(other_supplier, ["100", "100", "100", "100"])
    _published_peers(other_supplier, ["100"], currency="USD")
    submit_new(client, supplier, inci_name="Vitis Vinifera Seed Oil", cas_number=None,
               category="vegetable_oil", moq="1",
               price_tiers=[{"min_quantity": "1", "unit_price": "1"}])
    [item] = client.get(QUEUE, headers=operator.headers).json["items"]
    assert item["review_flags"] == []
