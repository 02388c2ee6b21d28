"""Reading spreadsheets for the listing import: CSV (UTF-8 with or without BOM, or
GBK/GB18030 as Excel saves it on Chinese Windows) and XLSX, as numbered rows of raw cell
values. Knows nothing of listings.

The work a file can cause is bounded whatever it declares (`SheetLimits`): only the first
`max_columns` columns are kept; the first non-blank row is the header and at most
`max_data_rows` non-blank rows may follow it; blank rows — empty, whitespace-only, or rows an
XLSX sheet skips — count against their own limit, so reading stops at the first row past
either limit. Rows a sheet skips are counted in one step: a sheet whose only cell is in row
1,048,576 is refused without a million rows being produced. XLSX packages are checked before
anything is inflated (total size, compression ratio of each part, number of parts); their
parts are read by a streaming expat parser that holds one row at a time, ignores the sheet's
declared dimension, and caps cells, XML elements, nesting and the size of a single tag.
openpyxl's reader, used before, materialises every cell of a row (16,384 for a full-width
row) and the whole shared-string table as Python objects: see bench/README.md "Import bombs".
"""

from __future__ import annotations

import csv
import io
import posixpath
import re
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, NoReturn
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH, from_excel, from_ISO8601

XLSX_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls
_CENTRAL_DIRECTORY_ENTRY = b"PK\x01\x02"

MAX_SHEET_ROWS = 1_048_576  # Excel's grid: rows 1..1,048,576, columns A..XFD
MAX_SHEET_COLUMNS = 16_384
MAX_CELL_CHARS = 32_767  # Excel's limit for the text of one cell
_MAX_PARTS = 10_000  # zip members; a workbook has a few dozen
_RATIO_FLOOR = 1024 * 1024  # parts smaller than this may inflate at any ratio
_MAX_XML_DEPTH = 64  # SpreadsheetML nests about 8 deep
_MAX_TOKEN_BYTES = 1024 * 1024  # a single tag, comment or declaration (expat buffers it whole)
_ELEMENTS_PER_CELL = 4  # the XML element budget: max_cells × this (c, v / is, r, t …)
_MAX_SHEETS_SCANNED = 1_000
_MAX_RELATIONSHIPS = 10_000
_MAX_CELL_FORMATS = 100_000  # cellXfs; Excel allows 64,000
_MAX_NUMBER_FORMATS = 10_000  # custom numFmts; Excel allows about 250
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class SheetLimits:
    """Bounds on the work and memory one import file may cause (defaults = config.py's)."""

    max_blank_rows: int = 10_000
    max_cells: int = 500_000  # XLSX cells (all columns) and shared strings, CSV fields
    max_uncompressed_bytes: int = 50 * 1024 * 1024  # XLSX: all parts together
    max_compression_ratio: int = 100  # XLSX: any part of 1 MiB or more
    max_line_chars: int = 131_072  # CSV: one physical line (= csv's field size limit)


class SheetRow(NamedTuple):
    """A non-blank row: its spreadsheet number (1-based), its first `max_columns` cells (None
    for empty ones; may be shorter), and the first non-empty cell right of them, if any, as
    (1-based column, value)."""

    number: int
    cells: list[Any]
    overflow: tuple[int, Any] | None = None


class ImportFileError(Exception):
    """The file as a whole cannot be imported (nothing is created)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_rows(content: bytes, *, max_columns: int, max_data_rows: int,
              limits: SheetLimits | None = None) -> Iterator[SheetRow]:
    """The non-blank rows of a CSV or XLSX file (format sniffed from the bytes), lazily.

    Raises ImportFileError for an unusable file, and as soon as the rows read pass a limit:
    more than `max_data_rows` non-blank rows after the first (the header), more than
    `limits.max_blank_rows` blank rows, more than `limits.max_cells` cells.
    """
    if not content:
        raise ImportFileError("The file is empty.")
    budget = _Budget(max_data_rows, limits or SheetLimits())
    if content.startswith(XLSX_MAGIC):
        return _xlsx_rows(content, max_columns, budget)
    if content.startswith(_OLE2_MAGIC):
        raise ImportFileError("Legacy .xls files are not supported; save as .xlsx or CSV UTF-8.")
    return _csv_rows(_decode(content), max_columns, budget)


class _Budget:
    """Counts what has been read against the limits and stops the reading at the first excess."""

    def __init__(self, max_data_rows: int, limits: SheetLimits) -> None:
        self.limits = limits
        self.max_data_rows = max_data_rows
        self.max_elements = limits.max_cells * _ELEMENTS_PER_CELL
        self.filled_rows = self.blank_rows = self.cells = self.elements = 0

    def filled(self) -> None:
        self.filled_rows += 1
        if self.filled_rows > self.max_data_rows + 1:  # the header is not a data row
            raise ImportFileError(
                f"The file has more than {self.max_data_rows} data rows; "
                "split it into smaller files."
            )

    def blank(self, first: int, count: int = 1) -> None:
        """`count` blank rows starting at row `first`."""
        before = self.blank_rows
        self.blank_rows += count
        limit = self.limits.max_blank_rows
        if self.blank_rows > limit:
            raise ImportFileError(
                f"The file has more than {limit} blank rows (row {first + limit - before} is "
                "one): delete the empty rows between and below the data, or copy the data to "
                "a new sheet, and upload it again."
            )

    def add_cells(self, count: int) -> None:
        self.cells += count
        self.check_cells(self.cells)

    def check_cells(self, count: int) -> None:
        if count > self.limits.max_cells:
            raise ImportFileError(
                f"The file has more than {self.limits.max_cells} cells; "
                "import files use one column per template field."
            )

    def too_many_elements(self) -> NoReturn:
        raise ImportFileError(
            f"The XLSX file has more than {self.max_elements} XML elements; "
            "it is not a listing sheet."
        )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --------------------------------------------------------------------------- CSV


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


def _csv_rows(text: str, max_columns: int, budget: _Budget) -> Iterator[SheetRow]:
    reader = csv.reader(_lines(text, budget.limits.max_line_chars))
    try:
        for number, record in enumerate(reader, start=1):
            budget.add_cells(len(record))
            overflow = next(
                ((index + 1, value) for index, value in enumerate(record)
                 if index >= max_columns and not _blank(value)),
                None,
            )
            cells = record[:max_columns]
            if overflow is None and all(_blank(value) for value in cells):
                budget.blank(number)
                continue
            budget.filled()
            yield SheetRow(number, cells, overflow)
    except csv.Error as exc:
        raise ImportFileError(f"Malformed CSV near row {reader.line_num}: {exc}.") from exc


def _lines(text: str, limit: int) -> Iterator[str]:
    """The physical lines of `text` (endings kept), refusing one longer than `limit`."""
    stream = io.StringIO(text, newline="")
    number = 0
    while line := stream.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise ImportFileError(
                f"Line {number} of the file is longer than {limit} characters; "
                "it is not a listing sheet."
            )
        yield line


# --------------------------------------------------------------------------- XLSX package


def _xlsx_rows(content: bytes, max_columns: int, budget: _Budget) -> Iterator[SheetRow]:
    with _open_package(content, budget.limits) as archive:
        parts = _locate_parts(archive, budget)
        kinds = _number_format_kinds(archive, parts.styles, budget)
        strings = _shared_strings(archive, parts.strings, budget)
        sheet = _SheetReader(max_columns, budget, strings, kinds, parts.epoch)
        cells = ((b"<c ", b"<c>", b"<c/>"), budget.check_cells)
        for _ in _parse(archive, parts.sheet, sheet, budget, items=cells):
            if sheet.rows:
                finished, sheet.rows = sheet.rows, []
                yield from finished


def _open_package(content: bytes, limits: SheetLimits) -> zipfile.ZipFile:
    """The zip archive, once its declared sizes show it cannot inflate past the limits.

    zipfile stops reading a member at its declared size (and then fails its CRC check if
    there was more), so the sizes checked here bound what is ever decompressed.
    """
    # Counting central-directory signatures (an upper bound on the entries) before ZipFile
    # builds a ZipInfo for each: a 5 MB archive could declare 100,000 empty members.
    if content.count(_CENTRAL_DIRECTORY_ENTRY) > _MAX_PARTS:
        raise ImportFileError(
            f"The XLSX file has more than {_MAX_PARTS} parts; it is not a listing sheet."
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise ImportFileError("The file looks like XLSX but is not a valid zip archive.") from exc
    try:
        members = archive.infolist()
        total = sum(info.file_size for info in members)
        if total > limits.max_uncompressed_bytes:
            raise ImportFileError(
                f"The XLSX file is too large once uncompressed: {_megabytes(total)} MB, more "
                f"than the {_megabytes(limits.max_uncompressed_bytes)} MB accepted."
            )
        for info in members:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _RATIO_FLOOR and ratio > limits.max_compression_ratio:
                raise ImportFileError(
                    f"The XLSX file is refused: its part {info.filename} inflates from "
                    f"{info.compress_size} to {info.file_size} bytes ({ratio:.0f}:1; at most "
                    f"{limits.max_compression_ratio}:1 is accepted)."
                )
    except BaseException:
        archive.close()
        raise
    return archive


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


@dataclass(frozen=True)
class _Parts:
    sheet: zipfile.ZipInfo
    strings: zipfile.ZipInfo | None
    styles: zipfile.ZipInfo | None
    epoch: datetime


def _locate_parts(archive: zipfile.ZipFile, budget: _Budget) -> _Parts:
    """The first worksheet, the shared strings and the styles, following the relationships."""
    member = _member_lookup(archive)
    root = _relationships(archive, member("_rels/.rels"), budget)
    book = member(next((target for kind, target, _ in root if kind == "officeDocument"), ""))
    if book is None:
        raise ImportFileError("The file is not a readable XLSX workbook (no workbook part).")
    folder, name = posixpath.split(book.filename)
    relations = _relationships(
        archive, member(posixpath.join(folder, "_rels", name + ".rels")), budget, base=folder,
    )
    workbook = _WorkbookReader(budget)
    _consume(_parse(archive, book, workbook, budget))
    worksheets = {rid: target for kind, target, rid in relations if kind == "worksheet"}
    sheets = (member(worksheets[rid]) for rid in workbook.sheet_ids if rid in worksheets)
    sheet = next((info for info in sheets if info is not None), None)
    if sheet is None:
        raise ImportFileError("The workbook has no sheet.")

    def first(wanted: str) -> zipfile.ZipInfo | None:
        return member(next((target for kind, target, _ in relations if kind == wanted), ""))

    return _Parts(
        sheet=sheet, strings=first("sharedStrings"), styles=first("styles"),
        epoch=CALENDAR_MAC_1904 if workbook.date1904 else WINDOWS_EPOCH,
    )


def _member_lookup(archive: zipfile.ZipFile) -> Callable[[str], zipfile.ZipInfo | None]:
    """Part by path; some writers disagree with their own relationships on letter case."""
    by_name = {info.filename: info for info in archive.infolist()}
    by_folded = {name.casefold(): info for name, info in reversed(by_name.items())}

    def member(path: str) -> zipfile.ZipInfo | None:
        if not path:
            return None
        return by_name.get(path) or by_folded.get(path.casefold())

    return member


def _relationships(archive: zipfile.ZipFile, part: zipfile.ZipInfo | None, budget: _Budget,
                   *, base: str = "") -> list[tuple[str, str, str]]:
    """(type's last segment, part path, id) for every internal relationship of a part."""
    if part is None:
        raise ImportFileError("The file is not a readable XLSX workbook (no relationships).")
    reader = _RelationshipsReader(budget)
    _consume(_parse(archive, part, reader, budget))
    found = []
    for kind, target, rid, mode in reader.relationships:
        if mode == "External" or not target:
            continue
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join(base, target))
        found.append((kind.rsplit("/", 1)[-1], path, rid))
    return found


def _number_format_kinds(archive: zipfile.ZipFile, part: zipfile.ZipInfo | None,
                         budget: _Budget) -> bytes:
    """For each cell format (the `s` of a cell), whether numbers in it are dates."""
    if part is None:
        return b""
    reader = _StylesReader(budget)
    _consume(_parse(archive, part, reader, budget))
    return bytes(reader.kinds)


def _shared_strings(archive: zipfile.ZipFile, part: zipfile.ZipInfo | None,
                    budget: _Budget) -> _SharedStrings:
    strings = _SharedStrings(budget.limits.max_cells)
    if part is not None:
        reader = _SharedStringsReader(strings, budget)
        entries = ((b"<si>", b"<si ", b"<si/>"), strings.check_count)
        _consume(_parse(archive, part, reader, budget, text=True, items=entries))
    return strings


def _consume(steps: Iterator[None]) -> None:
    for _ in steps:
        pass


# --------------------------------------------------------------------------- XML streaming
#
# expat calls back into Python for every element, which is most of the cost of reading a
# sheet; names are compared without namespace processing (a prefix such as `x:` is
# stripped), and a part's text is reported only while a reader wants it.


class _XmlReader:
    """expat callbacks for one part; `start` of every subclass begins with `_enter`."""

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget
        self.depth = 0
        self.texts = 0  # text runs reported: with the elements, progress for the token check
        self.done = False  # set once the rest of the part is not needed
        self.parser: Any = None  # the expat parser, while parsing

    def _enter(self, name: str) -> str:
        """Count the element against the budget and the depth; its name without prefix."""
        budget = self.budget
        budget.elements += 1
        self.depth += 1
        if budget.elements > budget.max_elements or self.depth > _MAX_XML_DEPTH:
            self._too_complex()
        return _local(name) if ":" in name else name

    def _too_complex(self) -> NoReturn:
        if self.depth > _MAX_XML_DEPTH:
            raise ImportFileError(
                f"The XLSX file nests XML elements more than {_MAX_XML_DEPTH} deep; "
                "it is not a listing sheet."
            )
        self.budget.too_many_elements()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self._enter(name)

    def end(self, name: str) -> None:
        self.depth -= 1

    def text(self, data: str) -> None:
        self.texts += 1


def _local(name: str) -> str:
    return name[name.index(":") + 1:] if ":" in name else name


def _parse(archive: zipfile.ZipFile, part: zipfile.ZipInfo, reader: _XmlReader,
           budget: _Budget, *, text: bool = False,
           items: tuple[tuple[bytes, ...], Callable[[int], None]] | None = None,
           ) -> Iterator[None]:
    """Feed one part to `reader` in chunks, yielding after each (finished rows can be taken).

    `text`: report all character data to `reader.text` (else the reader switches it on and
    off itself, through `reader.parser`). First the part is inflated once and its markup
    counted at C speed (`_prescan`), so a part with far too many elements (or `items`:
    tags whose count is passed to a check) is refused before expat calls back a million
    times.
    """
    _prescan(archive, part, budget, items)
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    if text:
        parser.CharacterDataHandler = reader.text
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    reader.parser = parser
    stalled = 0
    try:
        with archive.open(part) as member:
            while not reader.done:
                chunk = member.read(_CHUNK)
                progress = budget.elements + reader.texts
                parser.Parse(chunk, not chunk)
                yield
                if not chunk:
                    break
                # No element or text in a megabyte: one giant tag, comment or text outside
                # any cell, which expat would keep whole in memory.
                if budget.elements + reader.texts == progress:
                    stalled += len(chunk)
                    if stalled > _MAX_TOKEN_BYTES:
                        raise ImportFileError(
                            f"The XLSX part {part.filename} holds a single XML tag or text "
                            f"larger than {_MAX_TOKEN_BYTES} bytes; it is not a listing sheet."
                        )
                else:
                    stalled = 0
    except expat.ExpatError as exc:
        raise ImportFileError(
            f"The XLSX part {part.filename} is not well-formed XML ({exc})."
        ) from exc
    except _INFLATE_ERRORS as exc:
        raise _not_inflatable(part, exc) from exc
    finally:
        reader.parser = None


# bad CRC, truncated data, unknown compression method, encryption
_INFLATE_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
                   RuntimeError)


def _not_inflatable(part: zipfile.ZipInfo, exc: BaseException) -> ImportFileError:
    return ImportFileError(f"The XLSX part {part.filename} cannot be decompressed ({exc}).")


def _prescan(archive: zipfile.ZipFile, part: zipfile.ZipInfo, budget: _Budget,
             items: tuple[tuple[bytes, ...], Callable[[int], None]] | None) -> None:
    """Count a part's start tags (`<` not followed by `/`, an upper bound) and `items`.

    Approximate by design (a tag split between two reads is missed, a comment counts as
    one): it only refuses early what the parser would refuse anyway, later and slower.
    """
    tags = items[0] if items else ()
    starts = ends = found = 0
    try:
        with archive.open(part) as member:
            while chunk := member.read(16 * _CHUNK):
                starts += chunk.count(b"<")
                ends += chunk.count(b"</")
                found += sum(chunk.count(tag) for tag in tags)
    except _INFLATE_ERRORS as exc:
        raise _not_inflatable(part, exc) from exc
    if items:
        items[1](found)
    if budget.elements + starts - ends > budget.max_elements:
        budget.too_many_elements()


def _refuse_dtd(*_args: Any) -> NoReturn:
    raise ImportFileError("The XLSX file declares a DTD or entities; spreadsheets have none.")


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Undo SpreadsheetML's `_xHHHH_` escapes (Excel writes a CR as `_x000D_`)."""
    return _ESCAPE.sub(_unescaped, text) if "_x" in text else text


def _unescaped(match: re.Match[str]) -> str:
    code = int(match.group(1), 16)
    # Only characters XML could have held: no NUL or other controls, no surrogates.
    if code in (0x9, 0xA, 0xD) or 0x20 <= code < 0xD800 or 0xE000 <= code < 0xFFFE:
        return chr(code)
    return match.group(0)


class _RelationshipsReader(_XmlReader):
    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.relationships: list[tuple[str, str, str, str]] = []

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self._enter(name) == "Relationship" and len(self.relationships) < _MAX_RELATIONSHIPS:
            self.relationships.append((attrs.get("Type", ""), attrs.get("Target", ""),
                                       attrs.get("Id", ""), attrs.get("TargetMode", "")))


class _WorkbookReader(_XmlReader):
    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.sheet_ids: list[str] = []
        self.date1904 = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = self._enter(name)
        if local == "sheet" and len(self.sheet_ids) < _MAX_SHEETS_SCANNED:
            # r:id — the relationships namespace, whatever its prefix
            rid = next((value for key, value in attrs.items() if key.endswith(":id")), "")
            self.sheet_ids.append(rid)
        elif local == "workbookPr":
            self.date1904 = attrs.get("date1904", "").lower() in ("1", "true")

    def end(self, name: str) -> None:
        self.depth -= 1
        if _local(name) == "sheets":
            self.done = True


_PLAIN, _DATE, _DURATION = 0, 1, 2


def _format_kind(code: str | None) -> int:
    if code is None or not is_date_format(code):
        return _PLAIN
    return _DURATION if is_timedelta_format(code) else _DATE


_BUILTIN_KINDS = {number: _format_kind(code) for number, code in BUILTIN_FORMATS.items()}


def _int(text: str | None, default: int = 0) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


class _StylesReader(_XmlReader):
    """Only `numFmts` and `cellXfs`: which cell formats show numbers as dates or durations."""

    def __init__(self, budget: _Budget) -> None:
        super().__init__(budget)
        self.custom: dict[int, int] = {}
        self.kinds = bytearray()
        self.in_cell_formats = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = self._enter(name)
        if local == "numFmt" and len(self.custom) < _MAX_NUMBER_FORMATS:
            number = _int(attrs.get("numFmtId"), -1)
            if number >= 0:
                self.custom[number] = _format_kind(attrs.get("formatCode"))
        elif local == "cellXfs":
            self.in_cell_formats = True
        elif local == "xf" and self.in_cell_formats and len(self.kinds) < _MAX_CELL_FORMATS:
            number = _int(attrs.get("numFmtId"))
            kind = self.custom.get(number)
            self.kinds.append(_BUILTIN_KINDS.get(number, _PLAIN) if kind is None else kind)

    def end(self, name: str) -> None:
        self.depth -= 1
        if _local(name) == "cellXfs":
            self.done = True  # the rest (cell styles, dxfs, colours …) is not needed


class _SharedStrings:
    """The shared-string table, compact: UTF-8 text in one buffer and 4-byte end offsets.

    A Python str per entry would cost tens of bytes each before its text, and a small upload
    can hold hundreds of thousands of entries; strings are decoded when a cell refers to them
    and kept, so a string used by many cells is one object.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.text = bytearray()
        self.ends = array("I")
        self.decoded: dict[int, str] = {}

    def add(self, text: str) -> None:
        if len(self.ends) >= self.limit:
            self.refuse()
        self.text += text.encode()
        self.ends.append(len(self.text))

    def get(self, reference: str) -> str:
        index = _int(reference, -1)
        found = self.decoded.get(index)
        if found is None:
            if not 0 <= index < len(self.ends):
                raise ImportFileError(
                    f"The XLSX sheet refers to shared string {reference[:20]!r}, which does "
                    "not exist."
                )
            start = self.ends[index - 1] if index else 0
            found = self.decoded[index] = self.text[start:self.ends[index]].decode()
        return found

    def check_count(self, count: int) -> None:
        if count > self.limit:
            self.refuse()

    def refuse(self) -> NoReturn:
        raise ImportFileError(
            f"The XLSX file has more than {self.limit} shared strings; "
            "it is not a listing sheet."
        )


class _SharedStringsReader(_XmlReader):
    """`<si>` entries: their `<t>` text and that of their runs, not the phonetic `<rPh>`."""

    def __init__(self, strings: _SharedStrings, budget: _Budget) -> None:
        super().__init__(budget)
        self.strings = strings
        self.parts: list[str] = []
        self.length = 0
        self.capture = False
        self.phonetic = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        name = self._enter(name)
        if name == "t":
            self.capture = not self.phonetic
        elif name == "si":
            self.parts, self.length = [], 0
        elif name == "rPh":
            self.phonetic = True
        elif name == "sst" and _int(attrs.get("uniqueCount")) > self.strings.limit:
            self.strings.refuse()  # declared too many: no need to read them

    def end(self, name: str) -> None:
        self.depth -= 1
        if ":" in name:
            name = _local(name)
        if name == "t":
            self.capture = False
        elif name == "si":
            self.strings.add(_unescape("".join(self.parts)))
        elif name == "rPh":
            self.phonetic = False

    def text(self, data: str) -> None:
        self.texts += 1
        if self.capture:
            self.length += len(data)
            if self.length > MAX_CELL_CHARS:
                _cell_too_long()
            self.parts.append(data)


def _cell_too_long() -> NoReturn:
    raise ImportFileError(
        f"The XLSX file has a cell longer than {MAX_CELL_CHARS} characters (Excel's limit)."
    )


_COLUMN_NUMBERS: dict[str, int] = {}  # "AB" → 28, filled as met (at most 16,384 entries)


def _column_number(reference: str) -> int:
    letters = reference.rstrip("0123456789")
    number = _COLUMN_NUMBERS.get(letters)
    if number is None:
        number = 0
        for letter in letters.upper():
            if not "A" <= letter <= "Z" or number > MAX_SHEET_COLUMNS:
                number = 0
                break
            number = number * 26 + ord(letter) - 64
        if not 1 <= number <= MAX_SHEET_COLUMNS:
            raise ImportFileError(
                f"The XLSX sheet has a cell {reference[:20]!r} outside the sheet's "
                f"{MAX_SHEET_COLUMNS} columns."
            )
        _COLUMN_NUMBERS[letters] = number
    return number


def _number(text: str) -> int | float | str:
    """A numeric cell as openpyxl reads it: int unless it has a point or an exponent."""
    try:
        return float(text) if "." in text or "e" in text or "E" in text else int(text)
    except ValueError:
        return text  # not a number after all: leave it to the field's validation


class _SheetReader(_XmlReader):
    """Rows of `<sheetData>`, one at a time; finished non-blank rows gather in `rows`.

    Text is reported by expat only inside the `<v>` or inline `<t>` of a cell whose value is
    wanted: one within the kept columns, or the first non-empty one right of them.
    """

    def __init__(self, max_columns: int, budget: _Budget, strings: _SharedStrings,
                 kinds: bytes, epoch: datetime) -> None:
        super().__init__(budget)
        self.max_columns = max_columns
        self.strings = strings
        self.kinds = kinds
        self.epoch = epoch
        self.rows: list[SheetRow] = []
        self.row_number = 0  # the last row started
        self.in_row = False
        self.cells: list[Any] | None = None
        self.overflow: tuple[int, Any] | None = None
        self.column = 0
        self.keep = False  # the current cell's value is wanted
        self.cell_type: str | None = None
        self.cell_style: str | None = None
        self.parts: list[str] = []
        self.has_text = False  # a <v> or <is> was met in the current cell
        self.length = 0
        self.inline = False
        self.phonetic = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        name = self._enter(name)
        if name == "c":
            if self.in_row:
                self._start_cell(attrs)
        elif name == "v":
            if self.keep:
                self.has_text = True
                self.parser.CharacterDataHandler = self.text
        elif name == "row":
            self._start_row(attrs.get("r"))
        elif name == "is":
            if self.keep:
                self.inline = self.has_text = True
        elif name == "t":
            if self.inline and not self.phonetic:
                self.parser.CharacterDataHandler = self.text
        elif name == "rPh":
            self.phonetic = True

    def end(self, name: str) -> None:
        self.depth -= 1
        if ":" in name:
            name = _local(name)
        if name == "c":
            if self.keep:
                self._end_cell()
                self.keep = self.inline = False
        elif name == "v" or name == "t":
            self.parser.CharacterDataHandler = None
        elif name == "row":
            self._end_row()
        elif name == "is":
            self.inline = False
        elif name == "rPh":
            self.phonetic = False
        elif name == "sheetData":
            self.done = True

    def text(self, data: str) -> None:
        self.texts += 1
        self.length += len(data)
        if self.length > MAX_CELL_CHARS:
            _cell_too_long()
        self.parts.append(data)

    def _start_row(self, reference: str | None) -> None:
        number = self.row_number + 1 if reference is None else _int(reference, -1)
        if not self.row_number < number <= MAX_SHEET_ROWS:
            raise ImportFileError(
                f"The XLSX sheet is malformed: row {str(reference)[:20]!r} after row "
                f"{self.row_number} (rows must be numbered 1 to {MAX_SHEET_ROWS}, in order)."
            )
        skipped = number - self.row_number - 1
        if skipped:  # rows absent from the file are blank rows too, counted in one step
            self.budget.blank(self.row_number + 1, skipped)
        self.row_number = number
        self.in_row = True
        self.cells = self.overflow = None
        self.column = 0

    def _end_row(self) -> None:
        if not self.in_row:
            return
        self.in_row = False
        if self.cells is None and self.overflow is None:
            self.budget.blank(self.row_number)
            return
        self.budget.filled()
        self.rows.append(SheetRow(self.row_number, self.cells or [], self.overflow))

    def _start_cell(self, attrs: dict[str, str]) -> None:
        budget = self.budget
        budget.cells += 1
        if budget.cells > budget.limits.max_cells:
            budget.add_cells(0)  # raises, with the message
        reference = attrs.get("r")
        column = self.column + 1 if reference is None else _column_number(reference)
        if column > MAX_SHEET_COLUMNS:  # cells without a reference, past XFD
            raise ImportFileError(
                f"The XLSX sheet has more than {MAX_SHEET_COLUMNS} cells in row "
                f"{self.row_number}."
            )
        self.column = column
        # Past the kept columns, only the first non-empty value matters (to report it).
        self.keep = column <= self.max_columns or self.overflow is None
        if self.keep:
            self.cell_type = attrs.get("t")
            self.cell_style = attrs.get("s")
            self.parts = []
            self.has_text = False
            self.length = 0

    def _end_cell(self) -> None:
        value = self._value("".join(self.parts) if self.has_text else None)
        if _blank(value):
            return
        if self.column <= self.max_columns:
            if self.cells is None:
                self.cells = [None] * self.max_columns
            self.cells[self.column - 1] = value
        else:
            self.overflow = (self.column, value)

    def _value(self, text: str | None) -> Any:
        kind = self.cell_type
        if kind == "inlineStr":
            return None if text is None else _unescape(text)
        if not text:
            return None
        if kind is None or kind == "n":
            number = _number(text)
            style = _int(self.cell_style)
            if isinstance(number, str) or not 0 <= style < len(self.kinds):
                return number
            format_kind = self.kinds[style]
            if format_kind == _PLAIN:
                return number
            try:
                return from_excel(number, self.epoch, timedelta=format_kind == _DURATION)
            except (OverflowError, ValueError):
                return number
        if kind == "s":
            return self.strings.get(text)
        if kind == "str":
            return _unescape(text)
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                return from_ISO8601(text)
            except ValueError:
                return text
        return text  # "e": an error value such as #N/A


# --------------------------------------------------------------------------- cells


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

