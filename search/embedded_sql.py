"""SQL of the embedded backend: schema of one index generation, FTS5 expressions, filters.

A generation `g` is these tables: `docs_g` (one narrow row per listing: filter, sort and
facet columns, certifications as a bit set), `store_g` (the display document as JSON),
`codes_g` (certification code → bit), `combos_g` (each distinct combination of the
faceted fields — category, origin country and province, certification set — numbered;
see "Facet characters" below), `cube_g` (the number of documents per combination and
in-stock / sample / verified flags), `stats_g` (counts of every facet value over the
whole generation: browsing without filters reads them instead of counting every
row), `tomb_g` (versions of deleted listings), `fts_g` (FTS5 over pre-segmented text,
one column per logical field) and `sug_g` (a small FTS5 table with prefix indexes, for
suggestions). Every write keeps `cube_g` and `stats_g` up to date.
Table names are built only from the integer `g`; every value is a bound parameter.

Facet characters: each listing's row holds, in `docs.facet`, one character standing for
its combination of faceted fields (`combos_g` number n ↔ character `facet_char(n)`).
Counting a result set is then one `group_concat(facet, '')` over the matching rows,
which SQLite does in a fraction of a microsecond per row, and a `collections.Counter`
of the string in Python (C speed): the total and every facet follow exactly from the
counts per combination, without a GROUP BY (a sort of every matching row). Browsing
without text and without price or MOQ filters reads no listing at all: `cube_g` holds
the counts.

Rank order: `ranked = 1` marks rows whose rowid order is their relevance tie order
(shortest Chinese title, then id). `rebuild` loads documents in that order and marks
them; a row written later (new, or whose title length changed) is unranked and goes to
the end of the rowid space. A page of text results walks the ranked matches in rowid
order (FTS5's natural order, so it stops after the page) and merges the unranked ones,
read from the end of the rowid space: the same rows as sorting every match.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from search.documents import SEARCH_FIELDS
from search.query import SearchQuery
from search.terms import AllOf, AnyOf, Node, Phrase, Term

# Relevance tiers: a match entirely within the title-derived fields ranks first, then one
# within those plus supplier and attributes, then the rest (description, related).
PRIMARY_FIELDS = ("title", "codes", "inci", "botanical", "pinyin", "initials", "synonyms")
META_FIELDS = (*PRIMARY_FIELDS, "supplier", "attrs")
SUGGEST_COLUMNS = ("zh", "en", "py")
# Logical field → FTS column of each table (None: the table has no such column).
FTS_FIELDS: dict[str, tuple[str, ...]] = {f: (f,) for f in SEARCH_FIELDS}
SUGGEST_FIELDS: dict[str, tuple[str, ...]] = {"pinyin": ("py",), "initials": ("py",)}
TOKENIZE = "unicode61 remove_diacritics 2"
DOC_COLUMNS = (
    "id", "version", "category", "origin_country", "origin_province", "price", "moq",
    "in_stock", "sample_available", "verified", "published", "certs", "title_len", "cas", "ec",
)
MAX_CERTIFICATIONS = 62  # bits of a SQLite integer used for the certification set
# Index layout version (meta key `format`): 2 added docs.facet, docs.ranked and combos_g.
FORMAT = 2
TABLES = ("docs", "store", "codes", "combos", "cube", "stats", "tomb", "fts", "sug")


def names(g: int) -> dict[str, str]:
    g = int(g)
    return {t: f"{t}_{g}" for t in TABLES}


def schema(g: int) -> list[str]:
    n = names(g)
    fts_columns = ", ".join(SEARCH_FIELDS)
    sug_columns = ", ".join(SUGGEST_COLUMNS)
    return [
        f"""CREATE TABLE IF NOT EXISTS {n['docs']} (
            rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, version INTEGER NOT NULL,
            category TEXT, origin_country TEXT, origin_province TEXT, price INTEGER NOT NULL,
            moq INTEGER NOT NULL, in_stock INTEGER NOT NULL, sample_available INTEGER NOT NULL,
            verified INTEGER NOT NULL, published INTEGER NOT NULL, certs INTEGER NOT NULL,
            title_len INTEGER NOT NULL, cas TEXT, ec TEXT,
            facet TEXT NOT NULL DEFAULT '', ranked INTEGER NOT NULL DEFAULT 0)""",
        f"""CREATE TABLE IF NOT EXISTS {n['store']} (
            rowid INTEGER PRIMARY KEY, doc TEXT NOT NULL)""",
        *indexes(g),
        f"""CREATE TABLE IF NOT EXISTS {n['codes']} (
            code TEXT PRIMARY KEY, bit INTEGER NOT NULL UNIQUE) WITHOUT ROWID""",
        *combos_schema(g),
        f"""CREATE TABLE IF NOT EXISTS {n['stats']} (
            facet TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (facet, value)) WITHOUT ROWID""",
        f"""CREATE TABLE IF NOT EXISTS {n['tomb']} (
            id TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID""",
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {n['fts']} USING fts5(
            {fts_columns}, tokenize='{TOKENIZE}')""",
        f"""CREATE VIRTUAL TABLE IF NOT EXISTS {n['sug']} USING fts5(
            {sug_columns}, tokenize='{TOKENIZE}', prefix='1 2 3')""",
    ]


def indexes(g: int) -> list[str]:
    d = names(g)["docs"]
    return [
        f"CREATE INDEX IF NOT EXISTS {d}_category ON {d}(category)",
        f"CREATE INDEX IF NOT EXISTS {d}_province ON {d}(origin_province)",
        f"CREATE INDEX IF NOT EXISTS {d}_country ON {d}(origin_country)",
        f"CREATE INDEX IF NOT EXISTS {d}_price ON {d}(price, id)",
        f"CREATE INDEX IF NOT EXISTS {d}_price_desc ON {d}(price DESC, id)",
        f"CREATE INDEX IF NOT EXISTS {d}_newest ON {d}(published DESC, id)",
        f"CREATE INDEX IF NOT EXISTS {d}_cas ON {d}(cas)",
        # The unranked rows (few: those written since the last rebuild), by rowid.
        f"CREATE INDEX IF NOT EXISTS {d}_unranked ON {d}(ranked) WHERE ranked = 0",
    ]


def combos_schema(g: int) -> list[str]:
    c = names(g)["combos"]
    return [
        f"""CREATE TABLE IF NOT EXISTS {c} (
            n INTEGER PRIMARY KEY, category TEXT, origin_country TEXT, origin_province TEXT,
            certs INTEGER NOT NULL)""",
        f"""CREATE UNIQUE INDEX IF NOT EXISTS {c}_values ON {c}(
            coalesce(category, ''), coalesce(origin_country, ''), coalesce(origin_province, ''),
            certs)""",
        f"""CREATE TABLE IF NOT EXISTS {names(g)['cube']} (
            n INTEGER NOT NULL, in_stock INTEGER NOT NULL, sample_available INTEGER NOT NULL,
            verified INTEGER NOT NULL, category TEXT, origin_country TEXT,
            origin_province TEXT, certs INTEGER NOT NULL, docs INTEGER NOT NULL,
            PRIMARY KEY (n, in_stock, sample_available, verified)) WITHOUT ROWID""",
    ]


def upgrade(g: int) -> list[str]:
    """Statements that bring a format-1 generation's tables to format 2 (facet characters
    are filled in afterwards, by the backend)."""
    d = names(g)["docs"]
    return [
        f"ALTER TABLE {d} ADD COLUMN facet TEXT NOT NULL DEFAULT ''",
        f"ALTER TABLE {d} ADD COLUMN ranked INTEGER NOT NULL DEFAULT 0",
        *indexes(g),
        *combos_schema(g),
    ]


def drop(g: int) -> list[str]:
    return [f"DROP TABLE IF EXISTS {t}" for t in names(g).values()]


# Facet characters: combination number n → one character (never a surrogate, never a
# control character), and back.
_FACET_BASE = 0x100
_SURROGATES = 0xD800
_SURROGATES_END = 0xE000
MAX_COMBOS = 0x110000 - _FACET_BASE - (_SURROGATES_END - _SURROGATES)


def facet_char(n: int) -> str:
    point = _FACET_BASE + n
    if point >= _SURROGATES:
        point += _SURROGATES_END - _SURROGATES
    return chr(point)


def facet_number(ch: str) -> int:
    point = ord(ch)
    if point >= _SURROGATES_END:
        point -= _SURROGATES_END - _SURROGATES
    return point - _FACET_BASE


# --- FTS5 expressions -------------------------------------------------------------------

def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def compile_match(node: Node, fields: dict[str, tuple[str, ...]]) -> str | None:
    """An FTS5 MATCH expression, or None when nothing in this table can match."""
    if isinstance(node, Term | Phrase):
        text = _quote(node.text if isinstance(node, Term) else " ".join(node.tokens))
        expr = text + (" *" if node.prefix else "")
        if not node.fields:
            return expr
        columns = sorted({c for f in node.fields for c in fields.get(f, ())})
        return "{" + " ".join(columns) + "} : " + expr if columns else None
    parts = [compile_match(child, fields) for child in node.children]
    if isinstance(node, AllOf):
        if any(p is None for p in parts):
            return None
        kept = [p for p in parts if p is not None]
        return kept[0] if len(kept) == 1 else "(" + " AND ".join(kept) + ")"
    assert isinstance(node, AnyOf)
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    return kept[0] if len(kept) == 1 else "(" + " OR ".join(kept) + ")"


def within(expr: str, fields: tuple[str, ...]) -> str:
    """`expr` restricted to some columns (nested column filters intersect in FTS5)."""
    return "{" + " ".join(fields) + "} : (" + expr + ")"


# --- filters and facets -----------------------------------------------------------------

Filter = tuple[str, str, list[Any]]  # (dimension, SQL condition on alias d, parameters)


def filters(query: SearchQuery, bits: dict[str, int]) -> list[Filter]:
    """Conditions on the docs alias `d`; `bits` maps certification codes to their bit."""
    out: list[Filter] = []
    for dim in ("category", "origin_country", "origin_province"):
        value = getattr(query, dim)
        if value is not None:
            out.append((dim, f"d.{dim} = ?", [value]))
    if query.certifications:
        if all(c in bits for c in query.certifications):
            mask = cert_mask(query.certifications, bits)
            out.append(("certification", "(d.certs & ?) = ?", [mask, mask]))
        else:  # a certification no indexed listing has
            out.append(("certification", "0", []))
    if query.min_price is not None:
        out.append(("price", "d.price >= ?", [_scaled(query.min_price, 100, math.ceil)]))
    if query.max_price is not None:
        out.append(("price", "d.price <= ?", [_scaled(query.max_price, 100, math.floor)]))
    if query.max_moq is not None:
        out.append(("moq", "d.moq <= ?", [_scaled(query.max_moq, 1000, math.floor)]))
    for dim, column in (
        ("in_stock", "in_stock"),
        ("sample_available", "sample_available"),
        ("verified_supplier", "verified"),
    ):
        value = getattr(query, dim)
        if value is not None:
            out.append((dim, f"d.{column} = ?", [int(bool(value))]))
    return out


def _scaled(value: Decimal, factor: int, rounding: Callable[[Decimal], int]) -> int:
    return int(rounding(Decimal(value) * factor))


def where(conditions: list[Filter], skip: str | None = None) -> tuple[str, list[Any]]:
    kept = [(sql, params) for dim, sql, params in conditions if dim != skip]
    if not kept:
        return "1", []
    return " AND ".join(sql for sql, _ in kept), [p for _, params in kept for p in params]


def scaled(value: str, factor: int) -> int:
    """A decimal string as an integer count of 1/factor units (`"12.50"`, 100 → 1250)."""
    return int(Decimal(value) * factor)


def cert_mask(codes: Iterable[str], bits: dict[str, int]) -> int:
    mask = 0
    for code in codes:
        mask |= 1 << bits[code]
    return mask


def cert_bits(conn: sqlite3.Connection, gen: int) -> dict[str, int]:
    table = names(gen)["codes"]
    return {code: int(bit) for code, bit in conn.execute(f"SELECT code, bit FROM {table}")}  # noqa: S608
