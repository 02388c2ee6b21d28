"""Reading spreadsheets for the listing import: CSV (UTF-8 with or without BOM, or
GBK/GB18030 as Excel saves it on Chinese Windows) and XLSX (openpyxl, read-only), as
numbered rows of raw cell values. Knows nothing of listings."""

from __future__ import annotations

import csv
import io
import warnings
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

XLSX_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
# A 5 MB upload that inflates past this is not a listing sheet (zip bomb guard).
MAX_XLSX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024


class ImportFileError(Exception):
    """The file as a whole cannot be imported (nothing is created)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message




def read_rows(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    """`(row number, cells)` for every row of a CSV or XLSX file (format sniffed from bytes)."""
    if not content:
        raise ImportFileError("The file is empty.")
    if content.startswith(XLSX_MAGIC):
        return _xlsx_rows(content)
    if content.startswith(_OLE2_MAGIC):
        raise ImportFileError("Legacy .xls files are not supported; save as .xlsx or CSV UTF-8.")
    return _csv_rows(_decode(content))


def _decode(content: bytes) -> str:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("UTF-16 text is not supported; save the sheet as CSV UTF-8.")
    # Excel writes UTF-8 with a BOM ("CSV UTF-8") or, on Chinese Windows, GBK ("CSV").
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            raise ImportFileError("Not a CSV or XLSX file (it contains binary data).")
        return text
    raise ImportFileError("Not a CSV or XLSX file, or the text is neither UTF-8 nor GBK/GB18030.")


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise ImportFileError(f"Malformed CSV near row {reader.line_num}: {exc}.") from exc


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[Any]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError("The file looks like XLSX but is not a valid zip archive.") from exc
    if inflated > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise ImportFileError("The XLSX file is too large once uncompressed.")
    with warnings.catch_warnings():
        # openpyxl warns about styles/extensions it drops; irrelevant for reading values.
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a corrupt package
            raise ImportFileError("The file is not a readable XLSX workbook.") from exc
        try:
            if not workbook.worksheets:
                raise ImportFileError("The workbook has no sheet.")
            sheet = workbook.worksheets[0]
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        except ImportFileError:
            raise
        except Exception as exc:
            raise ImportFileError("The first sheet of the workbook cannot be read.") from exc
        finally:
            workbook.close()


def cell_text(value: Any) -> str:
    """A cell as text: Excel numbers without float noise (180.0 → "180", 0.1 → "0.1")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal):
        # repr() of a float is the shortest text that round-trips: 0.1 → "0.1", not 0.1000…
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if not number.is_finite():
            return str(value)
        if number == number.to_integral_value():
            return format(number.to_integral_value(), "f")  # 180.0 → "180"
        return format(number.normalize(), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()
