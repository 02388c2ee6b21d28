"""Input no database can store, JSON the parser cannot safely read, and loosely spelled
numbers are refused with the error shape — never a 500 — and a row stored before they were
refused cannot break the lists that show it (issue 12).

Bodies with lone surrogates are sent as `json.dumps` writes them (`"\\ud800"` escapes), as a
client would; the test client's `json=` would encode them with the app's provider, which
writes U+FFFD in their place.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import DBAPIError

from marketplace.catalog.models import Listing
from marketplace.extensions import db
from marketplace.samples.models import SampleRequest
from marketplace.web.json import MAX_DEPTH
from marketplace.web.schema import NUL_MESSAGE, SURROGATE_MESSAGE
from tests.factories import SHIPPING_ADDRESS, listing_body, make_listing

REGISTER = {"email": "lone@example.com", "password": "long-enough-password",
            "display_name": "王经理", "organization": {"name": "清妍化妆品", "kind": "buyer"}}


def send(client: Any, method: str, url: str, body: Any = None, *, raw: str | bytes | None = None,
         headers: dict[str, str] | None = None) -> Any:
    data = raw if raw is not None else json.dumps(body)
    return client.open(url, method=method, data=data, content_type="application/json",
                       headers=headers or {})


def assert_error_shape(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == status
    assert body["status"]
    return body


# --------------------------------------------------------------------------- lone surrogates


@pytest.mark.parametrize("surrogate", ["\ud800", "\udbff", "\udc00", "\udfff"])
def test_registration_without_a_token_names_the_field(client, surrogate):
    body = {**REGISTER, "display_name": f"王{surrogate}经理",
            "organization": {"name": f"{surrogate}清妍", "kind": "buyer"}}
    response = send(client, "POST", "/api/v1/auth/register", body)
    assert assert_error_shape(response, 422)["errors"]["json"] == {
        "display_name": [SURROGATE_MESSAGE], "organization": {"name": [SURROGATE_MESSAGE]}}


def test_login_without_a_token_names_the_field(client):
    response = send(client, "POST", "/api/v1/auth/tokens",
                    {"email": "a\udfff@example.com", "password": "pass\ud83d"})
    assert assert_error_shape(response, 422)["errors"]["json"] == {
        "email": [SURROGATE_MESSAGE], "password": [SURROGATE_MESSAGE]}


def test_a_valid_pair_is_a_character_and_is_kept(client, supplier):
    response = send(client, "POST", "/api/v1/listings",
                    listing_body(description="玫瑰 \ud83c\udf39"), headers=supplier.headers)
    assert response.status_code == 201, response.json
    assert response.json["description"] == "玫瑰 🌹"


def test_json_columns_keys_and_both_problems_at_once(client, supplier, buyer):
    listing = send(client, "POST", "/api/v1/listings", listing_body(
        specifications=[{"parameter": "pH", "value": "4\ud800"}]), headers=supplier.headers)
    assert assert_error_shape(listing, 422)["errors"]["json"] == {
        "specifications": {"0": {"value": [SURROGATE_MESSAGE]}}}

    rose = make_listing(supplier, status="published", sample_available=True)
    sample = send(client, "POST", f"/api/v1/listings/{rose.id}/sample-requests", {
        "shipping_address": {**SHIPPING_ADDRESS, "line1": "\x00浦东\udc80", "x\ud800": "y"},
    }, headers=buyer.headers)
    assert assert_error_shape(sample, 422)["errors"]["json"] == {"shipping_address": {
        "line1": [NUL_MESSAGE, SURROGATE_MESSAGE], "x\ufffd": [SURROGATE_MESSAGE]}}


def test_import_rows_are_checked_by_the_base_schema():
    from marshmallow import ValidationError

    from marketplace.catalog.schemas import ListingInputSchema

    with pytest.raises(ValidationError) as refused:
        ListingInputSchema().load(listing_body(title_zh="玫瑰\udcff"))
    assert refused.value.messages == {"title_zh": [SURROGATE_MESSAGE]}


def test_query_strings_never_carry_a_surrogate(client, operator):
    # The percent-encoded UTF-8 bytes of U+D800 are not UTF-8: Werkzeug decodes them to U+FFFD.
    response = client.get("/api/v1/search/listings?q=%ED%A0%80", headers=operator.headers)
    assert response.status_code == 200, response.json


def test_invalid_utf8_in_a_body_is_malformed_json(client):
    response = send(client, "POST", "/api/v1/auth/tokens",
                    raw=b'{"email": "\xed\xa0\x80@example.com", "password": "x"}')
    assert assert_error_shape(response, 400)["errors"] == {"json": ["Invalid JSON body."]}


# --------------------------------------------------------------------------- rows stored before


@pytest.fixture
def stored_before(client, buyer, supplier, operator):
    """A sample request and two listings whose JSON columns hold a lone surrogate, written
    the way the app wrote them before input was checked: through SQLAlchemy's JSON type,
    which stores the `"\\ud800"` escape (accepted by SQLite and by PostgreSQL's `json`)."""
    rose = make_listing(supplier, status="published", sample_available=True)
    pending = make_listing(supplier, status="pending_review", title_zh="待审玫瑰")
    sample = send(client, "POST", f"/api/v1/listings/{rose.id}/sample-requests",
                  {"shipping_address": SHIPPING_ADDRESS}, headers=buyer.headers)
    assert sample.status_code == 201, sample.json
    bad_spec = [{"parameter": "pH\ud800", "value": "4.0-6.0"}]
    db.session.execute(update(Listing).where(Listing.id.in_([rose.id, pending.id]))
                       .values(specifications=bad_spec))
    db.session.execute(update(SampleRequest).where(SampleRequest.id == sample.json["id"])
                       .values(shipping_address={**SHIPPING_ADDRESS, "line1": "张江路\udc80"}))
    db.session.commit()
    raw = db.session.scalar(text("SELECT shipping_address FROM sample_requests WHERE id = :id"),
                            {"id": sample.json["id"]})
    stored = raw if isinstance(raw, str) else json.dumps(raw)  # SQLite: text; PostgreSQL: json
    assert "\\udc80" in stored
    return {"listing": rose.id, "pending": pending.id, "sample": sample.json["id"]}


@pytest.mark.parametrize(("who", "url", "field"), [
    ("supplier", "/api/v1/sample-requests", "shipping_address"),
    ("buyer", "/api/v1/sample-requests", "shipping_address"),
    ("supplier", "/api/v1/organizations/me/listings", "specifications"),
    ("operator", "/api/v1/moderation/listings", "specifications"),
])
def test_one_bad_row_never_breaks_a_list(client, buyer, supplier, operator, stored_before,
                                         who, url, field):
    account = {"buyer": buyer, "supplier": supplier, "operator": operator}[who]
    response = client.get(url, headers=account.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    items = response.json["items"]
    assert items
    shown = json.dumps([item[field] for item in items], ensure_ascii=False)
    assert "\ufffd" in shown  # the lone surrogate, replaced
    response.get_data().decode("utf-8")  # strict UTF-8


def test_the_objects_themselves_still_open(client, buyer, supplier, stored_before):
    sample = client.get(f"/api/v1/sample-requests/{stored_before['sample']}",
                        headers=supplier.headers)
    assert sample.status_code == 200
    assert sample.json["shipping_address"]["line1"] == "张江路\ufffd"
    listing = client.get(f"/api/v1/listings/{stored_before['listing']}", headers=buyer.headers)
    assert listing.status_code == 200
    assert listing.json["specifications"][0]["parameter"] == "pH\ufffd"


def test_text_columns_could_never_hold_one(app, supplier):
    """Text columns cannot have such a row: both drivers refuse to encode a lone surrogate,
    so the write failed (before this fix, a 500) and nothing was stored. PostgreSQL cannot
    even spell one in SQL."""
    statement = text("UPDATE organizations SET name = :name WHERE id = :id")
    with pytest.raises(UnicodeEncodeError, match="surrogates not allowed"), (
            db.session.begin_nested()):
        db.session.execute(statement, {"name": "供应商\ud800", "id": supplier.org.id})
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="not valid for encoding"), db.session.begin_nested():
            db.session.execute(text("SELECT chr(55296)"))


# --------------------------------------------------------------------------- malformed JSON


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1_000, 100_000])
@pytest.mark.parametrize("bracket", ["[]", '{"a":}'])
def test_deep_nesting_is_malformed_json_without_a_token(client, depth, bracket):
    opening, closing = bracket[:-1], bracket[-1]
    raw = '{"email": ' + opening * depth + "1" + closing * depth + ', "password": "x"}'
    response = send(client, "POST", "/api/v1/auth/tokens", raw=raw)
    body = assert_error_shape(response, 400)
    assert body["errors"] == {"json": ["Invalid JSON body."]}
    assert "nested" in body["message"]


def test_nesting_up_to_the_limit_is_read_and_brackets_in_text_do_not_count(client):
    nested = "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    response = send(client, "POST", "/api/v1/auth/tokens",
                    raw='{"email": ' + nested + ', "password": "x"}')
    assert assert_error_shape(response, 422)["errors"]["json"]["email"]
    response = send(client, "POST", "/api/v1/auth/tokens",
                    {"email": "[" * 5_000 + '\\"{', "password": "x"})
    assert response.status_code in (401, 422), response.json


def test_a_deep_body_is_refused_even_where_the_route_reads_none(client, buyer):
    response = send(client, "DELETE", "/api/v1/auth/tokens/current",
                    raw="[" * 1_000 + "]" * 1_000, headers=buyer.headers)
    assert_error_shape(response, 400)


@pytest.mark.parametrize("digits", [4_301, 100_000])
def test_integers_too_long_to_read_are_malformed_json(client, supplier, digits):
    body = json.dumps(listing_body()).replace('"lead_time_days": 7',
                                              '"lead_time_days": ' + "9" * digits)
    response = send(client, "POST", "/api/v1/listings", raw=body, headers=supplier.headers)
    body = assert_error_shape(response, 400)
    assert "4300 digits" in body["message"]
    response = send(client, "POST", "/api/v1/auth/tokens", raw='{"email": -' + "1" * digits + "}")
    assert_error_shape(response, 400)


def test_a_long_integer_within_the_limit_is_a_validation_error(client, supplier):
    response = send(client, "POST", "/api/v1/listings",
                    raw=json.dumps(listing_body()).replace('"lead_time_days": 7',
                                                           '"lead_time_days": ' + "9" * 4_300),
                    headers=supplier.headers)
    assert assert_error_shape(response, 422)["errors"]["json"] == {
        "lead_time_days": ["Must be greater than or equal to 0 and less than or equal to 365."]}


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("moq", ["５", "٣", "1_000", "1e3", "+5", ".5", "5.", "NaN", "Infinity",
                                 "0x10", "5 kg", "５.０", "", True, [5], {"v": 5}])
def test_decimals_are_ascii_digits(client, supplier, moq):
    response = send(client, "POST", "/api/v1/listings", listing_body(moq=moq),
                    headers=supplier.headers)
    assert assert_error_shape(response, 422)["errors"]["json"] == {"moq": ["Not a valid number."]}


@pytest.mark.parametrize(("moq", "stored"), [("5", "5.000"), (5, "5.000"), (5.0, "5.000"),
                                             (" 5.5 ", "5.500"), ("0005", "5.000")])
def test_decimal_spellings_still_accepted(client, supplier, moq, stored):
    response = send(client, "POST", "/api/v1/listings",
                    listing_body(moq=moq, price_tiers=[{"min_quantity": moq, "unit_price": 99}]),
                    headers=supplier.headers)
    assert response.status_code == 201, response.json
    assert response.json["moq"] == stored
    assert response.json["price_tiers"][0]["unit_price"] == "99.00"


@pytest.mark.parametrize("days", [1.9, "1.9", "７", "٣", "1_0", "+7", " 7", "7 ", "0x7", "",
                                  "1e1", True, float("nan")])
def test_integers_are_integers(client, supplier, days):
    raw = json.dumps(listing_body(lead_time_days=days))  # NaN as JSON's unofficial NaN
    response = send(client, "POST", "/api/v1/listings", raw=raw, headers=supplier.headers)
    assert assert_error_shape(response, 422)["errors"]["json"] == {
        "lead_time_days": ["Not a valid integer."]}


@pytest.mark.parametrize("days", [7, "7", 7.0])
def test_integer_spellings_still_accepted(client, supplier, days):
    response = send(client, "POST", "/api/v1/listings", listing_body(lead_time_days=days),
                    headers=supplier.headers)
    assert response.status_code == 201, response.json
    assert response.json["lead_time_days"] == 7


@pytest.mark.parametrize("query", ["page=%EF%BC%92", "page=1.5", "per_page=1_0", "page=%2B2"])
def test_query_integers_are_ascii_digits(client, buyer, query):
    response = client.get(f"/api/v1/orders?{query}", headers=buyer.headers)
    field = query.split("=")[0]
    assert assert_error_shape(response, 422)["errors"]["query"] == {
        field: ["Not a valid integer."]}
    assert client.get("/api/v1/orders?page=2&per_page=10",
                      headers=buyer.headers).status_code == 200

