"""Bulk listing import from CSV or XLSX: one spreadsheet row → one draft listing.

Every row is turned into the same dict a JSON client would send and loaded with
`ListingInputSchema`, so an imported listing obeys exactly the rules of `POST /listings`.
Problems with a single row become `{row, field, message}` entries and never block the other
rows; problems with the file itself (encoding, format, headers, size, the limits of
`SheetLimits`) raise `ImportFileError`. The reader keeps only the template's columns (a value
right of them is reported as a row error) and stops at the first row past a limit.

Parsing (`parse_listings`) touches neither Flask nor the database; `import_listings` adds the
valid rows as drafts in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import ValidationError
from openpyxl.utils import get_column_letter

from marketplace.accounts.models import Organization
from marketplace.catalog.schemas import ListingInputSchema
from marketplace.catalog.services import add_draft_listing
from marketplace.catalog.spreadsheet import (
    ImportFileError,
    SheetLimits,
    SheetRow,
    cell_text,
    read_rows,
)
from marketplace.catalog.vocabulary import (
    CATEGORIES,
    CERTIFICATIONS,
    CURRENCIES,
    INCOTERMS,
    UNITS,
)
from marketplace.extensions import db
from marketplace.web.countries import COUNTRIES
from marketplace.web.errors import DomainError

# One column per field, in template order (API.md "Listings"; origin/iecic flattened).
COLUMNS = (
    "title_zh", "title_en", "inci_name", "cas_number", "ec_number", "category",
    "botanical_name", "plant_part", "extraction_method", "form", "description",
    "origin_country", "origin_province", "origin_city", "certifications", "iecic_listed",
    "iecic_name_zh", "iecic_serial", "specifications", "unit", "moq", "stock_quantity",
    "lead_time_days", "shelf_life_months", "packaging", "currency", "price_tiers",
    "sample_available", "incoterms",
)
REQUIRED_COLUMNS = (
    "title_zh", "inci_name", "category", "origin_country", "unit", "moq", "stock_quantity",
    "price_tiers",
)
_NESTED = {
    "origin_country": ("origin", "country"), "origin_province": ("origin", "province"),
    "origin_city": ("origin", "city"), "iecic_listed": ("iecic", "listed"),
    "iecic_name_zh": ("iecic", "name_zh"), "iecic_serial": ("iecic", "serial"),
}
# Column reported when a whole nested object is wrong or missing.
_NESTED_DEFAULT_COLUMN = {"origin": "origin_country", "iecic": "iecic_listed"}
_BOOLEANS = {
    "true": True, "false": False, "yes": True, "no": False, "1": True, "0": False,
    "是": True, "否": False, "y": True, "n": False,
}
# Closed vocabularies matched case-insensitively (`kg`/`KG`, `cn`/`CN`); the schema still decides.
_CANONICAL = {
    column: {value.casefold(): value for value in vocabulary}
    for column, vocabulary in {
        "category": CATEGORIES, "unit": UNITS, "currency": CURRENCIES,
        "origin_country": COUNTRIES, "certifications": CERTIFICATIONS, "incoterms": INCOTERMS,
    }.items()
}
_LIST_SPLIT = re.compile(r"[;|,；，、]")
_PAIR_SPLIT = re.compile(r"[;；\n]")
_ITEM_NOUN = {"price_tiers": "tier", "specifications": "specification"}
# Messages quote the offending text; an XLSX cell can hold 32,767 characters, and one shared
# string can fill a cell in every row, so a quoted value must not grow the report that much.
MAX_MESSAGE_CHARS = 500
_NO_HEADER = "This column has no header; its value cannot be imported."


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row number: the header is row 1
    field: str  # column name
    message: str

    def __post_init__(self) -> None:
        if len(self.message) > MAX_MESSAGE_CHARS:
            object.__setattr__(self, "message", self.message[:MAX_MESSAGE_CHARS - 1] + "…")


@dataclass(frozen=True)
class ParsedRow:
    row: int
    data: dict[str, Any]  # as loaded by ListingInputSchema


@dataclass
class ParseResult:
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    failed: int = 0


@dataclass
class ImportReport:
    created: int
    failed: int
    errors: list[RowError]
    dry_run: bool
    listing_ids: list[str]


# --------------------------------------------------------------------------- parsing


def parse_listings(content: bytes, *, max_rows: int,
                   limits: SheetLimits | None = None) -> ParseResult:
    """Validate every row; raise ImportFileError when the file itself is unusable.

    At most `max_rows` data rows (the header is the first non-blank row); blank rows are
    skipped, up to `limits.max_blank_rows` of them.
    """
    rows = read_rows(content, max_columns=len(COLUMNS), max_data_rows=max_rows, limits=limits)
    header: list[str] | None = None
    result = ParseResult()
    schema = ListingInputSchema()
    for row in rows:
        number, cells = row.number, [cell_text(cell) for cell in row.cells]
        if header is None:
            header = _check_header(cells, row)
            continue
        data, errors = _row_to_input(number, header, cells)
        if row.overflow is not None:
            errors.append(RowError(number, f"column {get_column_letter(row.overflow[0])}",
                                   _NO_HEADER))
        try:
            loaded = schema.load(data)
        except ValidationError as exc:
            # A cell that could not even be converted is reported once, not again as missing.
            unconvertible = {error.field for error in errors}
            errors.extend(error for error in _flatten(number, exc.normalized_messages())
                          if error.field not in unconvertible)
        else:
            if not errors:
                result.rows.append(ParsedRow(number, loaded))
                continue
        result.errors.extend(errors)
        result.failed += 1
    if header is None:
        raise ImportFileError("The file has no header row.")
    return result


def _check_header(cells: list[str], row: SheetRow) -> list[str]:
    if row.overflow is not None:
        column, value = row.overflow
        raise ImportFileError(
            f"Column {get_column_letter(column)} ({cell_text(value)[:100]!r}) is right of the "
            f"last column an import file may use: at most {len(COLUMNS)} columns, one per "
            "template field; remove empty or extra columns."
        )
    names = [cell.strip().lstrip("\ufeff").strip() for cell in cells]
    header = [name.lower() for name in names]
    unknown = [name for name in names if name and name.lower() not in COLUMNS]
    if unknown:
        raise ImportFileError(
            f"Unknown column {unknown[0]!r}; allowed columns: {', '.join(COLUMNS)}."
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise ImportFileError(f"Column {repeated[0]!r} appears more than once.")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportFileError(f"Required column(s) missing: {', '.join(missing)}.")
    return header


def _row_to_input(number: int, header: list[str],
                  cells: list[str]) -> tuple[dict[str, Any], list[RowError]]:
    """The API input dict for one row (empty cells = absent fields) and conversion errors."""
    data: dict[str, Any] = {}
    errors: list[RowError] = []
    for index, raw in enumerate(cells):
        text = raw.strip()
        if not text:
            continue
        column = header[index] if index < len(header) else ""
        if not column:
            errors.append(RowError(number, f"column {get_column_letter(index + 1)}", _NO_HEADER))
            continue
        try:
            value = _convert(column, text)
        except ValueError as exc:
            errors.append(RowError(number, column, str(exc)))
            continue
        if column in _NESTED:
            parent, key = _NESTED[column]
            data.setdefault(parent, {})[key] = value
        else:
            data[column] = value
    return data, errors


def _convert(column: str, text: str) -> Any:
    if column in ("iecic_listed", "sample_available"):
        flag = _BOOLEANS.get(text.casefold())
        if flag is None:
            raise ValueError(f"Expected true/false, yes/no, 1/0 or 是/否, got {text!r}.")
        return flag
    if column in ("certifications", "incoterms"):
        return [_canonical(column, item) for item in _split(_LIST_SPLIT, text)]
    if column == "price_tiers":
        return [_tier(item) for item in _split(_PAIR_SPLIT, text)]
    if column == "specifications":
        return [_specification(item) for item in _split(_PAIR_SPLIT, text)]
    return _canonical(column, text)


def _split(pattern: re.Pattern[str], text: str) -> list[str]:
    return [item.strip() for item in pattern.split(text) if item.strip()]


def _canonical(column: str, value: str) -> str:
    return _CANONICAL.get(column, {}).get(value.casefold(), value)


def _tier(item: str) -> dict[str, str]:
    quantity, colon, price = item.replace("：", ":").partition(":")
    if not colon or not quantity.strip() or not price.strip():
        raise ValueError(
            f"Expected min_quantity:unit_price pairs like 25:180.00;100:160.00, got {item!r} "
            "(if Excel turned the cell into a time, format the column as Text)."
        )
    return {"min_quantity": quantity.strip(), "unit_price": price.strip()}


def _specification(item: str) -> dict[str, str]:
    parameter, equals, rest = item.partition("=")
    if not equals or not parameter.strip() or not rest.strip():
        raise ValueError(
            f"Expected parameter=value or parameter=value@method, got {item!r}."
        )
    value, at, method = rest.rpartition("@") if "@" in rest else (rest, "", "")
    spec = {"parameter": parameter.strip(), "value": value.strip()}
    if at and method.strip():
        spec["method"] = method.strip()
    return spec


def _flatten(number: int, messages: Mapping[Any, Any]) -> Iterator[RowError]:
    for key, value in messages.items():
        if key in _NESTED_DEFAULT_COLUMN and isinstance(value, Mapping):
            for sub, sub_value in value.items():
                column = (f"{key}_{sub}" if f"{key}_{sub}" in _NESTED
                          else _NESTED_DEFAULT_COLUMN[key])
                for path, message in _messages(sub_value, ()):
                    yield RowError(number, column, _prefixed(column, path, message))
            continue
        column = _NESTED_DEFAULT_COLUMN.get(key, "row" if key == "_schema" else str(key))
        for path, message in _messages(value, ()):
            yield RowError(number, column, _prefixed(column, path, message))


def _messages(value: Any, path: tuple[Any, ...]) -> Iterable[tuple[tuple[Any, ...], str]]:
    if isinstance(value, Mapping):
        for key, sub in value.items():
            yield from _messages(sub, (*path, key))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _messages(item, path)
    else:
        yield path, str(value)


def _prefixed(column: str, path: tuple[Any, ...], message: str) -> str:
    parts = [
        f"{_ITEM_NOUN.get(column, 'item')} {part + 1}" if isinstance(part, int) else str(part)
        for part in path
    ]
    return f"{' '.join(parts)}: {message}" if parts else message


# --------------------------------------------------------------------------- importing


def import_listings(supplier: Organization, content: bytes, *, max_rows: int,
                    limits: SheetLimits | None = None, dry_run: bool = False) -> ImportReport:
    """Create a draft per valid row, all in one transaction (dry run: nothing is written).

    A dry run goes through `add_draft_listing` too (inside a savepoint that is rolled back),
    so it reports exactly what a real import would. Rows get no savepoint of their own:
    `add_draft_listing` raises its `DomainError`s before it adds anything, and a savepoint per
    row would nearly double the time of a 10,000-row import on PostgreSQL (bench/README.md).
    """
    parsed = parse_listings(content, max_rows=max_rows, limits=limits)
    errors = list(parsed.errors)
    failed = parsed.failed
    listing_ids: list[str] = []
    outer = db.session.begin_nested() if dry_run else None
    try:
        for row in parsed.rows:
            try:
                listing = add_draft_listing(supplier, row.data, flush=False)
            except DomainError as exc:
                errors.extend(_domain_errors(row.row, exc))
                failed += 1
                continue
            listing_ids.append(listing.id)
        db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    if outer is not None:
        outer.rollback()
    else:
        db.session.commit()
    errors.sort(key=lambda error: error.row)
    return ImportReport(
        created=len(listing_ids), failed=failed, errors=errors, dry_run=dry_run,
        listing_ids=[] if dry_run else listing_ids,
    )


def _domain_errors(number: int, exc: DomainError) -> list[RowError]:
    fields = (exc.errors or {}).get("json")
    if isinstance(fields, Mapping) and fields:
        return list(_flatten(number, fields))
    return [RowError(number, "row", exc.message)]


# --------------------------------------------------------------------------- template

TEMPLATE_ROWS: tuple[dict[str, str], ...] = (
    {
        "title_zh": "平阴重瓣玫瑰花提取物", "title_en": "Pingyin Double-Petal Rose Flower Extract",
        "inci_name": "Rosa Rugosa Flower Extract", "category": "plant_extract",
        "botanical_name": "Rosa rugosa Thunb.", "plant_part": "flower",
        "extraction_method": "water-glycerin extraction", "form": "liquid",
        "description": "平阴重瓣玫瑰鲜花低温萃取，甘油水溶液，适用于爽肤水、精华与面膜。",
        "origin_country": "CN", "origin_province": "山东", "origin_city": "济南",
        "certifications": "GI;ISO_22716", "iecic_listed": "是",
        "iecic_name_zh": "玫瑰（ROSA RUGOSA）花提取物",
        "specifications": "Appearance=light yellow to amber liquid;pH=4.0-6.0@GB/T 13531.1;"
                          "Total bacteria=≤100 CFU/g@GB/T 30941",
        "unit": "kg", "moq": "25", "stock_quantity": "1200", "lead_time_days": "7",
        "shelf_life_months": "24", "packaging": "25 kg HDPE drum", "currency": "CNY",
        "price_tiers": "25:180.00;100:160.00;500:145.00", "sample_available": "yes",
        "incoterms": "EXW;FOB",
    },
    {
        "title_zh": "宁夏葡萄籽油（冷榨）", "title_en": "Ningxia Cold-Pressed Grape Seed Oil",
        "inci_name": "Vitis Vinifera (Grape) Seed Oil", "cas_number": "85594-37-2",
        "category": "vegetable_oil", "botanical_name": "Vitis vinifera L.", "plant_part": "seed",
        "extraction_method": "cold pressed", "form": "oil",
        "description": "贺兰山东麓酿酒葡萄籽冷榨精滤，富含亚油酸。",
        "origin_country": "CN", "origin_province": "宁夏", "origin_city": "银川",
        "certifications": "CN_ORGANIC|HALAL", "iecic_listed": "true",
        "iecic_name_zh": "葡萄（VITIS VINIFERA）籽油",
        "specifications": "Acid value=≤0.5 mg KOH/g@GB 5009.229;Linoleic acid=≥65%@GC",
        "unit": "kg", "moq": "50", "stock_quantity": "8000", "lead_time_days": "10",
        "shelf_life_months": "18", "packaging": "190 kg steel drum", "currency": "CNY",
        "price_tiers": "50:95.00;200:88.00;1000:80.00", "sample_available": "true",
        "incoterms": "EXW;FOB;CIF",
    },
)


def template_csv() -> bytes:
    """The header and two example rows, UTF-8 with BOM so Excel shows Chinese correctly."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(TEMPLATE_ROWS)
    return buffer.getvalue().encode("utf-8-sig")
