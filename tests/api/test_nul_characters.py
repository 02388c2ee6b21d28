"""Text with NUL characters (U+0000) is refused with a 422 naming the field — PostgreSQL
cannot store it — in JSON bodies and query strings; an import file with one is not text;
ids with one never match a route. Found by the schemathesis fuzzer as 500s on PostgreSQL."""

from __future__ import annotations

import pytest

from marketplace.web.schema import NUL_MESSAGE
from tests.api.test_listing_import import GRAPE, ROSE, make_csv, upload
from tests.factories import SHIPPING_ADDRESS, checkout_body, listing_body, make_listing


def test_registration_names_the_field(client):
    response = client.post("/api/v1/auth/register", json={
        "email": "nul@example.com", "password": "long-enough-password",
        "display_name": "王\x00经理", "organization": {"name": "NUL\x00 Co", "kind": "buyer"},
    })
    assert response.status_code == 422, response.json
    assert response.json["errors"]["json"] == {
        "display_name": [NUL_MESSAGE], "organization": {"name": [NUL_MESSAGE]}}


def test_nested_lists_and_keys_are_named(client, supplier, buyer):
    listing = client.post("/api/v1/listings", headers=supplier.headers, json=listing_body(
        specifications=[{"parameter": "pH", "value": "4\x00"}]))
    assert listing.status_code == 422
    assert listing.json["errors"]["json"] == {
        "specifications": {"0": {"value": [NUL_MESSAGE]}}}
    rose = make_listing(supplier, status="published")
    checkout = client.post("/api/v1/checkouts", headers=buyer.headers, json=checkout_body(
        (rose, 5), shipping_address={**SHIPPING_ADDRESS, "line1\x00": "x"}))
    assert checkout.status_code == 422
    assert checkout.json["errors"]["json"] == {"shipping_address": {"line1\x00": [NUL_MESSAGE]}}


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/orders?status=paid%00", "status"),
    ("/api/v1/search/listings?q=%E7%8E%AB%00", "q"),
    ("/api/v1/moderation/checkouts?reference=MG-%00", "reference"),
])
def test_query_strings_are_refused(client, operator, url, field):
    response = client.get(url, headers=operator.headers)
    assert response.status_code == 422, response.json
    assert response.json["errors"]["query"] == {field: [NUL_MESSAGE]}


def test_ids_with_nul_never_reach_the_database(client, buyer, operator):
    assert client.get("/api/v1/checkouts/chk_%00", headers=buyer.headers).status_code == 404
    assert client.post("/api/v1/moderation/orders/ord_%00/refund", json={"reason": "x"},
                       headers=operator.headers).status_code == 404


def test_an_import_file_with_nul_is_refused_whole(client, supplier):
    response = upload(client, make_csv([ROSE, {**GRAPE, "title_en": "Grape\x00 Oil"}]),
                      supplier.headers)
    assert response.status_code == 422
    assert response.json["errors"] == {"files": {"file": [
        "Not a CSV or XLSX file (it contains binary data)."]}}
