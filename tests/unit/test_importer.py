"""Parsing of listing import files (CSV in UTF-8/GBK, XLSX) — no database involved."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook

from marketplace.catalog.importer import (
    COLUMNS,
    ImportFileError,
    RowError,
    cell_text,
    parse_listings,
    template_csv,
)

ROSE = {
    "title_zh": "平阴重瓣玫瑰花提取物",
    "inci_name": "Rosa Rugosa Flower Extract",
    "category": "plant_extract",
    "origin_country": "CN",
    "origin_province": "山东",
    "unit": "kg",
    "moq": "25",
    "stock_quantity": "1200",
    "price_tiers": "25:180.00;100:160.00",
}


def make_csv(rows: list[dict[str, Any]], *, header: list[str] | None = None,
             encoding: str = "utf-8") -> bytes:
    header = header or list(ROSE)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue().encode(encoding)


def make_xlsx(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.create_sheet("ignored").append(["not", "read"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parse(content: bytes, max_rows: int = 100) -> Any:
    return parse_listings(content, max_rows=max_rows)


def only_row(content: bytes) -> dict[str, Any]:
    result = parse(content)
    assert result.errors == []
    assert len(result.rows) == 1
    return result.rows[0].data


def errors_of(row: dict[str, Any], header: list[str] | None = None) -> list[RowError]:
    result = parse(make_csv([row], header=header))
    assert result.rows == []
    assert result.failed == 1
    return result.errors


# --------------------------------------------------------------------------- encodings


def test_utf8_without_bom() -> None:
    data = only_row(make_csv([ROSE]))
    assert data["title_zh"] == "平阴重瓣玫瑰花提取物"
    assert data["origin"] == {"country": "CN", "province": "山东"}
    assert data["moq"] == Decimal("25.000")
    assert data["price_tiers"] == [
        {"min_quantity": Decimal("25"), "unit_price": Decimal("180.00")},
        {"min_quantity": Decimal("100"), "unit_price": Decimal("160.00")},
    ]


def test_utf8_with_bom_header_is_recognised() -> None:
    content = make_csv([ROSE], encoding="utf-8-sig")
    assert content.startswith(b"\xef\xbb\xbf")
    assert only_row(content)["title_zh"] == "平阴重瓣玫瑰花提取物"


def test_gbk_encoded_csv_as_saved_by_excel_on_chinese_windows() -> None:
    content = make_csv([{**ROSE, "origin_province": "宁夏", "title_zh": "宁夏葡萄籽油"}],
                       encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    data = only_row(content)
    assert data["title_zh"] == "宁夏葡萄籽油"
    assert data["origin"]["province"] == "宁夏"


def test_crlf_line_endings_and_quoted_multiline_description() -> None:
    text = (
        "title_zh,inci_name,category,origin_country,unit,moq,stock_quantity,price_tiers,"
        "description\r\n"
        "石斛提取物,Dendrobium Nobile Extract,plant_extract,CN,kg,5,100,5:800,"
        '"第一行\r\n第二行"\r\n'
        "玫瑰纯露,Rosa Rugosa Flower Water,floral_water,CN,kg,10,500,10:60,\r\n"
    )
    result = parse(text.encode("utf-8"))
    assert result.errors == []
    assert [r.row for r in result.rows] == [2, 3]
    assert result.rows[0].data["description"] == "第一行\r\n第二行"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02\x03binary\xff\xfe", "neither UTF-8 nor GBK"),
        (b"title_zh\n\x00\x01\x02", "binary data"),
        (b"\xff\xfet\x00i\x00", "UTF-16"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "Legacy .xls"),
        (b"PK\x03\x04 this is no zip", "not a valid zip"),
        (b"\n\n ,, \n", "no header"),
    ],
)
def test_unreadable_files_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        parse(content)


def test_zip_that_is_not_a_workbook_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ImportFileError, match="not a readable XLSX"):
        parse(buffer.getvalue())


# --------------------------------------------------------------------------- XLSX


def test_xlsx_numbers_come_out_as_exact_decimals() -> None:
    header = [*ROSE, "lead_time_days", "shelf_life_months", "iecic_listed", "sample_available"]
    content = make_xlsx([
        header,
        ["平阴重瓣玫瑰花提取物", "Rosa Rugosa Flower Extract", "plant_extract", "CN", "山东",
         "kg", 25.0, 1200.5, "25:180.00;100:160.00", 7, 24.0, True, "否"],
        [],  # blank rows are skipped but still counted as spreadsheet rows
        ["霍山石斛提取物", "Dendrobium Huoshanense Extract", "plant_extract", "cn", None,
         "KG", 0.1, 0.3, "0.1:1999.99", None, None, None, None],
    ])
    assert content.startswith(b"PK\x03\x04")
    result = parse(content)
    assert result.errors == []
    first, second = result.rows
    assert (first.row, second.row) == (2, 4)
    assert first.data["moq"] == Decimal("25.000")
    assert first.data["stock_quantity"] == Decimal("1200.500")
    assert first.data["lead_time_days"] == 7
    assert first.data["shelf_life_months"] == 24
    assert first.data["iecic"] == {"listed": True}
    assert first.data["sample_available"] is False
    assert second.data["moq"] == Decimal("0.100")
    assert second.data["stock_quantity"] == Decimal("0.300")
    assert second.data["origin"] == {"country": "CN"}
    assert second.data["unit"] == "kg"
    assert second.data["price_tiers"] == [
        {"min_quantity": Decimal("0.100"), "unit_price": Decimal("1999.99")}
    ]


def test_xlsx_errors_use_spreadsheet_row_numbers() -> None:
    content = make_xlsx([
        list(ROSE),
        ["玫瑰", "Rosa Rugosa Flower Extract", "plant_extract", "CN", None, "kg", 25, 10,
         "25:180"],
        ["坏行", "Rosa Rugosa Flower Extract", "plant_extract", "CN", None, "ton", 25, 10,
         "25:180"],
    ])
    result = parse(content)
    assert [r.row for r in result.rows] == [2]
    assert result.errors == [RowError(3, "unit", result.errors[0].message)]
    assert "ton" in result.errors[0].message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (25, "25"),
        (180.0, "180"),
        (0.1, "0.1"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1200.5, "1200.5"),
        (1e16, "10000000000000000"),
        (1e-7, "0.0000001"),
        (Decimal("180.50"), "180.5"),
        (Decimal("100"), "100"),
        (True, "true"),
        (False, "false"),
        ("  Rosa  ", "Rosa"),
        (float("nan"), "nan"),
    ],
)
def test_cell_text(value: Any, text: str) -> None:
    assert cell_text(value) == text


# --------------------------------------------------------------------------- columns


def test_headers_are_case_insensitive_and_trimmed() -> None:
    header = [f"  {name.upper()} " for name in ROSE]
    content = make_csv([dict(zip(header, ROSE.values(), strict=True))], header=header)
    assert only_row(content)["inci_name"] == "Rosa Rugosa Flower Extract"


def test_unknown_header_refuses_the_whole_file() -> None:
    with pytest.raises(ImportFileError, match="Unknown column 'price'"):
        parse(make_csv([ROSE], header=[*ROSE, "price"]))


def test_repeated_header_refuses_the_whole_file() -> None:
    with pytest.raises(ImportFileError, match="'moq' appears more than once"):
        parse(make_csv([ROSE], header=[*ROSE, "MOQ"]))


def test_missing_required_headers_refuse_the_whole_file() -> None:
    header = [name for name in ROSE if name not in ("moq", "price_tiers")]
    with pytest.raises(ImportFileError, match="missing: moq, price_tiers"):
        parse(make_csv([ROSE], header=header))


def test_every_documented_column_is_accepted() -> None:
    result = parse(template_csv())
    assert result.errors == []
    assert len(result.rows) == 2
    header = template_csv().decode("utf-8-sig").splitlines()[0].split(",")
    assert tuple(header) == COLUMNS


def test_value_under_a_column_without_header_is_a_row_error() -> None:
    content = make_csv([{**ROSE, "": "stray"}], header=[*ROSE, ""])
    result = parse(content)
    assert result.errors == [
        RowError(2, "column J", "This column has no header; its value cannot be imported.")
    ]


def test_empty_cells_are_absent_fields() -> None:
    data = only_row(make_csv([{**ROSE, "origin_province": "  "}],
                             header=[*ROSE, "title_en", "cas_number", "certifications"]))
    assert "title_en" not in data
    assert "cas_number" not in data
    assert "certifications" not in data
    assert data["origin"] == {"country": "CN"}


# --------------------------------------------------------------------------- value syntax


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25:180.00;100:160.00", [("25", "180.00"), ("100", "160.00")]),
        (" 25 : 180 ；100：170.5 ", [("25", "180"), ("100", "170.5")]),
        ("25:180\n1000:150", [("25", "180"), ("1000", "150")]),
    ],
)
def test_price_tiers(text: str, expected: list[tuple[str, str]]) -> None:
    data = only_row(make_csv([{**ROSE, "price_tiers": text}]))
    assert [(t["min_quantity"], t["unit_price"]) for t in data["price_tiers"]] == [
        (Decimal(q), Decimal(p)) for q, p in expected
    ]


def test_malformed_price_tier_is_reported_once() -> None:
    errors = errors_of({**ROSE, "price_tiers": "25-180"})
    assert len(errors) == 1
    assert errors[0].field == "price_tiers"
    assert "25:180.00;100:160.00" in errors[0].message


def test_price_tier_rules_come_from_the_schema() -> None:
    errors = errors_of({**ROSE, "price_tiers": "10:180;100:190"})
    assert {e.field for e in errors} == {"price_tiers"}
    messages = " ".join(e.message for e in errors)
    assert "MOQ" in messages
    assert "must not increase" in messages


def test_nested_price_tier_error_names_the_tier() -> None:
    errors = errors_of({**ROSE, "price_tiers": "25:180;100:abc"})
    assert errors == [RowError(2, "price_tiers", "tier 2 unit_price: Not a valid number.")]


def test_certifications_split_on_any_separator_and_case() -> None:
    data = only_row(make_csv([{**ROSE, "certifications": "COSMOS_ORGANIC; ecocert|HALAL,vegan"}],
                             header=[*ROSE, "certifications"]))
    assert data["certifications"] == ["COSMOS_ORGANIC", "ECOCERT", "HALAL", "VEGAN"]


def test_unknown_certification_is_a_row_error() -> None:
    errors = errors_of({**ROSE, "certifications": "GI;ORGANIC-ISH"},
                       header=[*ROSE, "certifications"])
    assert [(e.row, e.field) for e in errors] == [(2, "certifications")]
    assert errors[0].message.startswith("item 2: Unknown certification 'ORGANIC-ISH'")


def test_incoterms() -> None:
    data = only_row(make_csv([{**ROSE, "incoterms": "exw;FOB; CIF"}],
                             header=[*ROSE, "incoterms"]))
    assert data["incoterms"] == ["EXW", "FOB", "CIF"]


def test_specifications_with_and_without_method() -> None:
    text = "Purity=≥98%@HPLC;Appearance=white powder;pH (1%)=5.5-7.0@GB/T 13531.1"
    data = only_row(make_csv([{**ROSE, "specifications": text}],
                             header=[*ROSE, "specifications"]))
    assert data["specifications"] == [
        {"parameter": "Purity", "value": "≥98%", "method": "HPLC"},
        {"parameter": "Appearance", "value": "white powder"},
        {"parameter": "pH (1%)", "value": "5.5-7.0", "method": "GB/T 13531.1"},
    ]


def test_malformed_specification_is_a_row_error() -> None:
    errors = errors_of({**ROSE, "specifications": "Purity 98%"},
                       header=[*ROSE, "specifications"])
    assert [(e.field, e.message) for e in errors] == [
        ("specifications", "Expected parameter=value or parameter=value@method, got 'Purity 98%'.")
    ]


@pytest.mark.parametrize(
    ("text", "flag"),
    [("true", True), ("TRUE", True), ("yes", True), ("1", True), ("是", True),
     ("false", False), ("No", False), ("0", False), ("否", False)],
)
def test_booleans(text: str, flag: bool) -> None:
    header = [*ROSE, "iecic_listed", "sample_available"]
    data = only_row(make_csv([{**ROSE, "iecic_listed": text, "sample_available": text}],
                             header=header))
    assert data["iecic"] == {"listed": flag}
    assert data["sample_available"] is flag


def test_bad_boolean_is_reported_once() -> None:
    errors = errors_of({**ROSE, "iecic_listed": "maybe", "iecic_name_zh": "玫瑰花提取物"},
                       header=[*ROSE, "iecic_listed", "iecic_name_zh"])
    assert [(e.field, e.message) for e in errors] == [
        ("iecic_listed", "Expected true/false, yes/no, 1/0 or 是/否, got 'maybe'.")
    ]


def test_iecic_name_without_listed_flag_points_at_iecic_listed() -> None:
    errors = errors_of({**ROSE, "iecic_name_zh": "玫瑰花提取物"},
                       header=[*ROSE, "iecic_name_zh"])
    assert [(e.field, e.message) for e in errors] == [
        ("iecic_listed", "Missing data for required field.")
    ]


# --------------------------------------------------------------------------- rows


def test_nested_and_missing_fields_map_to_column_names() -> None:
    row = {**ROSE, "origin_country": "", "origin_province": "山东", "title_zh": "",
           "cas_number": "85594-37-3", "lead_time_days": "999"}
    errors = errors_of(row, header=[*ROSE, "cas_number", "lead_time_days"])
    assert {e.field: e.row for e in errors} == {
        "origin_country": 2, "title_zh": 2, "cas_number": 2, "lead_time_days": 2,
    }


def test_origin_entirely_empty_points_at_origin_country() -> None:
    errors = errors_of({**ROSE, "origin_country": "", "origin_province": ""})
    assert [(e.field, e.message) for e in errors] == [
        ("origin_country", "Missing data for required field.")
    ]


def test_bad_rows_do_not_block_good_rows_and_blank_rows_are_skipped() -> None:
    rows = [ROSE, {**ROSE, "category": "snake_oil"}, {}, {name: " " for name in ROSE},
            {**ROSE, "moq": "-1", "price_tiers": "-1:10"}, ROSE]
    result = parse(make_csv(rows))
    assert [r.row for r in result.rows] == [2, 7]
    assert result.failed == 2
    assert sorted({(e.row, e.field) for e in result.errors}) == [
        (3, "category"), (6, "moq"), (6, "price_tiers"),
    ]


def test_row_limit_counts_data_rows_only() -> None:
    content = make_csv([ROSE, {}, ROSE, ROSE])
    assert len(parse(content, max_rows=3).rows) == 3
    with pytest.raises(ImportFileError, match="more than 2 data rows"):
        parse(content, max_rows=2)


def test_header_only_file_is_fine_and_empty() -> None:
    result = parse(make_csv([]))
    assert (result.rows, result.errors, result.failed) == ([], [], 0)
