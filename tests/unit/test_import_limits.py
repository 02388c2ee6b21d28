"""The import reader's bounds on work and memory (issue 12, item 1), with the bombs built in
tests/xlsx_bombs.py, and its reading of hand-written SpreadsheetML. No database involved.

Bounds are asserted on behaviour: which limit refuses the file, how many rows or cells the
parser handled before stopping (counted by wrapping its callbacks), and the peak of Python
allocations (tracemalloc, which sees expat's and zlib's buffers too) — not on wall time.
"""

from __future__ import annotations

import contextlib
import csv
import io
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from openpyxl.utils import get_column_letter

from marketplace.catalog import spreadsheet
from marketplace.catalog.importer import COLUMNS, ImportFileError, parse_listings
from marketplace.catalog.spreadsheet import SheetLimits, read_rows
from tests import xlsx_bombs as bombs

MB = 1024 * 1024
DEFAULTS = SheetLimits()
# The zip checks switched off, to show that the row and cell limits bound the work alone.
NO_ZIP_CHECKS = SheetLimits(max_uncompressed_bytes=10**10, max_compression_ratio=10**6)


def parse(content: bytes, limits: SheetLimits | None = None, max_rows: int = 10_000) -> Any:
    return parse_listings(content, max_rows=max_rows, limits=limits)


def refused(content: bytes, limits: SheetLimits | None = None, max_rows: int = 10_000) -> str:
    with pytest.raises(ImportFileError) as info:
        parse(content, limits, max_rows)
    return info.value.message


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], list[int]]:
    """Count the calls of one `_SheetReader` method: counted("_end_row") → [calls]."""

    def wrap(name: str) -> list[int]:
        calls = [0]
        original = getattr(spreadsheet._SheetReader, name)

        def counting(self: Any, *args: Any) -> Any:
            calls[0] += 1
            return original(self, *args)

        monkeypatch.setattr(spreadsheet._SheetReader, name, counting)
        return calls

    return wrap


def peak_mib(action: Callable[[], Any]) -> float:
    """The peak of Python allocations (MiB) while `action` runs (refused or not)."""
    tracemalloc.start()
    try:
        with contextlib.suppress(ImportFileError):
            action()
        return tracemalloc.get_traced_memory()[1] / MB
    finally:
        tracemalloc.stop()


# --------------------------------------------------------------------------- the bombs


def test_dimension_bomb_stops_at_the_first_blank_row_past_the_limit(counted) -> None:
    content = bombs.dimension_bomb()
    assert len(content) < 2048
    rows = counted("_start_row")
    message = refused(content)
    # Row 1,048,576 is the only row in the file: the million rows before it are counted as
    # blank in one step, and the limit is named.
    assert message.startswith(
        f"The file has more than {DEFAULTS.max_blank_rows} blank rows (row 10001 is one)")
    assert rows == [1]
    assert peak_mib(lambda: parse(content)) < 50


def test_dimension_is_never_trusted() -> None:
    """A sheet declaring A1:XFD1048576 but holding two rows reads as two rows of 29 cells."""
    content = bombs.workbook(bombs.sheet(
        [bombs.inline_row(1, bombs.HEADER), bombs.inline_row(2, bombs.ROSE_ROW)],
        dimension="A1:XFD1048576"))
    rows = list(read_rows(content, max_columns=len(COLUMNS), max_data_rows=10))
    assert [(row.number, len(row.cells), row.overflow) for row in rows] == [
        (1, len(COLUMNS), None), (2, len(COLUMNS), None)]
    result = parse(content)
    assert (len(result.rows), result.errors) == (1, [])


def test_blank_row_bomb_is_refused_by_its_compression_ratio_before_parsing(counted) -> None:
    content = bombs.blank_row_bomb(500_000)
    rows = counted("_start_row")
    message = refused(content)
    assert "xl/worksheets/sheet1.xml inflates from" in message
    assert f"at most {DEFAULTS.max_compression_ratio}:1" in message
    assert rows == [0]


def test_blank_rows_alone_stop_the_reading_at_the_limit(counted) -> None:
    content = bombs.blank_row_bomb(500_000)
    rows = counted("_start_row")
    message = refused(content, NO_ZIP_CHECKS)
    assert "more than 10000 blank rows (row 10002 is one)" in message
    assert rows == [1 + DEFAULTS.max_blank_rows + 1]  # the header, the blanks, one more
    assert peak_mib(lambda: parse(content, NO_ZIP_CHECKS)) < 50


def test_numbered_blank_rows_pass_the_zip_checks_and_stop_at_the_limit(counted) -> None:
    content = bombs.numbered_blank_row_bomb(200_000)
    rows = counted("_start_row")
    assert "more than 10000 blank rows (row 10002 is one)" in refused(content)
    assert rows == [1 + DEFAULTS.max_blank_rows + 1]
    assert peak_mib(lambda: parse(content)) < 50


def test_blank_rows_within_the_limit_are_skipped_anywhere() -> None:
    limits = SheetLimits(max_blank_rows=5)
    rows = [bombs.inline_row(3, bombs.HEADER), bombs.inline_row(5, bombs.ROSE_ROW),
            "<row r=\"6\"/>", bombs.inline_row(7, bombs.ROSE_ROW), '<row r="8" spans="1:8"/>']
    result = parse(bombs.workbook(bombs.sheet(rows)), limits)  # rows 1, 2, 4, 6, 8: 5 blank
    assert [row.row for row in result.rows] == [5, 7]
    rows.append('<row r="9"><c r="A9" t="inlineStr"><is><t>  </t></is></c></row>')
    assert "more than 5 blank rows (row 9 is one)" in refused(
        bombs.workbook(bombs.sheet(rows)), limits)


def test_wide_row_bomb_is_refused_by_its_compression_ratio() -> None:
    message = refused(bombs.wide_row_bomb(100))
    assert "xl/worksheets/sheet1.xml inflates from" in message


def test_too_many_cells_are_refused_before_the_sheet_is_parsed(counted) -> None:
    content = bombs.wide_row_bomb(40)  # 655,360 cells
    cells = counted("_start_cell")
    assert refused(content, NO_ZIP_CHECKS).startswith(
        f"The file has more than {DEFAULTS.max_cells} cells")
    assert cells == [0]  # counted while inflating, before expat saw the part
    assert peak_mib(lambda: parse(content, NO_ZIP_CHECKS)) < 50


def test_the_parser_counts_cells_too(counted) -> None:
    """Cells the pre-count cannot see (a prefixed namespace) still count, one by one."""
    rows = "".join(f'<x:row r="{number}">' + "<x:c><x:v>1</x:v></x:c>" * 1000 + "</x:row>"
                   for number in (2, 3, 4))
    header = bombs.inline_row(1, bombs.HEADER).replace("<", "<x:").replace("<x:/", "</x:")
    content = bombs.workbook([
        f'<x:worksheet xmlns:x="{bombs.MAIN_NS}"><x:sheetData>{header}{rows}'
        "</x:sheetData></x:worksheet>"
    ])
    cells = counted("_start_cell")
    assert "more than 2000 cells" in refused(content, SheetLimits(max_cells=2000))
    assert cells == [2001]


def test_a_row_wider_than_the_template_keeps_its_first_columns_only() -> None:
    content = bombs.wide_row_bomb(3, numbered=True)  # values 1 … 16384 in columns A … XFD
    (header, *rows) = read_rows(content, max_columns=len(COLUMNS), max_data_rows=10)
    assert header.overflow is None
    for row in rows:
        assert row.cells == list(range(1, len(COLUMNS) + 1))
        assert row.overflow == (len(COLUMNS) + 1, len(COLUMNS) + 1)
    result = parse(content)
    columns = [e.field for e in result.errors if e.row == 2 and e.field.startswith("column ")]
    # Columns I … AC have no header (8 are used); AD is the first past the template's 29,
    # and nothing right of it is read.
    assert columns == [f"column {get_column_letter(index)}" for index in range(9, 31)]
    assert peak_mib(lambda: parse(content)) < 50


def test_a_header_past_the_template_columns_refuses_the_file() -> None:
    header = [*bombs.HEADER] + [""] * 25 + ["notes"]  # "notes" in column 34, AH
    content = bombs.workbook(bombs.sheet([bombs.inline_row(1, header)]))
    assert refused(content).startswith(
        "Column AH ('notes') is right of the last column an import file may use: "
        f"at most {len(COLUMNS)} columns")


def test_shared_strings_bomb_is_refused_before_its_strings_are_read(monkeypatch) -> None:
    added = [0]
    add = spreadsheet._SharedStrings.add

    def counting(self: Any, text: str) -> None:
        added[0] += 1
        add(self, text)

    monkeypatch.setattr(spreadsheet._SharedStrings, "add", counting)
    content = bombs.shared_strings_bomb(600_000)
    assert refused(content) == (
        f"The XLSX file has more than {DEFAULTS.max_cells} shared strings; "
        "it is not a listing sheet.")
    assert added == [0]
    assert peak_mib(lambda: parse(content)) < 50


def test_shared_strings_are_stored_compactly() -> None:
    """300,000 strings (within the limit) are held in a few MB, not ~50 bytes each."""
    content = bombs.shared_strings_bomb(300_000)
    results: list[Any] = []
    assert peak_mib(lambda: results.append(parse(content))) < 20
    assert (results[0].rows, results[0].errors) == ([], [])  # the header alone


def test_declared_shared_string_count_is_checked_first() -> None:
    strings = [f'<?xml version="1.0"?><sst xmlns="{bombs.MAIN_NS}" uniqueCount="999999999">',
               "<si><t>title_zh</t></si></sst>"]
    content = bombs.workbook(bombs.sheet(['<row r="1"><c r="A1" t="s"><v>0</v></c></row>']),
                             strings_xml=strings)
    assert "more than 500000 shared strings" in refused(content)


def test_inflated_size_is_checked_before_anything_is_read(counted) -> None:
    content = bombs.numbered_blank_row_bomb(50_000)  # sheet1.xml ≈ 1.5 MB
    rows = counted("_start_row")
    message = refused(content, SheetLimits(max_uncompressed_bytes=MB))
    assert message.startswith("The XLSX file is too large once uncompressed: 1.")
    assert "more than the 1.0 MB accepted" in message
    assert rows == [0]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (bombs.giant_tag_bomb, "holds a single XML tag or text larger than 1048576 bytes"),
        (bombs.deep_nesting_bomb, "nests XML elements more than 64 deep"),
        (bombs.entity_bomb, "declares a DTD or entities"),
    ],
)
def test_hostile_xml_is_refused_with_little_memory(build, message) -> None:
    content = build()
    assert message in refused(content, NO_ZIP_CHECKS)
    assert peak_mib(lambda: parse(content, NO_ZIP_CHECKS)) < 50


def test_too_many_zip_members_are_refused_before_the_zip_is_opened(monkeypatch) -> None:
    opened: list[Any] = []
    content = bombs.many_parts_bomb(10_001)
    monkeypatch.setattr(spreadsheet.zipfile, "ZipFile", lambda *a, **k: opened.append(a))
    assert "more than 10000 parts" in refused(content)
    assert opened == []


def test_too_many_xml_elements_are_refused_before_parsing(counted) -> None:
    junk = "<sheetViews>" + "<sheetView/>" * 50_000 + "</sheetViews>"
    content = bombs.workbook([f'<worksheet xmlns="{bombs.MAIN_NS}">{junk}<sheetData>'
                              "</sheetData></worksheet>"])
    rows = counted("_start_row")
    assert "more than 40000 XML elements" in refused(
        content, SheetLimits(max_cells=10_000, max_compression_ratio=10**6))
    assert rows == [0]


# --------------------------------------------------------------------------- CSV


def csv_file(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode()


def test_csv_blank_lines_count_against_the_blank_row_limit() -> None:
    content = ",".join(bombs.HEADER).encode() + b"\n" * 2_000_000 + ",".join(
        bombs.ROSE_ROW).encode()
    assert "more than 10000 blank rows (row 10002 is one)" in refused(content)
    assert peak_mib(lambda: parse(content)) < 50
    trailing = ",".join(bombs.HEADER) + "\n" + ",".join(bombs.ROSE_ROW) + "\r\n" * 100
    assert len(parse(trailing.encode()).rows) == 1


def test_a_csv_line_longer_than_the_limit_is_refused() -> None:
    content = csv_file([list(bombs.HEADER), list(bombs.ROSE_ROW),
                        [*bombs.ROSE_ROW[:-1], "25:1" + "0" * 200_000]])
    assert refused(content) == (
        "Line 3 of the file is longer than 131072 characters; it is not a listing sheet.")


def test_csv_fields_count_as_cells() -> None:
    content = csv_file([list(bombs.HEADER)] + [list(bombs.ROSE_ROW)] * 20)
    assert "more than 100 cells" in refused(content, SheetLimits(max_cells=100))


def test_a_csv_value_right_of_the_template_columns_is_a_row_error() -> None:
    row = [*bombs.ROSE_ROW] + [""] * 25 + ["stray"]  # column 34, AH
    result = parse(csv_file([list(bombs.HEADER), row]))
    assert [(error.row, error.field) for error in result.errors] == [(2, "column AH")]
    assert result.errors[0].message == "This column has no header; its value cannot be imported."


def test_error_messages_quoting_a_huge_cell_are_clipped() -> None:
    content = csv_file([list(bombs.HEADER), [*bombs.ROSE_ROW[:2], "x" * 30_000,
                                             *bombs.ROSE_ROW[3:]]])
    (error,) = parse(content).errors
    assert error.field == "category"
    assert len(error.message) == 500 and error.message.endswith("…")


# --------------------------------------------------------------------------- SpreadsheetML


STYLES = f"""<?xml version="1.0"?><styleSheet xmlns="{bombs.MAIN_NS}">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>
<numFmt numFmtId="165" formatCode="[h]:mm:ss"/></numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>
<xf numFmtId="165"/><xf numFmtId="2"/></cellXfs></styleSheet>"""
STRINGS = [
    f'<?xml version="1.0"?><sst xmlns="{bombs.MAIN_NS}" count="3" uniqueCount="3">',
    "<si><t>title_zh</t></si>",
    # rich text runs, with a phonetic reading that is not part of the value
    '<si><r><rPr><b/></rPr><t>平阴</t></r><r><t xml:space="preserve">玫瑰 </t></r>'
    "<rPh sb=\"0\" eb=\"2\"><t>ピンイン</t></rPh></si>",
    "<si><t>line one_x000D__x000A_line two _x005F_x0041_ _x0000_</t></si>",
    "</sst>",
]


def cells_of(xml_rows: list[str], **options: Any) -> list[list[Any]]:
    content = bombs.workbook(bombs.sheet(xml_rows), strings_xml=STRINGS, styles=STYLES,
                             **options)
    return [row.cells for row in read_rows(content, max_columns=12, max_data_rows=10)]


def test_cell_types_as_excel_writes_them() -> None:
    (cells,) = cells_of([
        '<row r="1">'
        '<c r="A1" t="s"><v>1</v></c>'  # shared string, rich text
        '<c r="B1" t="s"><v>2</v></c>'  # shared string with _xHHHH_ escapes
        '<c r="C1"><v>25</v></c>'  # number → int
        '<c r="D1" s="4"><v>0.10000000000000001</v></c>'  # Excel's 17 digits → float
        '<c r="E1" s="1"><v>45658</v></c>'  # built-in date format
        '<c r="F1" s="2"><v>45658.5</v></c>'  # custom date format
        '<c r="G1" s="3"><v>1.5</v></c>'  # duration
        '<c r="H1" t="b"><v>1</v></c>'
        '<c r="I1" t="str"><f>A1&amp;"!"</f><v>平阴玫瑰!</v></c>'  # cached formula result
        '<c r="J1" t="e"><v>#N/A</v></c>'
        '<c r="K1" t="inlineStr"><is><r><t>宁夏</t></r><r><t>葡萄籽</t></r></is></c>'
        '<c r="L1" t="d"><v>2026-01-02T03:04:05</v></c>'
        "</row>"
    ])
    assert cells == [
        "平阴玫瑰 ", "line one\r\nline two _x0041_ _x0000_", 25, 0.1,
        datetime(2025, 1, 1), datetime(2025, 1, 1, 12), timedelta(days=1.5), True,
        "平阴玫瑰!", "#N/A", "宁夏葡萄籽", datetime(2026, 1, 2, 3, 4, 5),
    ]


def test_1904_date_system() -> None:
    (cells,) = cells_of(['<row r="1"><c r="A1" s="1"><v>1</v></c></row>'], date1904=True)
    assert cells[0] == datetime(1904, 1, 2)


def test_cells_and_rows_without_references_follow_the_previous_ones() -> None:
    rows = cells_of(['<row><c t="inlineStr"><is><t>a</t></is></c><c><v>2</v></c></row>',
                     '<row r="3"><c r="C3"><v>3</v></c><c><v>4</v></c></row>'])
    assert [row[:4] for row in rows] == [["a", 2, None, None], [None, None, 3, 4]]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (['<row r="2"/>', '<row r="2"/>'], "row '2' after row 2"),
        (['<row r="1048577"/>'], "row '1048577' after row 0"),
        (['<row r="1"><c r="XFE1"><v>1</v></c></row>'], "cell 'XFE1' outside"),
        (['<row r="1"><c r="A1" t="s"><v>7</v></c></row>'], "shared string '7'"),
    ],
)
def test_malformed_sheets_are_refused(rows: list[str], message: str) -> None:
    with pytest.raises(ImportFileError, match=message):
        cells_of(rows)


def test_a_well_formed_but_truncated_part_is_refused() -> None:
    content = bombs.workbook(['<worksheet><sheetData><row r="1">'])
    assert "is not well-formed XML" in refused(content)


def test_a_normal_handwritten_workbook_imports() -> None:
    result = parse(bombs.normal_xlsx([bombs.ROSE_ROW, bombs.ROSE_ROW]))
    assert ([row.row for row in result.rows], result.errors) == ([2, 3], [])
