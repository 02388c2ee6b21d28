"""POST /api/v1/checkouts: split per supplier, tier prices, validation, stock, payment."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from marketplace.catalog.models import Listing
from marketplace.extensions import db
from marketplace.orders.checkout import price_lines
from marketplace.orders.models import Checkout, Order
from marketplace.web.errors import Invalid
from tests.factories import checkout_body, make_account, make_listing

URL = "/api/v1/checkouts"
TIERS = [
    {"min_quantity": "5", "unit_price": "180.00"},
    {"min_quantity": "50", "unit_price": "160.00"},
    {"min_quantity": "200", "unit_price": "140.00"},
]


@pytest.fixture
def rose(supplier):
    return make_listing(supplier, status="published", stock_quantity="500", price_tiers=TIERS)


@pytest.fixture
def grape_seed(other_supplier):
    return make_listing(
        other_supplier, status="published", title_zh="宁夏葡萄籽油",
        inci_name="Vitis Vinifera Seed Oil", category="vegetable_oil", cas_number="8024-22-4",
        moq="1", stock_quantity="80.5",
        price_tiers=[{"min_quantity": "1", "unit_price": "95.50"},
                     {"min_quantity": "20", "unit_price": "88.88"}],
    )


def stock(listing):
    return db.session.scalar(select(Listing.stock_quantity).where(Listing.id == listing.id))


def test_lines_from_two_suppliers_make_two_orders_with_exact_tier_totals(
        client, buyer, rose, grape_seed, supplier, other_supplier):
    body = checkout_body((rose, "60.125"), (grape_seed, "2.5"))
    response = client.post(URL, json=body, headers=buyer.headers)
    assert response.status_code == 201, response.json
    data = response.json
    assert data["status"] == "pending_payment"
    assert data["currency"] == "CNY"
    # 60.125 kg at the 50 kg tier (160.00) = 9620.00; 2.5 kg at 95.50 = 238.75.
    assert data["total"] == "9858.75"
    orders = {order["supplier_id"]: order for order in data["orders"]}
    assert set(orders) == {supplier.org.id, other_supplier.org.id}
    rose_order = orders[supplier.org.id]
    assert rose_order["status"] == "pending_payment"
    assert rose_order["subtotal"] == "9620.00"
    assert rose_order["lines"] == [{
        "listing_id": rose.id, "title_zh": rose.title_zh, "inci_name": rose.inci_name,
        "unit": "kg", "quantity": "60.125", "unit_price": "160.00", "line_total": "9620.00",
    }]
    assert orders[other_supplier.org.id]["subtotal"] == "238.75"
    assert orders[other_supplier.org.id]["lines"][0]["unit_price"] == "95.50"
    assert stock(rose) == Decimal("439.875")
    assert stock(grape_seed) == Decimal("78.000")
    # The answer to the POST is built without the ORM; reading the rows back gives the same.
    assert client.get(f"{URL}/{data['id']}", headers=buyer.headers).json == data


def test_unit_price_is_the_quoted_one_and_rounds_half_up(client, buyer, rose):
    quote = client.get(f"/api/v1/listings/{rose.id}/quote?quantity=200.003")
    response = client.post(URL, json=checkout_body((rose, "200.003")), headers=buyer.headers)
    line = response.json["orders"][0]["lines"][0]
    assert line["unit_price"] == quote.json["unit_price"] == "140.00"
    assert line["line_total"] == quote.json["subtotal"] == "28000.42"  # 28000.42 (…0.420)


def test_response_carries_expiry_and_bank_transfer_instructions(client, buyer, rose, app):
    response = client.post(URL, json=checkout_body((rose, 5)), headers=buyer.headers)
    data = response.json
    payment = data["payment"]
    assert payment["method"] == "bank_transfer"
    assert payment["status"] == "pending"
    assert payment["amount"] == data["total"] == "900.00"
    assert re.fullmatch(r"MG-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", payment["reference"])
    assert payment["bank_account"] == {
        "name": app.config["BANK_ACCOUNT_NAME"], "number": app.config["BANK_ACCOUNT_NUMBER"],
        "bank": app.config["BANK_NAME"],
    }
    checkout = db.session.get(Checkout, data["id"])
    ttl = (checkout.expires_at - checkout.created_at).total_seconds()
    assert ttl == app.config["CHECKOUT_TTL_MINUTES"] * 60
    assert data["expires_at"].endswith("+00:00")


def test_checkout_is_readable_by_its_buyer_and_operators_only(client, buyer, rose, supplier,
                                                              operator):
    created = client.post(URL, json=checkout_body((rose, 5)), headers=buyer.headers).json
    url = f"{URL}/{created['id']}"
    assert client.get(url, headers=buyer.headers).json == created
    assert client.get(url, headers=operator.headers).status_code == 200
    assert client.get(url, headers=supplier.headers).status_code == 404
    assert client.get(url, headers=make_account("buyer").headers).status_code == 404
    assert client.get(url).status_code == 401


def test_only_buyer_organizations_check_out(client, supplier, operator, grape_seed):
    body = checkout_body((grape_seed, 1))
    assert client.post(URL, json=body, headers=supplier.headers).status_code == 403
    assert client.post(URL, json=body, headers=operator.headers).status_code == 403
    assert client.post(URL, json=body).status_code == 401


def _line_errors(response):
    assert response.status_code == 422, response.json
    return response.json["errors"]["json"]["items"]


@pytest.mark.parametrize(("quantity", "message"), [
    ("0", "greater than 0"), ("-5", "greater than 0"), ("5.0001", "3 decimal places"),
    ("abc", "valid"),
])
def test_bad_quantity_names_the_line(client, buyer, rose, grape_seed, quantity, message):
    body = checkout_body((grape_seed, 1), (rose, quantity))
    errors = _line_errors(client.post(URL, json=body, headers=buyer.headers))
    assert list(errors) == ["1"]
    assert message in errors["1"]["quantity"][0]


def test_below_moq_names_the_line(client, buyer, rose, grape_seed):
    errors = _line_errors(client.post(URL, json=checkout_body((grape_seed, 1), (rose, "4.999")),
                                      headers=buyer.headers))
    assert errors == {"1": {"quantity": ["Below the minimum order quantity of 5.000 kg."]}}
    assert stock(rose) == Decimal("500.000")


@pytest.mark.parametrize("status", ["draft", "pending_review", "rejected", "suspended",
                                    "archived"])
def test_unpublished_listing_names_the_line(client, buyer, supplier, grape_seed, status):
    hidden = make_listing(supplier, status=status)
    errors = _line_errors(client.post(URL, json=checkout_body((grape_seed, 1), (hidden, 5)),
                                      headers=buyer.headers))
    assert errors == {"1": {"listing_id": ["No published listing with this id."]}}
    assert stock(grape_seed) == Decimal("80.500")


def test_unknown_listing_and_every_bad_line_are_named(client, buyer, rose):
    body = checkout_body(("lst_doesnotexist00000", 5), (rose, 5), (rose, 1))
    errors = _line_errors(client.post(URL, json=body, headers=buyer.headers))
    assert errors["0"] == {"listing_id": ["No published listing with this id."]}
    assert "1" not in errors
    assert "already on line 1" in errors["2"]["listing_id"][0]


def test_duplicate_listing_lines_are_refused_not_merged(client, buyer, rose):
    errors = _line_errors(client.post(URL, json=checkout_body((rose, 5), (rose, 50)),
                                      headers=buyer.headers))
    assert errors == {"1": {"listing_id": [
        "This listing is already on line 0; put the whole quantity on one line."]}}


def test_mixed_currencies_are_refused(client, buyer, rose, other_supplier):
    dollars = make_listing(other_supplier, status="published", currency="USD")
    errors = _line_errors(client.post(URL, json=checkout_body((rose, 5), (dollars, 5)),
                                      headers=buyer.headers))
    assert list(errors) == ["1"]
    assert "Priced in USD" in errors["1"]["listing_id"][0]
    assert stock(rose) == Decimal("500.000")


def test_an_organization_cannot_buy_its_own_listing(app, supplier, rose):
    with pytest.raises(Invalid) as caught:
        price_lines(supplier.org.id, [{"listing_id": rose.id, "quantity": Decimal(5)}])
    assert caught.value.errors == {"json": {"items": {"0": {"listing_id": [
        "An organization cannot buy its own listing."]}}}}


def test_disabled_payment_method_is_422(client, buyer, rose):
    response = client.post(URL, json=checkout_body((rose, 5), payment_method="stripe"),
                           headers=buyer.headers)
    assert response.status_code == 422
    assert "payment_method" in response.json["errors"]["json"]


@pytest.mark.parametrize("body", [
    {}, {"items": [], "shipping_address": {}},
    checkout_body(("lst_x", 1), shipping_address={"recipient": "x"}),
])
def test_malformed_bodies_are_422(client, buyer, body):
    assert client.post(URL, json=body, headers=buyer.headers).status_code == 422


def test_short_stock_is_409_naming_the_lines_and_reserves_nothing(client, buyer, rose,
                                                                  grape_seed, other_supplier):
    third = make_listing(other_supplier, status="published", moq="1", stock_quantity="3",
                         price_tiers=[{"min_quantity": "1", "unit_price": "10.00"}])
    body = checkout_body((rose, 100), (grape_seed, "80.501"), (third, "3.5"))
    response = client.post(URL, json=body, headers=buyer.headers)
    assert response.status_code == 409
    data = response.json
    assert data["message"] == "Not enough stock for 2 line(s); nothing was reserved."
    assert data["errors"]["json"]["items"] == {
        "1": {"quantity": ["Only 80.500 kg in stock; 80.501 requested."]},
        "2": {"quantity": ["Only 3.000 kg in stock; 3.500 requested."]},
    }
    assert data["errors"]["short"] == [
        {"line": 1, "listing_id": grape_seed.id, "requested": "80.501", "available": "80.500"},
        {"line": 2, "listing_id": third.id, "requested": "3.500", "available": "3.000"},
    ]
    assert (stock(rose), stock(grape_seed), stock(third)) == (
        Decimal("500.000"), Decimal("80.500"), Decimal("3.000"))
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_a_line_that_cannot_be_ordered_is_named_before_any_shortage(client, buyer, rose,
                                                                     grape_seed):
    # Line 0 is short, line 1 below the MOQ (its stock would cover it): 422 for line 1,
    # and whatever either path took meanwhile is given back.
    body = checkout_body((grape_seed, 81), (rose, "0.5"))
    response = client.post(URL, json=body, headers=buyer.headers)
    assert response.status_code == 422
    assert response.json["errors"]["json"]["items"] == {
        "1": {"quantity": ["Below the minimum order quantity of 5.000 kg."]}}
    assert (stock(rose), stock(grape_seed)) == (Decimal("500.000"), Decimal("80.500"))


def test_exact_remaining_stock_can_be_bought(client, buyer, grape_seed):
    response = client.post(URL, json=checkout_body((grape_seed, "80.5")), headers=buyer.headers)
    assert response.status_code == 201
    assert stock(grape_seed) == Decimal("0.000")
    again = client.post(URL, json=checkout_body((grape_seed, 1)), headers=buyer.headers)
    assert again.status_code == 409


def test_stock_reservation_bumps_the_listing_version(client, buyer, rose):
    before = rose.version
    client.post(URL, json=checkout_body((rose, 5)), headers=buyer.headers)
    assert db.session.scalar(select(Listing.version).where(Listing.id == rose.id)) == before + 1


def test_reference_collision_draws_a_new_reference(client, buyer, rose, monkeypatch):
    import payments.bank_transfer as bank

    first = client.post(URL, json=checkout_body((rose, 5)), headers=buyer.headers).json
    drawn = iter([first["payment"]["reference"], "MG-2222-3333"])
    monkeypatch.setattr(bank, "new_reference", lambda prefix="MG": next(drawn))
    second = client.post(URL, json=checkout_body((rose, 5)), headers=buyer.headers)
    assert second.status_code == 201
    assert second.json["payment"]["reference"] == "MG-2222-3333"
