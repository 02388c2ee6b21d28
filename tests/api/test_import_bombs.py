"""Import bombs through `POST /api/v1/listings/import` (issue 12, item 1): each answers 422
naming the limit it broke, and creates nothing. The bounds on work and memory themselves are
asserted in tests/unit/test_import_limits.py; figures under gunicorn are in bench/README.md.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from marketplace.catalog.models import Listing
from marketplace.extensions import db
from tests import xlsx_bombs as bombs
from tests.api.test_listing_import import URL

SETTINGS = ("IMPORT_MAX_ROWS", "IMPORT_MAX_BLANK_ROWS", "IMPORT_MAX_CELLS",
            "IMPORT_MAX_UNCOMPRESSED_BYTES", "IMPORT_MAX_COMPRESSION_RATIO")


@pytest.fixture
def config(app: Flask) -> Iterator[Any]:
    saved = {key: app.config[key] for key in SETTINGS}
    yield app.config
    app.config.update(saved)


@pytest.fixture
def newcomer(app: Flask) -> Any:
    """A freshly registered supplier, not verified (as in the incident)."""
    from tests.factories import make_account

    return make_account("supplier", verified=False, name="新注册供应商")


def upload(client: FlaskClient, content: bytes, headers: dict[str, str], *,
           query: str = "") -> Any:
    """Like test_listing_import.upload, with the multipart body encoded in memory: for bodies
    over 500 KB the test client would spool it to a temporary file it never closes."""
    file = FileStorage(io.BytesIO(content), filename="listings.xlsx")
    boundary, body = encode_multipart({"file": file})
    return client.post(URL + query, data=body, headers=headers,
                       content_type=f"multipart/form-data; boundary={boundary}")


def listing_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Listing)) or 0


BOMBS: dict[str, tuple[Callable[[], bytes], str]] = {
    "dimension": (bombs.dimension_bomb,
                  "The file has more than 10000 blank rows (row 10001 is one)"),
    "blank rows": (lambda: bombs.blank_row_bomb(500_000),
                   "its part xl/worksheets/sheet1.xml inflates from"),
    "numbered blank rows": (lambda: bombs.numbered_blank_row_bomb(100_000),
                            "The file has more than 10000 blank rows (row 10002 is one)"),
    "wide rows": (lambda: bombs.wide_row_bomb(100),
                  "its part xl/worksheets/sheet1.xml inflates from"),
    "wide rows, numbered": (lambda: bombs.wide_row_bomb(32, numbered=True),
                            "The file has more than 500000 cells"),
    "shared strings": (lambda: bombs.shared_strings_bomb(600_000),
                       "The XLSX file has more than 500000 shared strings"),
    "giant tag": (bombs.giant_tag_bomb, "inflates from"),
    "entities": (bombs.entity_bomb, "declares a DTD or entities"),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_bombs_are_refused_with_422_and_create_nothing(client, newcomer, name) -> None:
    build, message = BOMBS[name]
    content = build()
    assert len(content) <= 5 * 1024 * 1024  # under IMPORT_MAX_BYTES: the reader must cope

    response = upload(client, content, newcomer.headers)

    assert response.status_code == 422, response.json
    assert message in response.json["message"]
    assert response.json["errors"] == {"files": {"file": [response.json["message"]]}}
    assert listing_count() == 0


def test_dry_run_of_a_bomb_is_refused_the_same_way(client, supplier) -> None:
    response = upload(client, bombs.dimension_bomb(), supplier.headers, query="?dry_run=true")
    assert response.status_code == 422
    assert "more than 10000 blank rows" in response.json["message"]


def test_limits_come_from_the_settings(client, supplier, config) -> None:
    config["IMPORT_MAX_BLANK_ROWS"] = 3
    rows = [bombs.inline_row(1, bombs.HEADER), bombs.inline_row(5, bombs.ROSE_ROW)]
    ok = upload(client, bombs.workbook(bombs.sheet(rows)), supplier.headers)
    assert ok.status_code == 200, ok.json  # rows 2-4: three blank rows are fine
    rows.append(bombs.inline_row(10, bombs.ROSE_ROW))
    refused = upload(client, bombs.workbook(bombs.sheet(rows)), supplier.headers)
    assert refused.status_code == 422
    assert "more than 3 blank rows (row 6 is one)" in refused.json["message"]

    config["IMPORT_MAX_CELLS"] = 10
    response = upload(client, bombs.normal_xlsx([bombs.ROSE_ROW]), supplier.headers)
    assert "more than 10 cells" in response.json["message"]

    config["IMPORT_MAX_CELLS"] = 500_000
    config["IMPORT_MAX_COMPRESSION_RATIO"] = 10
    response = upload(client, bombs.numbered_blank_row_bomb(100_000), supplier.headers)
    assert "at most 10:1 is accepted" in response.json["message"]

    config["IMPORT_MAX_UNCOMPRESSED_BYTES"] = 1024
    response = upload(client, bombs.normal_xlsx([bombs.ROSE_ROW]), supplier.headers)
    assert "more than the 0.0 MB accepted" in response.json["message"]
    assert listing_count() == 1


def test_a_csv_of_blank_lines_is_refused(client, supplier) -> None:
    content = ",".join(bombs.HEADER).encode() + b"\r\n" * 2_000_000
    response = upload(client, content, supplier.headers)
    assert response.status_code == 422
    assert "more than 10000 blank rows (row 10002 is one)" in response.json["message"]
