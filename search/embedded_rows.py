"""Writing documents into one generation of the embedded index (versioned upsert/delete).

`upsert` writes one document (checks versions and tombstones, keeps the facet counts).
`load` is the bulk path of `rebuild`: documents arriving in rank order (see
`embedded_sql`) go in with one `executemany` per table; any whose id is already in the
generation (written meanwhile by a concurrent upsert) or has a tombstone takes the
`upsert` path, so both paths give the same index.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from search import embedded_sql as sql
from search.documents import SEARCH_FIELDS
from search.normalize import has_cjk
from search.terms import compact_code

_DATA_COLUMNS = sql.DOC_COLUMNS[2:]
_CERTS = _DATA_COLUMNS.index("certs")
_TITLE_LEN = _DATA_COLUMNS.index("title_len")


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

    @property
    def rank_key(self) -> tuple[int, str]:
        """Relevance tie order: shorter Chinese title first, then id."""
        return (int(self.columns[_TITLE_LEN]), self.id)


def _micros(value: str | None) -> int:
    if not value:
        return 0
    return int(datetime.fromisoformat(value).timestamp() * 1_000_000)


def prepare(doc: dict[str, Any] | Row) -> Row:
    """The row of a document (a `Row` already prepared, e.g. by a reindex worker, as is)."""
    if isinstance(doc, Row):
        return doc
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


Combo = tuple[str | None, str | None, str | None, int]  # category, country, province, certs


class Writer:
    """Certification bits and facet combinations of one generation, inside one write
    transaction (new ones are added to the tables as they are met). `preload` reads all
    combinations at once (bulk writes); otherwise each is looked up when first needed."""

    def __init__(self, conn: sqlite3.Connection, gen: int, *, preload: bool = False) -> None:
        self.conn = conn
        self.n = sql.names(gen)
        self.bits = sql.cert_bits(conn, gen)
        self.combos: dict[Combo, int] = {}
        self.complete = preload
        if preload:
            for number, category, country, province, certs in conn.execute(
                "SELECT n, category, origin_country, origin_province, certs "  # noqa: S608
                f"FROM {self.n['combos']}"
            ):
                self.combos[(category, country, province, int(certs))] = int(number)

    def cert_mask(self, codes: Iterable[str]) -> int:
        """The bit set of certification codes, giving unseen codes the next free bit."""
        mask = 0
        for code in codes:
            bit = self.bits.get(code)
            if bit is None:
                bit = max(self.bits.values(), default=-1) + 1
                if bit >= sql.MAX_CERTIFICATIONS:
                    raise ValueError(f"more than {sql.MAX_CERTIFICATIONS} certification codes")
                self.conn.execute(
                    f"INSERT INTO {self.n['codes']} (code, bit) VALUES (?, ?)", (code, bit)  # noqa: S608
                )
                self.bits[code] = bit
            mask |= 1 << bit
        return mask

    def facet(self, category: str | None, country: str | None, province: str | None,
              certs: int) -> str:
        """The facet character of a combination, numbering it when it is new."""
        key = (category, country, province, int(certs))
        number = self.combos.get(key)
        if number is None and not self.complete:
            found = self.conn.execute(
                f"SELECT n FROM {self.n['combos']} WHERE coalesce(category, '') = ? "  # noqa: S608
                "AND coalesce(origin_country, '') = ? AND coalesce(origin_province, '') = ? "
                "AND certs = ?",
                (category or "", country or "", province or "", int(certs)),
            ).fetchone()
            number = None if found is None else int(found[0])
        if number is None:
            number = int(self.conn.execute(
                f"SELECT coalesce(max(n) + 1, 0) FROM {self.n['combos']}"  # noqa: S608
            ).fetchone()[0])
            if number >= sql.MAX_COMBOS:
                raise ValueError("too many distinct facet combinations for the embedded index")
            self.conn.execute(
                f"INSERT INTO {self.n['combos']} (n, category, origin_country, "  # noqa: S608
                "origin_province, certs) VALUES (?, ?, ?, ?, ?)",
                (number, *key),
            )
        self.combos[key] = number
        return sql.facet_char(number)

    def values(self, row: Row) -> tuple[Any, ...]:
        """The docs columns after id and version (certification mask filled in), then the
        facet character."""
        columns = list(row.columns)
        columns[_CERTS] = certs = self.cert_mask(row.certs)
        category, country, province = row.columns[:3]
        return (*columns, self.facet(category, country, province, certs))


def _remove(conn: sqlite3.Connection, n: dict[str, str], rowid: int) -> None:
    for table in ("fts", "sug", "store"):
        conn.execute(f"DELETE FROM {n[table]} WHERE rowid = ?", (rowid,))  # noqa: S608


def _insert_text(conn: sqlite3.Connection, n: dict[str, str],
                 items: Sequence[tuple[int, Row]]) -> None:
    conn.executemany(
        f"INSERT INTO {n['fts']} (rowid, {', '.join(SEARCH_FIELDS)}) "  # noqa: S608
        f"VALUES (?{', ?' * len(SEARCH_FIELDS)})",
        [(rowid, *row.fts) for rowid, row in items],
    )
    conn.executemany(
        f"INSERT INTO {n['store']} (rowid, doc) VALUES (?, ?)",  # noqa: S608
        [(rowid, row.doc) for rowid, row in items],
    )
    conn.executemany(
        f"INSERT INTO {n['sug']} (rowid, {', '.join(sql.SUGGEST_COLUMNS)}) "  # noqa: S608
        "VALUES (?, ?, ?, ?)",
        [(rowid, *row.sug) for rowid, row in items],
    )


def upsert(conn: sqlite3.Connection, gen: int, row: Row, writer: Writer | None = None) -> bool:
    """Write a document unless a newer version (or a deletion of one) is stored.

    An equal version replaces the stored document: replays are harmless, and changes that
    do not bump the listing's version (its supplier's name or verification) get through.
    A new row is unranked, at the end of the rowid space. A replaced row keeps its rowid
    unless it was ranked and its rank key changed: then it moves to the end, unranked (so
    every unranked row lies after the first unranked rowid; see `embedded_sql`).
    """
    n = sql.names(gen)
    writer = writer or Writer(conn, gen)
    current = conn.execute(
        f"SELECT rowid, version, title_len, ranked FROM {n['docs']} WHERE id = ?",  # noqa: S608
        (row.id,),
    ).fetchone()
    if current is not None and current[1] > row.version:
        return False
    tomb = conn.execute(f"SELECT version FROM {n['tomb']} WHERE id = ?", (row.id,)).fetchone()  # noqa: S608
    if tomb is not None:
        if tomb[0] >= row.version:
            return False
        conn.execute(f"DELETE FROM {n['tomb']} WHERE id = ?", (row.id,))  # noqa: S608
    values = writer.values(row)
    cells: Counter[CubeKey] = Counter({cube_key(values): 1})
    if current is not None:
        old = _stored_cube_key(conn, n, int(current[0]))
        if old is not None:
            cells[old] -= 1
    if current is not None and bool(current[3]) and current[2] != row.columns[_TITLE_LEN]:
        _count(conn, n, _stored_values(conn, n, int(current[0])), -1)
        conn.execute(f"DELETE FROM {n['docs']} WHERE rowid = ?", (current[0],))  # noqa: S608
        _remove(conn, n, int(current[0]))
        current = None
    if current is not None:
        rowid = int(current[0])
        _count(conn, n, _stored_values(conn, n, rowid), -1)
        assignments = ", ".join(f"{c} = ?" for c in ("version", *_DATA_COLUMNS, "facet"))
        conn.execute(
            f"UPDATE {n['docs']} SET {assignments} WHERE rowid = ?",  # noqa: S608
            (row.version, *values, rowid),
        )
        _remove(conn, n, rowid)
    else:
        columns = (*sql.DOC_COLUMNS, "facet", "ranked")
        rowid = 1 + int(conn.execute(
            f"SELECT coalesce(max(rowid), 0) FROM {n['docs']}"  # noqa: S608
        ).fetchone()[0])
        conn.execute(
            f"INSERT INTO {n['docs']} (rowid, {', '.join(columns)}) "  # noqa: S608
            f"VALUES (?, {', '.join('?' for _ in columns)})",
            (rowid, row.id, row.version, *values, 0),
        )
    _count(conn, n, _values(row), +1)
    _cube_count(conn, n, cells)
    _insert_text(conn, n, [(rowid, row)])
    return True


_IN_STOCK = _DATA_COLUMNS.index("in_stock")
_SAMPLE = _DATA_COLUMNS.index("sample_available")
_VERIFIED = _DATA_COLUMNS.index("verified")
CubeKey = tuple[int, int, int, int]  # combination number, in stock, sample, verified


def cube_key(values: Sequence[Any]) -> CubeKey:
    """The cube cell of a docs row's values (the data columns, then the facet character)."""
    return (sql.facet_number(values[-1]), int(values[_IN_STOCK]), int(values[_SAMPLE]),
            int(values[_VERIFIED]))


def _cube_count(conn: sqlite3.Connection, n: dict[str, str], cells: Counter[CubeKey]) -> None:
    """Add to the document counts of cube cells (a new cell copies its combination)."""
    conn.executemany(
        f"INSERT INTO {n['cube']} (n, in_stock, sample_available, verified, category, "  # noqa: S608
        "origin_country, origin_province, certs, docs) "
        f"SELECT c.n, ?, ?, ?, c.category, c.origin_country, c.origin_province, c.certs, ? "
        f"FROM {n['combos']} c WHERE c.n = ? "
        "ON CONFLICT (n, in_stock, sample_available, verified) "
        "DO UPDATE SET docs = docs + excluded.docs",
        [(stock, sample, verified, delta, number)
         for (number, stock, sample, verified), delta in cells.items() if delta],
    )


def _stored_cube_key(conn: sqlite3.Connection, n: dict[str, str], rowid: int) -> CubeKey | None:
    found = conn.execute(
        f"SELECT facet, in_stock, sample_available, verified FROM {n['docs']} "  # noqa: S608
        "WHERE rowid = ?",
        (rowid,),
    ).fetchone()
    if found is None or not found[0]:
        return None
    return (sql.facet_number(found[0]), int(found[1]), int(found[2]), int(found[3]))


@dataclass
class RankState:
    """The rank key of the last ranked row a load wrote (rows must not go backwards)."""

    last: tuple[int, str] | None = None


def load(conn: sqlite3.Connection, gen: int, batch: Sequence[Row], rank: RankState) -> int:
    """Write a batch of a rebuild; returns how many documents were written."""
    n = sql.names(gen)
    writer = Writer(conn, gen, preload=len(batch) > 50)
    marks = ", ".join("?" for _ in batch)
    ids = [row.id for row in batch]
    taken = {str(i) for (i,) in conn.execute(
        f"SELECT id FROM {n['docs']} WHERE id IN ({marks}) "  # noqa: S608
        f"UNION SELECT id FROM {n['tomb']} WHERE id IN ({marks})",
        ids + ids,
    )}
    fresh: dict[str, Row] = {}
    written = 0
    for row in batch:
        if row.id in taken or row.id in fresh:  # versions and tombstones decide
            written += _flush(conn, n, writer, list(fresh.values()), rank)
            fresh.clear()
            written += upsert(conn, gen, row, writer)
            taken.add(row.id)
        else:
            fresh[row.id] = row
    return written + _flush(conn, n, writer, list(fresh.values()), rank)


def _flush(conn: sqlite3.Connection, n: dict[str, str], writer: Writer, rows: list[Row],
           rank: RankState) -> int:
    if not rows:
        return 0
    start = int(conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {n['docs']}").fetchone()[0])  # noqa: S608
    docs: list[tuple[Any, ...]] = []
    counts: Counter[tuple[str, str]] = Counter()
    cells: Counter[CubeKey] = Counter()
    for offset, row in enumerate(rows, start=1):
        key = row.rank_key
        ranked = rank.last is None or key > rank.last
        if ranked:
            rank.last = key
        values = writer.values(row)
        docs.append((start + offset, row.id, row.version, *values, int(ranked)))
        counts.update(_values(row))
        cells[cube_key(values)] += 1
    columns = ("rowid", *sql.DOC_COLUMNS, "facet", "ranked")
    conn.executemany(
        f"INSERT INTO {n['docs']} ({', '.join(columns)}) "  # noqa: S608
        f"VALUES ({', '.join('?' for _ in columns)})",
        docs,
    )
    conn.executemany(
        f"INSERT INTO {n['stats']} (facet, value, n) VALUES (?, ?, ?) "  # noqa: S608
        "ON CONFLICT (facet, value) DO UPDATE SET n = n + excluded.n",
        [(facet, value, count) for (facet, value), count in counts.items()],
    )
    _cube_count(conn, n, cells)
    _insert_text(conn, n, [(start + offset, row) for offset, row in enumerate(rows, start=1)])
    return len(rows)


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
    old = _stored_cube_key(conn, n, int(current[0]))
    if old is not None:
        _cube_count(conn, n, Counter({old: -1}))
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


def fill_facets(conn: sqlite3.Connection, gen: int) -> None:
    """Give every row of a generation upgraded from format 1 its facet character."""
    n = sql.names(gen)
    writer = Writer(conn, gen, preload=True)
    rows = conn.execute(
        f"SELECT rowid, category, origin_country, origin_province, certs FROM {n['docs']}"  # noqa: S608
    ).fetchall()
    facets = [(writer.facet(category, country, province, certs), rowid)
              for rowid, category, country, province, certs in rows]
    conn.executemany(f"UPDATE {n['docs']} SET facet = ? WHERE rowid = ?", facets)  # noqa: S608
    conn.execute(f"DELETE FROM {n['cube']}")  # noqa: S608
    conn.execute(
        f"INSERT INTO {n['cube']} (n, in_stock, sample_available, verified, category, "  # noqa: S608
        "origin_country, origin_province, certs, docs) "
        "SELECT c.n, d.in_stock, d.sample_available, d.verified, c.category, "
        "c.origin_country, c.origin_province, c.certs, count(*) "
        f"FROM {n['docs']} d JOIN {n['combos']} c ON c.n = "
        "unicode(d.facet) - 256 - (CASE WHEN unicode(d.facet) >= 57344 THEN 2048 ELSE 0 END) "
        "GROUP BY 1, 2, 3, 4"
    )
