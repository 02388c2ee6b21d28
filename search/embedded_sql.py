"""SQL of the embedded backend: schema of one index generation, FTS5 expressions, filters.

A generation `g` is six tables: `docs_g` (one narrow row per listing: filter, sort and
facet columns, certifications as a bit set), `store_g` (the display document as JSON),
`codes_g` (certification code → bit), `stats_g` (counts of every facet value over the
whole generation, kept up to date by each write: browsing without filters reads them
instead of counting 100,000 rows), `tomb_g` (versions of deleted listings), `fts_g`
(FTS5 over pre-segmented text, one column per logical field) and `sug_g` (a small FTS5
table with prefix indexes, for suggestions).
Table names are built only from the integer `g`; every value is a bound parameter.
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


def names(g: int) -> dict[str, str]:
    g = int(g)
    return {t: f"{t}_{g}" for t in ("docs", "store", "codes", "stats", "tomb", "fts", "sug")}


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
            title_len INTEGER NOT NULL, cas TEXT, ec TEXT)""",
        f"""CREATE TABLE IF NOT EXISTS {n['store']} (
            rowid INTEGER PRIMARY KEY, doc TEXT NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {n['docs']}_category ON {n['docs']}(category)",
        f"CREATE INDEX IF NOT EXISTS {n['docs']}_province ON {n['docs']}(origin_province)",
        f"CREATE INDEX IF NOT EXISTS {n['docs']}_country ON {n['docs']}(origin_country)",
        f"CREATE INDEX IF NOT EXISTS {n['docs']}_price ON {n['docs']}(price, id)",
        f"CREATE INDEX IF NOT EXISTS {n['docs']}_price_desc ON {n['docs']}(price DESC, id)",
        f"CREATE INDEX IF NOT EXISTS {n['docs']}_newest ON {n['docs']}(published DESC, id)",
        f"CREATE INDEX IF NOT EXISTS {n['docs']}_cas ON {n['docs']}(cas)",
        f"""CREATE TABLE IF NOT EXISTS {n['codes']} (
            code TEXT PRIMARY KEY, bit INTEGER NOT NULL UNIQUE) WITHOUT ROWID""",
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


def drop(g: int) -> list[str]:
    return [f"DROP TABLE IF EXISTS {t}" for t in names(g).values()]


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
