"""Writing documents into one generation of the embedded index (versioned upsert/delete)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from search import embedded_sql as sql
from search.documents import SEARCH_FIELDS
from search.terms import compact_code
from search.text import has_cjk


@dataclass(frozen=True)
class Row:
    """A document turned into the values of each table (computed outside transactions)."""

    id: str
    version: int
    columns: tuple[Any, ...]  # docs columns after id and version, `certs` left as 0
    certs: tuple[str, ...]
    doc: str  # the display document, JSON
    fts: tuple[str, ...]
    sug: tuple[str, str, str]


def _micros(value: str | None) -> int:
    if not value:
        return 0
    return int(datetime.fromisoformat(value).timestamp() * 1_000_000)


def prepare(doc: dict[str, Any]) -> Row:
    fields = doc.get("search") or {}
    display = {k: v for k, v in doc.items() if k != "search"}
    origin = doc.get("origin") or {}
    supplier = doc.get("supplier") or {}
    columns = (
        doc.get("category"),
        origin.get("country"),
        origin.get("province"),
        sql.scaled(doc["min_unit_price"], 100),
        sql.scaled(doc["moq"], 1000),
        int(bool(doc.get("in_stock"))),
        int(bool(doc.get("sample_available"))),
        int(bool(supplier.get("verified"))),
        _micros(doc.get("published_at") or doc.get("created_at")),
        0,
        len(doc.get("title_zh") or ""),
        compact_code(doc["cas_number"]) if doc.get("cas_number") else None,
        compact_code(doc["ec_number"]) if doc.get("ec_number") else None,
    )
    fts = tuple(" ".join(fields.get(f) or ()) for f in SEARCH_FIELDS)
    title = list(fields.get("title") or ())
    latin = title + list(fields.get("inci") or ()) + list(fields.get("botanical") or ())
    sug = (
        " ".join(t for t in title if has_cjk(t)),
        " ".join(t for t in latin if not has_cjk(t)),
        " ".join([*(fields.get("pinyin") or ()), *(fields.get("initials") or ())]),
    )
    return Row(
        id=str(doc["id"]),
        version=int(doc["version"]),
        columns=columns,
        certs=tuple(sorted(set(doc.get("certifications") or ()))),
        doc=json.dumps(display, ensure_ascii=False, separators=(",", ":")),
        fts=fts,
        sug=sug,
    )


def _remove(conn: sqlite3.Connection, n: dict[str, str], rowid: int) -> None:
    for table in ("fts", "sug", "store"):
        conn.execute(f"DELETE FROM {n[table]} WHERE rowid = ?", (rowid,))  # noqa: S608


def upsert(conn: sqlite3.Connection, gen: int, row: Row) -> bool:
    """Write a document unless a newer version (or a deletion of one) is stored.

    An equal version replaces the stored document: replays are harmless, and changes that
    do not bump the listing's version (its supplier's name or verification) get through.
    """
    n = sql.names(gen)
    current = conn.execute(
        f"SELECT rowid, version FROM {n['docs']} WHERE id = ?", (row.id,)  # noqa: S608
    ).fetchone()
    if current is not None and current[1] > row.version:
        return False
    tomb = conn.execute(f"SELECT version FROM {n['tomb']} WHERE id = ?", (row.id,)).fetchone()  # noqa: S608
    if tomb is not None:
        if tomb[0] >= row.version:
            return False
        conn.execute(f"DELETE FROM {n['tomb']} WHERE id = ?", (row.id,))  # noqa: S608
    data_columns = sql.DOC_COLUMNS[2:]
    columns = list(row.columns)
    columns[data_columns.index("certs")] = _cert_mask(conn, n["codes"], row.certs)
    if current is not None:
        rowid = int(current[0])
        _count(conn, n, _stored_values(conn, n, rowid), -1)
        assignments = ", ".join(f"{c} = ?" for c in ("version", *data_columns))
        conn.execute(
            f"UPDATE {n['docs']} SET {assignments} WHERE rowid = ?",  # noqa: S608
            (row.version, *columns, rowid),
        )
        _remove(conn, n, rowid)
    else:
        placeholders = ", ".join("?" for _ in sql.DOC_COLUMNS)
        cursor = conn.execute(
            f"INSERT INTO {n['docs']} ({', '.join(sql.DOC_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608
            (row.id, row.version, *columns),
        )
        rowid = int(cursor.lastrowid or 0)
    _count(conn, n, _values(row), +1)
    conn.execute(
        f"INSERT INTO {n['fts']} (rowid, {', '.join(SEARCH_FIELDS)}) "  # noqa: S608
        f"VALUES (?{', ?' * len(row.fts)})",
        (rowid, *row.fts),
    )
    conn.execute(f"INSERT INTO {n['store']} (rowid, doc) VALUES (?, ?)", (rowid, row.doc))  # noqa: S608
    conn.execute(
        f"INSERT INTO {n['sug']} (rowid, {', '.join(sql.SUGGEST_COLUMNS)}) VALUES (?, ?, ?, ?)",  # noqa: S608
        (rowid, *row.sug),
    )
    return True


def _cert_mask(conn: sqlite3.Connection, table: str, codes: tuple[str, ...]) -> int:
    """The bit set of certification codes, giving unseen codes the next free bit."""
    mask = 0
    for code in codes:
        found = conn.execute(f"SELECT bit FROM {table} WHERE code = ?", (code,)).fetchone()  # noqa: S608
        if found is None:
            bit = conn.execute(f"SELECT coalesce(max(bit) + 1, 0) FROM {table}").fetchone()[0]  # noqa: S608
            if bit >= sql.MAX_CERTIFICATIONS:
                raise ValueError(f"more than {sql.MAX_CERTIFICATIONS} certification codes")
            conn.execute(f"INSERT INTO {table} (code, bit) VALUES (?, ?)", (code, bit))  # noqa: S608
            found = (bit,)
        mask |= 1 << int(found[0])
    return mask


def delete(conn: sqlite3.Connection, gen: int, listing_id: str, version: int | None) -> bool:
    """Remove a document. With a version: not when a newer one is stored, and remember the
    version (tombstone) so that an older upsert arriving later is ignored."""
    n = sql.names(gen)
    current = conn.execute(
        f"SELECT rowid, version FROM {n['docs']} WHERE id = ?", (listing_id,)  # noqa: S608
    ).fetchone()
    if version is not None:
        if current is not None and current[1] > version:
            return False
        conn.execute(
            f"INSERT INTO {n['tomb']} (id, version) VALUES (?, ?) "  # noqa: S608
            "ON CONFLICT (id) DO UPDATE SET version = max(version, excluded.version)",
            (listing_id, version),
        )
    if current is None:
        return False
    _count(conn, n, _stored_values(conn, n, int(current[0])), -1)
    conn.execute(f"DELETE FROM {n['docs']} WHERE rowid = ?", (current[0],))  # noqa: S608
    _remove(conn, n, int(current[0]))
    return True


FacetValues = list[tuple[str, str]]  # (facet, value); ("", "") counts documents


def _facet_values(
    category: str | None, country: str | None, province: str | None, codes: Iterable[str]
) -> FacetValues:
    values = [("", ""), ("category", category), ("origin_country", country)]
    values.append(("origin_province", province))
    values.extend(("certification", code) for code in codes)
    return [(facet, value) for facet, value in values if value is not None]


def _values(row: Row) -> FacetValues:
    category, country, province = row.columns[:3]
    return _facet_values(category, country, province, row.certs)


def _stored_values(conn: sqlite3.Connection, n: dict[str, str], rowid: int) -> FacetValues:
    category, country, province, certs = conn.execute(
        f"SELECT category, origin_country, origin_province, certs FROM {n['docs']} "  # noqa: S608
        "WHERE rowid = ?",
        (rowid,),
    ).fetchone()
    codes = conn.execute(
        f"SELECT code FROM {n['codes']} WHERE (? >> bit) & 1", (certs,)  # noqa: S608
    ).fetchall()
    return _facet_values(category, country, province, [c for (c,) in codes])


def _count(conn: sqlite3.Connection, n: dict[str, str], values: FacetValues, delta: int) -> None:
    conn.executemany(
        f"INSERT INTO {n['stats']} (facet, value, n) VALUES (?, ?, ?) "  # noqa: S608
        "ON CONFLICT (facet, value) DO UPDATE SET n = n + excluded.n",
        [(facet, value, delta) for facet, value in values],
    )
