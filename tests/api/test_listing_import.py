"""POST /api/v1/listings/import and GET /api/v1/listings/import/template.csv."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select

from marketplace.catalog import importer
from marketplace.catalog.models import Listing
from marketplace.extensions import db
from marketplace.web.errors import Invalid

URL = "/api/v1/listings/import"
TEMPLATE_URL = "/api/v1/listings/import/template.csv"

ROSE = {
    "title_zh": "平阴重瓣玫瑰花提取物",
    "title_en": "Pingyin Rose Flower Extract",
    "inci_name": "Rosa Rugosa Flower Extract",
    "category": "plant_extract",
    "origin_country": "CN",
    "origin_province": "山东",
    "certifications": "GI;ISO_22716",
    "unit": "kg",
    "moq": "25",
    "stock_quantity": "1200",
    "price_tiers": "25:180.00;100:160.00",
    "sample_available": "是",
}
GRAPE = {
    **ROSE,
    "title_zh": "宁夏葡萄籽油",
    "title_en": "Ningxia Grape Seed Oil",
    "inci_name": "Vitis Vinifera (Grape) Seed Oil",
    "category": "vegetable_oil",
    "origin_province": "宁夏",
    "certifications": "",
    "moq": "50",
    "price_tiers": "50:95;200:88",
}
HEADER = list(ROSE)


def make_csv(rows: list[dict[str, str]], *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(name, "") for name in HEADER])
    return buffer.getvalue().encode(encoding)


def upload(client: FlaskClient, content: bytes, headers: dict[str, str] | None = None, *,
           filename: str = "listings.csv", query: str = "") -> Any:
    return client.post(
        URL + query,
        data={"file": (io.BytesIO(content), filename)},
        headers=headers or {},
        content_type="multipart/form-data",
    )


def supplier_listings(org_id: str) -> list[Listing]:
    return list(db.session.scalars(
        select(Listing).where(Listing.supplier_id == org_id).order_by(Listing.created_at)
    ))


@pytest.fixture
def config(app: Flask) -> Iterator[dict[str, Any]]:
    """Change app.config for one test (the app is session-scoped): restored afterwards."""
    saved = dict(app.config)
    yield app.config
    for key in ("IMPORT_MAX_ROWS", "IMPORT_MAX_BYTES", "MAX_CONTENT_LENGTH"):
        app.config[key] = saved[key]


# --------------------------------------------------------------------------- importing


def test_valid_rows_become_drafts_and_bad_rows_are_reported(client, supplier) -> None:
    rows = [
        ROSE,                                           # row 2
        {**ROSE, "category": "snake_oil"},              # row 3: bad category
        {},                                             # row 4: blank, skipped
        GRAPE,                                          # row 5
        {**GRAPE, "origin_country": "XX", "unit": "ton"},  # row 6: two errors
        {**ROSE, "sample_available": "maybe"},          # row 7: bad boolean
        {**GRAPE, "price_tiers": "10:95"},              # row 8: tiers do not start at MOQ
    ]
    response = upload(client, make_csv(rows), supplier.headers)

    assert response.status_code == 200, response.json
    body = response.json
    assert (body["created"], body["failed"], body["dry_run"]) == (2, 4, False)
    assert [(e["row"], e["field"]) for e in body["errors"]] == [
        (3, "category"), (6, "origin_country"), (6, "unit"), (7, "sample_available"),
        (8, "price_tiers"),
    ]
    assert "snake_oil" in body["errors"][0]["message"]
    assert "MOQ" in body["errors"][4]["message"]

    listings = {listing.id: listing for listing in supplier_listings(supplier.org.id)}
    assert set(listings) == set(body["listing_ids"])
    rose, grape = (listings[i] for i in body["listing_ids"])
    assert rose.status == grape.status == "draft"
    assert rose.title_zh == "平阴重瓣玫瑰花提取物"
    assert rose.origin == {"country": "CN", "province": "山东", "city": None}
    assert rose.certifications == ["GI", "ISO_22716"]
    assert rose.sample_available is True
    assert [(t.min_quantity, t.unit_price) for t in rose.price_tiers] == [
        (Decimal("25"), Decimal("180.00")), (Decimal("100"), Decimal("160.00")),
    ]
    assert grape.inci_name == "Vitis Vinifera (Grape) Seed Oil"
    assert grape.certifications == []


def test_drafts_are_listed_for_their_supplier_only(client, supplier, other_supplier) -> None:
    response = upload(client, make_csv([ROSE, GRAPE]), supplier.headers)
    assert response.json["created"] == 2

    mine = client.get("/api/v1/organizations/me/listings?status=draft", headers=supplier.headers)
    assert mine.status_code == 200
    assert mine.json["total"] == 2
    assert {item["id"] for item in mine.json["items"]} == set(response.json["listing_ids"])
    rose = next(i for i in mine.json["items"] if i["inci_name"] == ROSE["inci_name"])
    assert rose["status"] == "draft"
    assert rose["origin"] == {"country": "CN", "province": "山东", "city": None}
    assert rose["price_tiers"] == [
        {"min_quantity": "25.000", "unit_price": "180.00"},
        {"min_quantity": "100.000", "unit_price": "160.00"},
    ]
    assert rose["certifications"] == ["GI", "ISO_22716"]
    assert rose["sample_available"] is True

    theirs = client.get("/api/v1/organizations/me/listings", headers=other_supplier.headers)
    assert theirs.json["total"] == 0


def test_all_rows_are_added_in_one_transaction(client, supplier, monkeypatch) -> None:
    calls: list[str] = []
    add, commit = importer.add_draft_listing, db.session.commit

    def recording_add(org: Any, data: dict[str, Any], **kwargs: Any) -> Listing:
        calls.append("add")
        return add(org, data, **kwargs)

    def recording_commit() -> None:
        calls.append("commit")
        commit()

    monkeypatch.setattr(importer, "add_draft_listing", recording_add)
    monkeypatch.setattr(db.session, "commit", recording_commit)
    response = upload(client, make_csv([ROSE, GRAPE, ROSE]), supplier.headers)
    assert response.json["created"] == 3
    # (Later commits belong to the after-request search outbox drain.)
    assert calls[:4] == ["add", "add", "add", "commit"]


def test_a_row_the_service_refuses_does_not_block_the_others(
    client, supplier, monkeypatch
) -> None:
    real = importer.add_draft_listing

    def refuse_grape(org: Any, data: dict[str, Any], **kwargs: Any) -> Listing:
        if data["title_zh"] == GRAPE["title_zh"]:
            raise Invalid.field("inci_name", "Refused by the service.")
        return real(org, data, **kwargs)

    monkeypatch.setattr(importer, "add_draft_listing", refuse_grape)
    response = upload(client, make_csv([ROSE, GRAPE, ROSE]), supplier.headers)
    body = response.json
    assert (body["created"], body["failed"]) == (2, 1)
    assert body["errors"] == [
        {"row": 3, "field": "inci_name", "message": "Refused by the service."}
    ]
    assert len(supplier_listings(supplier.org.id)) == 2


def test_dry_run_reports_but_writes_nothing(client, supplier) -> None:
    content = make_csv([ROSE, {**ROSE, "unit": "ton"}, GRAPE])
    response = upload(client, content, supplier.headers, query="?dry_run=true")
    assert response.status_code == 200
    body = response.json
    assert (body["created"], body["failed"], body["dry_run"]) == (2, 1, True)
    assert body["listing_ids"] == []
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "unit")]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0


def test_xlsx_is_detected_by_content_with_excel_numbers(client, supplier) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Title_ZH", " inci_name ", "category", "origin_country", "unit", "moq",
                  "stock_quantity", "price_tiers", "lead_time_days"])
    sheet.append(["霍山石斛提取物", "Dendrobium Huoshanense Extract", "plant_extract", "CN",
                  "kg", 5.0, 120.5, "5:800;20:760.5", 15])
    buffer = io.BytesIO()
    workbook.save(buffer)

    response = upload(client, buffer.getvalue(), supplier.headers, filename="export.dat")
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1
    (listing,) = supplier_listings(supplier.org.id)
    assert listing.moq == Decimal("5")
    assert listing.stock_quantity == Decimal("120.5")
    assert listing.lead_time_days == 15
    assert [t.unit_price for t in listing.price_tiers] == [Decimal("800"), Decimal("760.5")]


def test_gbk_csv_from_excel_on_chinese_windows(client, supplier) -> None:
    response = upload(client, make_csv([ROSE, GRAPE], encoding="gbk"), supplier.headers)
    assert response.status_code == 200, response.json
    assert response.json["created"] == 2
    assert {listing.title_zh for listing in supplier_listings(supplier.org.id)} == {
        "平阴重瓣玫瑰花提取物", "宁夏葡萄籽油",
    }


# --------------------------------------------------------------------------- refused files


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "Not a CSV or XLSX file"),
        (b"PK\x03\x04garbage", "not a valid zip"),
        ("title_zh,inci_name,price\n玫瑰,Rosa,1\n".encode(), "Unknown column 'price'"),
        (b"title_zh,inci_name\n", "Required column(s) missing: category"),
    ],
)
def test_unusable_files_are_refused_with_422(client, supplier, content, message) -> None:
    response = upload(client, content, supplier.headers)
    assert response.status_code == 422
    assert message in response.json["message"]
    assert response.json["errors"] == {"files": {"file": [response.json["message"]]}}


def test_missing_file_part_is_422_naming_file(client, supplier) -> None:
    response = client.post(URL, data={"other": "x"}, headers=supplier.headers,
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.json["errors"]["files"]


def test_too_many_rows_is_422_and_creates_nothing(client, supplier, config) -> None:
    config["IMPORT_MAX_ROWS"] = 2
    response = upload(client, make_csv([ROSE, GRAPE, ROSE]), supplier.headers)
    assert response.status_code == 422
    assert "more than 2 data rows" in response.json["message"]
    assert supplier_listings(supplier.org.id) == []
    # Blank rows do not count.
    assert upload(client, make_csv([ROSE, {}, {}, GRAPE]), supplier.headers).status_code == 200


def test_file_over_import_limit_is_413(client, supplier, config) -> None:
    content = make_csv([ROSE] * 20)
    config["IMPORT_MAX_BYTES"] = len(content) - 1
    response = upload(client, content, supplier.headers)
    assert response.status_code == 413
    assert response.json["code"] == 413
    assert response.json["status"] == "Request Entity Too Large"
    assert f"at most {len(content) - 1} bytes" in response.json["message"]
    assert supplier_listings(supplier.org.id) == []


def test_body_over_max_content_length_gets_the_json_error_shape(
    client, supplier, config
) -> None:
    config["IMPORT_MAX_BYTES"] = 1000
    config["MAX_CONTENT_LENGTH"] = 2000
    response = upload(client, make_csv([ROSE] * 50), supplier.headers)
    assert response.status_code == 413
    assert response.json == {
        "code": 413,
        "status": "Request Entity Too Large",
        "message": response.json["message"],
    }
    assert "at most 1000 bytes" in response.json["message"]


# --------------------------------------------------------------------------- permissions


def test_anonymous_is_401(client) -> None:
    assert upload(client, make_csv([ROSE])).status_code == 401


@pytest.mark.parametrize("caller", ["buyer", "operator"])
def test_only_suppliers_may_import(client, request, caller) -> None:
    account = request.getfixturevalue(caller)
    response = upload(client, make_csv([ROSE]), account.headers)
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0


# --------------------------------------------------------------------------- template


def test_template_download_and_reimport(client, supplier) -> None:
    response = client.get(TEMPLATE_URL)  # public: no token needed
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="listings-template.csv"'
    )
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].split(",") == list(importer.COLUMNS)
    assert "平阴重瓣玫瑰" in text
    assert "85594-37-2" in text

    imported = upload(client, response.data, supplier.headers, filename="listings-template.csv")
    assert imported.status_code == 200, imported.json
    assert (imported.json["created"], imported.json["failed"]) == (2, 0)
    drafts = supplier_listings(supplier.org.id)
    assert {d.inci_name for d in drafts} == {
        "Rosa Rugosa Flower Extract", "Vitis Vinifera (Grape) Seed Oil",
    }
    assert {d.status for d in drafts} == {"draft"}
    grape = next(d for d in drafts if d.cas_number)
    assert grape.cas_number == "85594-37-2"
    assert grape.iecic == {"listed": True, "name_zh": "葡萄（VITIS VINIFERA）籽油",
                           "serial": None}
    assert grape.specifications[0] == {
        "parameter": "Acid value", "value": "≤0.5 mg KOH/g", "method": "GB 5009.229",
    }


@pytest.mark.parametrize(
    ("method", "path", "endpoint"),
    [
        ("GET", TEMPLATE_URL, "listing_import.import_template"),
        ("POST", URL, "listing_import.import_listings"),
    ],
)
def test_import_paths_are_not_shadowed_by_listing_routes(app, method, path, endpoint) -> None:
    adapter = app.url_map.bind("localhost")
    assert adapter.match(path, method=method)[0] == endpoint


@pytest.mark.parametrize("method", ["GET", "PATCH", "PUT", "DELETE"])
def test_other_methods_on_import_are_405_not_a_listing_lookup(client, supplier, method) -> None:
    response = client.open(URL, method=method, headers=supplier.headers)
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "POST" in allowed and method not in allowed
    assert response.json == {"code": 405, "status": "Method Not Allowed"}


def test_options_on_import_advertises_only_post(client) -> None:
    response = client.options(URL)
    assert response.status_code == 200
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"OPTIONS", "POST"}


def test_other_endpoints_get_a_generic_413(client, supplier, config) -> None:
    config["MAX_CONTENT_LENGTH"] = 100
    response = client.post("/api/v1/listings", json={"title_zh": "玫" * 200},
                           headers=supplier.headers)
    assert response.status_code == 413
    assert response.json == {
        "code": 413, "status": "Request Entity Too Large",
        "message": "The request body is too large: at most 100 bytes are accepted.",
    }
