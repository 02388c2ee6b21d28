"""XLSX files written by hand (zipfile + SpreadsheetML text), normal and hostile.

No binary fixtures: every workbook is built here from its XML, so a reader can see exactly what
each bomb declares and holds. Used by the import tests and by bench/import_bomb_bench.py.

- `dimension_bomb()`: ~2 KB; the sheet declares `A1:XFD1048576` and holds one cell, in row
  1,048,576 (openpyxl's reader turned it into a million blank rows of 16,384 cells).
- `blank_row_bomb(n)`: a header, then n empty `<row/>` elements (compresses ~1000:1).
- `numbered_blank_row_bomb(n)`: the same with `r` attributes: compresses far less, so it
  gets past the compression-ratio check and must be stopped by the blank-row limit.
- `wide_row_bomb(rows)`: a header, then rows of cells up to column XFD.
- `shared_strings_bomb(n)`: a sharedStrings part of n distinct strings.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
MAX_ROW = 1_048_576
MAX_COLUMN = 16_384  # XFD

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "{strings}</Types>"
)
STRINGS_CONTENT_TYPE = (
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
    '{properties}<sheets><sheet name="listings" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>{strings}</Relationships>'
)
STRINGS_REL = (
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/>'
)
STYLES_REL = (
    '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/>'
)
# The required columns, then a row that is valid under them.
HEADER = ("title_zh", "inci_name", "category", "origin_country", "unit", "moq",
          "stock_quantity", "price_tiers")
ROSE_ROW = ("平阴重瓣玫瑰花提取物", "Rosa Rugosa Flower Extract", "plant_extract", "CN", "kg",
            "25", "1200", "25:180.00;100:160.00")


def column_letter(index: int) -> str:
    """1 → A, 26 → Z, 27 → AA, 16384 → XFD."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def inline_row(number: int, values: Sequence[str]) -> str:
    cells = "".join(
        f'<c r="{column_letter(i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        for i, v in enumerate(values, start=1) if v
    )
    return f'<row r="{number}">{cells}</row>'


def sheet(rows: Iterable[str], *, dimension: str | None = None) -> Iterable[str]:
    """The worksheet part, as pieces of text (written to the zip one after another)."""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
    if dimension:
        yield f'<dimension ref="{dimension}"/>'
    yield "<sheetData>"
    yield from rows
    yield "</sheetData></worksheet>"


def shared_strings(strings: Iterable[str]) -> Iterable[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">'
    for text in strings:
        yield f"<si><t>{escape(text)}</t></si>"
    yield "</sst>"


def workbook(sheet_xml: Iterable[str], *, strings: Iterable[str] | None = None,
             strings_xml: Iterable[str] | None = None, styles: str | None = None,
             date1904: bool = False, extra: dict[str, str] | None = None) -> bytes:
    """A complete .xlsx package around one worksheet part (and optional shared strings, as
    plain texts or as the part's XML, and styles)."""
    if strings is not None:
        strings_xml = shared_strings(strings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED,
                         compresslevel=9) as archive:
        has_strings = strings_xml is not None
        archive.writestr("[Content_Types].xml", CONTENT_TYPES.format(
            strings=STRINGS_CONTENT_TYPE if has_strings else ""))
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK.format(
            properties='<workbookPr date1904="1"/>' if date1904 else ""))
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.format(
            strings=(STRINGS_REL if has_strings else "") + (STYLES_REL if styles else "")))
        _write_streamed(archive, "xl/worksheets/sheet1.xml", sheet_xml)
        if strings_xml is not None:
            _write_streamed(archive, "xl/sharedStrings.xml", strings_xml)
        if styles:
            archive.writestr("xl/styles.xml", styles)
        for name, text in (extra or {}).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _write_streamed(archive: zipfile.ZipFile, name: str, pieces: Iterable[str]) -> None:
    with archive.open(name, "w", force_zip64=False) as member:
        batch: list[str] = []
        for piece in pieces:
            batch.append(piece)
            if len(batch) >= 4096:
                member.write("".join(batch).encode())
                batch.clear()
        member.write("".join(batch).encode())


# --------------------------------------------------------------------------- normal files


def normal_xlsx(rows: Sequence[Sequence[str]] = (ROSE_ROW,)) -> bytes:
    """A header and data rows, inline strings, the way a small exporter writes them."""
    lines = [inline_row(1, HEADER)]
    lines += [inline_row(number, row) for number, row in enumerate(rows, start=2)]
    return workbook(sheet(lines, dimension=f"A1:H{len(rows) + 1}"))


# --------------------------------------------------------------------------- bombs


def dimension_bomb() -> bytes:
    """~2 KB: `A1:XFD1048576` declared, a single cell in row 1,048,576."""
    last = f'<row r="{MAX_ROW}"><c r="A{MAX_ROW}" t="inlineStr"><is><t>x</t></is></c></row>'
    return workbook(sheet([last], dimension=f"A1:XFD{MAX_ROW}"))


def blank_row_bomb(blank_rows: int = 500_000) -> bytes:
    """A valid header, `blank_rows` empty `<row/>` elements, then one valid data row."""
    rows = _header_blank_rows_data(blank_rows, numbered=False)
    return workbook(sheet(rows, dimension=f"A1:XFD{MAX_ROW}"))


def numbered_blank_row_bomb(blank_rows: int = 200_000) -> bytes:
    """Like `blank_row_bomb`, but every row carries its number, so it compresses only ~20:1."""
    return workbook(sheet(_header_blank_rows_data(blank_rows, numbered=True)))


def _header_blank_rows_data(blank_rows: int, *, numbered: bool) -> Iterable[str]:
    yield inline_row(1, HEADER)
    for number in range(2, blank_rows + 2):
        yield f'<row r="{number}" spans="1:29"/>' if numbered else "<row/>"
    yield inline_row(blank_rows + 2, ROSE_ROW)


def wide_row_bomb(rows: int = 100, *, numbered: bool = False) -> bytes:
    """A valid header, then `rows` rows of 16,384 numeric cells each (columns A to XFD)."""

    letters = [column_letter(c) for c in range(1, MAX_COLUMN + 1)] if numbered else []

    def lines() -> Iterable[str]:
        yield inline_row(1, HEADER)
        for number in range(2, rows + 2):
            if numbered:
                cells = "".join(f'<c r="{letter}{number}"><v>{c}</v></c>'
                                for c, letter in enumerate(letters, start=1))
            else:
                cells = "<c><v>1</v></c>" * MAX_COLUMN
            yield f'<row r="{number}">{cells}</row>'

    return workbook(sheet(lines(), dimension=f"A1:XFD{rows + 1}"))


def shared_strings_bomb(count: int = 2_000_000) -> bytes:
    """A normal sheet whose sharedStrings part holds `count` distinct strings."""
    strings = (f"s{index}" for index in range(count))
    header = "".join(f'<c r="{column_letter(i)}1" t="s"><v>{i - 1}</v></c>'
                     for i in range(1, len(HEADER) + 1))
    return workbook(sheet([f'<row r="1">{header}</row>']),
                    strings=itertools.chain(HEADER, strings))


def giant_tag_bomb(size: int = 2 * 1024 * 1024) -> bytes:
    """A header, then a cell whose start tag carries a `size`-character attribute."""
    cell = f'<c r="A2" t="inlineStr" x="{"a" * size}"><is><t>x</t></is></c>'
    return workbook(sheet([inline_row(1, HEADER), f'<row r="2">{cell}</row>']))


def deep_nesting_bomb(depth: int = 100_000) -> bytes:
    """A header, then a cell whose inline string nests `depth` elements."""
    nested = "<r>" * depth + "</r>" * depth
    cell = f'<c r="A2" t="inlineStr"><is>{nested}</is></c>'
    return workbook(sheet([inline_row(1, HEADER), f'<row r="2">{cell}</row>']))


def entity_bomb(levels: int = 10) -> bytes:
    """"Billion laughs": a DTD whose entities expand to 10**levels copies of "lol"."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{level} "{f"&lol{level - 1};" * 10}">' for level in range(1, levels)
    ]
    doctype = f"<!DOCTYPE worksheet [{''.join(entities)}]>"
    body = (f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
            f"<is><t>&lol{levels - 1};</t></is></c></row></sheetData></worksheet>")
    return workbook([f'<?xml version="1.0"?>{doctype}{body}'])


def many_parts_bomb(parts: int = 10_001) -> bytes:
    """A normal workbook plus `parts` empty members."""
    return workbook(sheet([inline_row(1, HEADER), inline_row(2, ROSE_ROW)]),
                    extra={f"xl/media/empty{index}.bin": "" for index in range(parts)})
