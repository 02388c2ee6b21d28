"""Suppliers' listings: create, read, edit (ETag/If-Match), submit, archive, quote, scoping."""

import pytest

from tests.factories import listing_body, make_account, make_listing

LISTINGS = "/api/v1/listings"


def url(listing, suffix=""):
    listing_id = listing if isinstance(listing, str) else listing.id
    return f"{LISTINGS}/{listing_id}{suffix}"


def create(client, account, **overrides):
    return client.post(LISTINGS, json=listing_body(**overrides), headers=account.headers)


def with_if_match(account, value):
    return {**account.headers, "If-Match": value}


# --------------------------------------------------------------------------- create


def test_supplier_creates_a_draft_with_etag(client, supplier):
    response = create(client, supplier)
    assert response.status_code == 201
    body = response.json
    assert response.headers["ETag"] == '"1"'
    assert body["version"] == 1
    assert body["status"] == "draft"
    assert body["id"].startswith("lst_")
    assert body["supplier"] == {"id": supplier.org.id, "name": "平阴玫瑰测试供应商",
                                "verified": True}
    assert body["title_zh"] == "平阴重瓣玫瑰花提取物"
    assert body["origin"] == {"country": "CN", "province": "山东", "city": "济南"}
    assert body["iecic"] == {"listed": True, "name_zh": "玫瑰（ROSA RUGOSA）花提取物",
                             "serial": None}
    assert body["moq"] == "5.000"
    assert body["stock_quantity"] == "500.000"
    assert body["price_tiers"] == [
        {"min_quantity": "5.000", "unit_price": "180.00"},
        {"min_quantity": "50.000", "unit_price": "160.00"},
        {"min_quantity": "200.000", "unit_price": "140.00"},
    ]
    assert body["min_unit_price"] == "140.00"
    assert body["currency"] == "CNY"
    assert body["published_at"] is None
    assert body["rejection_reason"] is None

    fetched = client.get(url(body["id"]), headers=supplier.headers)
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.json == body


def test_optional_fields_get_defaults_and_numbers_are_accepted(client, supplier):
    body = {
        "title_zh": "宁夏葡萄籽油", "inci_name": "Vitis  Vinifera   Seed Oil",
        "category": "vegetable_oil", "origin": {"country": "CN"}, "unit": "kg",
        "moq": 25, "stock_quantity": 1000.5,
        "price_tiers": [{"min_quantity": 25, "unit_price": 68.5}],
    }
    response = client.post(LISTINGS, json=body, headers=supplier.headers)
    assert response.status_code == 201, response.json
    created = response.json
    assert created["inci_name"] == "Vitis Vinifera Seed Oil"
    assert created["currency"] == "CNY"
    assert created["certifications"] == []
    assert created["incoterms"] == []
    assert created["specifications"] == []
    assert created["iecic"] == {"listed": False, "name_zh": None, "serial": None}
    assert created["sample_available"] is False
    assert created["origin"] == {"country": "CN", "province": None, "city": None}
    assert created["stock_quantity"] == "1000.500"
    assert created["min_unit_price"] == "68.50"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "perfume"}, "category"),
        ({"certifications": ["ORGANIC_ISH"]}, "certifications"),
        ({"certifications": ["GI", "GI"]}, "certifications"),
        ({"unit": "lb"}, "unit"),
        ({"incoterms": ["FOB", "XYZ"]}, "incoterms"),
        ({"origin": {"country": "XX"}}, "origin"),
        ({"origin": {"province": "山东"}}, "origin"),
        ({"cas_number": "84696-47-8"}, "cas_number"),
        ({"cas_number": "rose"}, "cas_number"),
        ({"ec_number": "283-652-1"}, "ec_number"),
        ({"currency": "GBP"}, "currency"),
        ({"title_zh": ""}, "title_zh"),
        ({"title_zh": "   "}, "title_zh"),
        ({"inci_name": None}, "inci_name"),
        ({"moq": "0"}, "moq"),
        ({"moq": "5.0001"}, "moq"),
        ({"stock_quantity": "-1"}, "stock_quantity"),
        ({"lead_time_days": 400}, "lead_time_days"),
        ({"iecic": {"name_zh": "玫瑰"}}, "iecic"),
        ({"specifications": [{"parameter": "pH"}]}, "specifications"),
        ({"status": "published"}, "status"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(client, supplier, overrides, field):
    response = create(client, supplier, **overrides)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


@pytest.mark.parametrize("field", ["title_zh", "inci_name", "category", "origin", "unit", "moq",
                                   "stock_quantity", "price_tiers"])
def test_required_fields(client, supplier, field):
    body = listing_body()
    del body[field]
    response = client.post(LISTINGS, json=body, headers=supplier.headers)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


@pytest.mark.parametrize(
    "tiers",
    [
        [],
        [{"min_quantity": "5", "unit_price": "180"}, {"min_quantity": "5", "unit_price": "170"}],
        [{"min_quantity": "5", "unit_price": "180"}, {"min_quantity": "50", "unit_price": "170"},
         {"min_quantity": "20", "unit_price": "160"}],
        [{"min_quantity": "10", "unit_price": "180"}],
        [{"min_quantity": "5", "unit_price": "180"}, {"min_quantity": "50", "unit_price": "190"}],
        [{"min_quantity": "5", "unit_price": "180.001"}],
        [{"min_quantity": "5", "unit_price": "0"}],
        [{"min_quantity": "5.0001", "unit_price": "180"}],
        [{"min_quantity": "5"}],
    ],
    ids=["empty", "repeated", "not-ascending", "first-not-moq", "price-increases",
         "three-decimal-price", "zero-price", "four-decimal-quantity", "no-price"],
)
def test_price_tier_rules(client, supplier, tiers):
    response = create(client, supplier, price_tiers=tiers)
    assert response.status_code == 422
    assert "price_tiers" in response.json["errors"]["json"]


def test_buyer_cannot_create_and_anonymous_is_401(client, buyer):
    assert create(client, buyer).status_code == 403
    assert client.post(LISTINGS, json=listing_body()).status_code == 401


# --------------------------------------------------------------------------- read / scoping


def test_published_listing_is_public_but_a_draft_is_not(client, supplier, buyer, operator):
    published = make_listing(supplier, status="published")
    draft = make_listing(supplier)
    anonymous = client.get(url(published))
    assert anonymous.status_code == 200
    assert anonymous.headers["ETag"] == f'"{published.version}"'
    assert client.get(url(published), headers=buyer.headers).status_code == 200
    assert client.get(url(draft)).status_code == 404
    assert client.get(url(draft), headers=buyer.headers).status_code == 404
    assert client.get(url(draft), headers={"Authorization": "Bearer nonsense"}).status_code == 404
    assert client.get(url(draft), headers=operator.headers).status_code == 200
    assert client.get(url(draft), headers=supplier.headers).status_code == 200
    assert client.get(url("lst_doesnotexist00000")).status_code == 404


def test_colleague_of_the_owner_sees_and_edits_drafts(client, supplier):
    colleague = make_account(None)
    from tests.factories import MembershipFactory

    MembershipFactory(user=colleague.user, organization=supplier.org, role="member")
    draft = make_listing(supplier)
    assert client.get(url(draft), headers=colleague.headers).status_code == 200
    patched = client.patch(url(draft), json={"stock_quantity": "1"}, headers=colleague.headers)
    assert patched.status_code == 200


@pytest.mark.parametrize("status", ["draft", "pending_review", "rejected", "suspended",
                                    "archived"])
def test_other_suppliers_unpublished_listing_is_404_everywhere(client, supplier, other_supplier,
                                                              status):
    listing = make_listing(other_supplier, status=status)
    headers = supplier.headers
    assert client.get(url(listing), headers=headers).status_code == 404
    assert client.patch(url(listing), json={"stock_quantity": "1"},
                        headers=headers).status_code == 404
    assert client.post(url(listing, "/submit"), headers=headers).status_code == 404
    assert client.post(url(listing, "/archive"), headers=headers).status_code == 404
    assert client.get(url(listing, "/quote?quantity=10"), headers=headers).status_code == 404
    assert client.get(url(listing, "/quote?quantity=10")).status_code == 404


def test_other_suppliers_published_listing_is_visible_but_not_editable(client, supplier,
                                                                      other_supplier, buyer):
    listing = make_listing(other_supplier, status="published")
    assert client.get(url(listing), headers=supplier.headers).status_code == 200
    patch = client.patch(url(listing), json={"stock_quantity": "1"}, headers=supplier.headers)
    assert patch.status_code == 403
    assert client.post(url(listing, "/submit"), headers=supplier.headers).status_code == 403
    assert client.post(url(listing, "/archive"), headers=supplier.headers).status_code == 403
    assert client.patch(url(listing), json={"stock_quantity": "1"},
                        headers=buyer.headers).status_code == 403
    assert client.get(url(listing)).json["stock_quantity"] == "500.000"


# --------------------------------------------------------------------------- PATCH


def test_patch_bumps_version_and_etag(client, supplier):
    listing_id = create(client, supplier).json["id"]
    first = client.patch(url(listing_id), json={"title_en": "Rose Extract"},
                         headers=supplier.headers)
    assert first.status_code == 200
    assert first.json["title_en"] == "Rose Extract"
    assert first.json["version"] == 2
    assert first.headers["ETag"] == '"2"'
    second = client.patch(url(listing_id), json={"stock_quantity": "12.5"},
                          headers=supplier.headers)
    assert second.json["version"] == 3
    assert second.json["stock_quantity"] == "12.500"
    assert second.json["updated_at"] >= first.json["updated_at"]
    assert second.json["status"] == "draft"


def test_noop_patch_keeps_version(client, supplier):
    created = create(client, supplier).json
    same = client.patch(url(created["id"]), headers=supplier.headers, json={
        "title_zh": created["title_zh"], "moq": 5, "certifications": ["ISO_22716", "GI"],
        "origin": {"country": "CN", "province": "山东", "city": "济南"},
        "price_tiers": created["price_tiers"],
    })
    assert same.status_code == 200
    assert same.json["version"] == 1
    assert same.json["updated_at"] == created["updated_at"]
    empty = client.patch(url(created["id"]), json={}, headers=supplier.headers)
    assert empty.status_code == 200
    assert empty.json["version"] == 1


def test_stale_if_match_is_412_and_changes_nothing(client, supplier):
    listing_id = create(client, supplier).json["id"]
    client.patch(url(listing_id), json={"stock_quantity": "1"}, headers=supplier.headers)
    stale = client.patch(url(listing_id), json={"title_zh": "改过的标题", "stock_quantity": "2"},
                         headers=with_if_match(supplier, '"1"'))
    assert stale.status_code == 412
    current = client.get(url(listing_id), headers=supplier.headers).json
    assert current["version"] == 2
    assert current["title_zh"] == "平阴重瓣玫瑰花提取物"
    assert current["stock_quantity"] == "1.000"


@pytest.mark.parametrize("if_match", ['"1"', "1", '"7", "1"', "*"])
def test_matching_if_match_is_accepted_in_every_form(client, supplier, if_match):
    listing_id = create(client, supplier).json["id"]
    response = client.patch(url(listing_id), json={"stock_quantity": "3"},
                            headers=with_if_match(supplier, if_match))
    assert response.status_code == 200
    assert response.json["version"] == 2


@pytest.mark.parametrize("if_match", ['W/"1"', "one", '"2"', '"1'])
def test_non_matching_or_weak_if_match_is_412(client, supplier, if_match):
    listing_id = create(client, supplier).json["id"]
    response = client.patch(url(listing_id), json={"stock_quantity": "3"},
                            headers=with_if_match(supplier, if_match))
    assert response.status_code == 412
    assert client.get(url(listing_id), headers=supplier.headers).json["version"] == 1


def test_patch_moq_alone_must_still_fit_the_tiers(client, supplier):
    listing_id = create(client, supplier).json["id"]
    response = client.patch(url(listing_id), json={"moq": "10"}, headers=supplier.headers)
    assert response.status_code == 422
    assert "price_tiers" in response.json["errors"]["json"]
    assert client.get(url(listing_id), headers=supplier.headers).json["moq"] == "5.000"

    both = client.patch(url(listing_id), headers=supplier.headers, json={
        "moq": "10", "price_tiers": [{"min_quantity": "10", "unit_price": "175"},
                                     {"min_quantity": "100", "unit_price": "150"}]})
    assert both.status_code == 200
    assert both.json["moq"] == "10.000"
    assert both.json["min_unit_price"] == "150.00"
    assert len(both.json["price_tiers"]) == 2


def test_patch_tiers_alone_must_start_at_the_stored_moq(client, supplier):
    listing_id = create(client, supplier).json["id"]
    response = client.patch(url(listing_id), headers=supplier.headers,
                            json={"price_tiers": [{"min_quantity": "1", "unit_price": "200"}]})
    assert response.status_code == 422
    assert "price_tiers" in response.json["errors"]["json"]


@pytest.mark.parametrize(
    ("patch", "field"),
    [({"title_zh": None}, "title_zh"), ({"category": "perfume"}, "category"),
     ({"origin": {"province": "云南"}}, "origin"), ({"id": "lst_x"}, "id"),
     ({"price_tiers": [{"min_quantity": "5"}]}, "price_tiers")],
)
def test_patch_validates_like_create(client, supplier, patch, field):
    listing_id = create(client, supplier).json["id"]
    response = client.patch(url(listing_id), json=patch, headers=supplier.headers)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_commercial_edit_keeps_a_published_listing_published(client, supplier):
    listing = make_listing(supplier, status="published")
    response = client.patch(url(listing), headers=supplier.headers, json={
        "stock_quantity": "20", "lead_time_days": 3,
        "price_tiers": [{"min_quantity": "5", "unit_price": "170"},
                        {"min_quantity": "50", "unit_price": "150"}],
    })
    assert response.status_code == 200
    assert response.json["status"] == "published"
    assert response.json["min_unit_price"] == "150.00"
    assert client.get(url(listing)).json["stock_quantity"] == "20.000"


@pytest.mark.parametrize("patch", [{"title_zh": "平阴玫瑰精油"}, {"cas_number": None},
                                   {"stock_quantity": "9", "description": "新批次"},
                                   {"origin": {"country": "CN", "province": "甘肃"}}])
def test_content_edit_sends_a_published_listing_back_to_review(client, supplier, patch):
    listing = make_listing(supplier, status="published")
    response = client.patch(url(listing), json=patch, headers=supplier.headers)
    assert response.status_code == 200
    assert response.json["status"] == "pending_review"
    assert response.json["submitted_at"] is not None
    assert client.get(url(listing)).status_code == 404  # no longer public


def test_archived_listing_cannot_be_edited(client, supplier):
    listing = make_listing(supplier, status="archived")
    response = client.patch(url(listing), json={"stock_quantity": "1"}, headers=supplier.headers)
    assert response.status_code == 409


# --------------------------------------------------------------------------- workflow


def test_submit_then_archive(client, supplier):
    listing_id = create(client, supplier).json["id"]
    submitted = client.post(url(listing_id, "/submit"), headers=supplier.headers)
    assert submitted.status_code == 200
    assert submitted.json["status"] == "pending_review"
    assert submitted.json["submitted_at"] is not None
    assert submitted.json["version"] == 2
    assert submitted.headers["ETag"] == '"2"'
    assert client.post(url(listing_id, "/submit"), headers=supplier.headers).status_code == 409

    archived = client.post(url(listing_id, "/archive"), headers=supplier.headers)
    assert archived.status_code == 200
    assert archived.json["status"] == "archived"
    assert client.post(url(listing_id, "/archive"), headers=supplier.headers).status_code == 409
    assert client.post(url(listing_id, "/submit"), headers=supplier.headers).status_code == 409


@pytest.mark.parametrize("status", ["pending_review", "published", "suspended", "archived"])
def test_only_drafts_and_rejected_listings_can_be_submitted(client, supplier, status):
    listing = make_listing(supplier, status=status)
    assert client.post(url(listing, "/submit"), headers=supplier.headers).status_code == 409


@pytest.mark.parametrize("status", ["draft", "pending_review", "published", "rejected",
                                    "suspended"])
def test_any_listing_can_be_archived(client, supplier, status):
    listing = make_listing(supplier, status=status)
    response = client.post(url(listing, "/archive"), headers=supplier.headers)
    assert response.status_code == 200
    assert response.json["status"] == "archived"


def test_unknown_listing_is_404_for_every_supplier_action(client, supplier):
    missing = "lst_doesnotexist00000"
    assert client.patch(url(missing), json={}, headers=supplier.headers).status_code == 404
    assert client.post(url(missing, "/submit"), headers=supplier.headers).status_code == 404
    assert client.post(url(missing, "/archive"), headers=supplier.headers).status_code == 404
    assert client.get(url(missing, "/quote?quantity=1")).status_code == 404


# --------------------------------------------------------------------------- my listings


def test_my_listings_are_scoped_filtered_and_newest_first(client, supplier, other_supplier, buyer):
    first = create(client, supplier, title_zh="第一").json["id"]
    second = create(client, supplier, title_zh="第二").json["id"]
    client.post(url(second, "/submit"), headers=supplier.headers)
    make_listing(other_supplier)

    mine = client.get("/api/v1/organizations/me/listings", headers=supplier.headers)
    assert mine.status_code == 200
    assert mine.json["total"] == 2
    assert [item["id"] for item in mine.json["items"]] == [second, first]
    assert mine.json["page"] == 1
    assert mine.json["per_page"] == 20

    drafts = client.get("/api/v1/organizations/me/listings?status=draft", headers=supplier.headers)
    assert [item["id"] for item in drafts.json["items"]] == [first]

    paged = client.get("/api/v1/organizations/me/listings?per_page=1&page=2",
                       headers=supplier.headers)
    assert paged.json["total"] == 2
    assert [item["id"] for item in paged.json["items"]] == [first]

    bad = client.get("/api/v1/organizations/me/listings?status=gone", headers=supplier.headers)
    assert bad.status_code == 422
    assert client.get("/api/v1/organizations/me/listings",
                      headers=buyer.headers).status_code == 403


# --------------------------------------------------------------------------- quote


@pytest.mark.parametrize(
    ("quantity", "unit_price", "subtotal"),
    [("5", "180.00", "900.00"), ("49.999", "180.00", "8999.82"), ("50", "160.00", "8000.00"),
     ("199", "160.00", "31840.00"), ("200", "140.00", "28000.00"),
     ("1000.5", "140.00", "140070.00")],
)
def test_quote_uses_the_tier_for_the_quantity(client, supplier, buyer, quantity, unit_price,
                                              subtotal):
    listing = make_listing(supplier, status="published")
    response = client.get(url(listing, f"/quote?quantity={quantity}"), headers=buyer.headers)
    assert response.status_code == 200
    assert response.json == {
        "listing_id": listing.id, "quantity": f"{float(quantity):.3f}",
        "unit_price": unit_price, "subtotal": subtotal, "currency": "CNY",
    }


def test_quote_rounds_the_subtotal_half_up_to_the_fen(client, supplier):
    listing = make_listing(supplier, status="published", moq="0.001",
                           price_tiers=[{"min_quantity": "0.001", "unit_price": "0.05"}])
    response = client.get(url(listing, "/quote?quantity=0.1"))
    assert response.json["subtotal"] == "0.01"  # 0.005 rounds up
    assert client.get(url(listing, "/quote?quantity=0.001")).json["subtotal"] == "0.00"


@pytest.mark.parametrize("quantity", ["4.999", "0.001"])
def test_quote_below_moq_is_422(client, supplier, quantity):
    listing = make_listing(supplier, status="published")
    response = client.get(url(listing, f"/quote?quantity={quantity}"))
    assert response.status_code == 422
    assert "quantity" in response.json["errors"]["json"]


@pytest.mark.parametrize("quantity", ["0", "-5", "abc", "1.0001"])
def test_quote_needs_a_positive_quantity(client, supplier, quantity):
    listing = make_listing(supplier, status="published")
    assert client.get(url(listing, f"/quote?quantity={quantity}")).status_code == 422


def test_owner_can_quote_own_draft(client, supplier):
    listing = make_listing(supplier)
    response = client.get(url(listing, "/quote?quantity=50"), headers=supplier.headers)
    assert response.status_code == 200
    assert response.json["unit_price"] == "160.00"
