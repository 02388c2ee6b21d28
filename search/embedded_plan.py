"""Running a search or a suggestion against one generation of the embedded index.

A search is:

1. the page: matched rows joined with `docs`, filtered, ordered and limited. Relevance is
   (exact CAS/EC match first, tier, shorter Chinese title, id); the tier is 0 when the
   whole query matches within title-derived fields (titles, codes, INCI, botanical name,
   pinyin, initials, synonyms), 1 within those plus supplier and attributes, else 2
   (description). Tiers are rowid-only FTS5 queries with column filters: `bm25()` costs
   ~2.5 µs per matched row, which alone would exceed the latency budget on broad queries;
2. the counts: the total and every facet are grouped queries over the same rows.

All of it is one statement (`UNION ALL`); with text, the matches, their scores and their
filter columns are computed once (a `MATERIALIZED` CTE); without text, the branches run
over `docs` directly (indexes on filter and sort columns). Certifications are a bit set
per listing: the all-of filter is one mask test and the facet one pass of sums.

A facet on a single-valued field (category, origin) ignores its own filter and honours
the others (disjunctive faceting). The certification facet honours every filter, its own
too: certification filters combine with AND, so each count is exactly the number of
results that also selecting that certification would give.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from search import embedded_sql as sql
from search.highlight import highlight
from search.query import FacetValue, SearchHit, SearchQuery, SearchResult, Suggestion
from search.synonyms import SynonymTable
from search.terms import ParsedQuery, parse_query
from search.text import analyze, has_cjk, normalize, segment

_FACET_COLUMNS = {
    "category": "category",
    "origin_country": "origin_country",
    "origin_province": "origin_province",
}
_COLUMNS = ", ".join(
    f"x.{c}" for c in (
        "id", "category", "origin_country", "origin_province", "price", "moq", "in_stock",
        "sample_available", "verified", "published", "certs", "title_len", "cas", "ec",
    )
)


_ORDER_COLUMNS = "d.id, d.price, d.published, d.cas, d.ec, d.title_len, {score}"


class SearchPlan:
    def __init__(self, query: SearchQuery, synonyms: SynonymTable | None = None) -> None:
        self.query = query
        self.parsed: ParsedQuery | None = None
        self.match: str | None = None
        if query.has_text:
            # Documents carry their equivalents (`synonyms`, `related`): match what was typed.
            self.parsed = parse_query(query.text, synonyms=synonyms, synonyms_in_tree=False)
            if self.parsed.root is not None:
                self.match = sql.compile_match(self.parsed.root, sql.FTS_FIELDS)

    def _order(self) -> tuple[str, list[Any]]:
        """ORDER BY on alias `d` (columns in _ORDER_COLUMNS), and its parameters."""
        sort = self.query.sort
        if sort == "price_asc":
            return "d.price, d.id", []
        if sort == "price_desc":
            return "d.price DESC, d.id", []
        if sort == "newest" or self.match is None:
            return "d.published DESC, d.id", []
        codes = list(self.parsed.codes) if self.parsed else []
        if codes:
            marks = ", ".join("?" for _ in codes)
            exact = f"(d.cas IN ({marks}) OR d.ec IN ({marks})) DESC, "
            return exact + "d.score, d.title_len, d.id", codes + codes
        return "d.score, d.title_len, d.id", []

    def run(self, conn: sqlite3.Connection, gen: int) -> SearchResult:
        """One statement: total, facets and the page, over the matches computed once."""
        n = sql.names(gen)
        q = self.query
        bits = sql.cert_bits(conn, gen)
        conditions = sql.filters(q, bits)
        params: list[Any] = []
        if self.match is not None:
            fts = n["fts"]
            head = (
                f"WITH t1 AS MATERIALIZED (SELECT rowid AS rid FROM {fts} WHERE {fts} MATCH ?), "  # noqa: S608
                f"t2 AS MATERIALIZED (SELECT rowid AS rid FROM {fts} WHERE {fts} MATCH ?), "
                f"d0 AS MATERIALIZED (SELECT x.rowid AS rid, CASE "
                f"WHEN x.rowid IN (SELECT rid FROM t1) THEN 0 "
                f"WHEN x.rowid IN (SELECT rid FROM t2) THEN 1 ELSE 2 END AS score, {_COLUMNS} "
                f"FROM (SELECT rowid AS rid FROM {fts} WHERE {fts} MATCH ?) m "
                f"JOIN {n['docs']} x ON x.rowid = m.rid) "
            )
            params += [
                sql.within(self.match, sql.PRIMARY_FIELDS),
                sql.within(self.match, sql.META_FIELDS),
                self.match,
            ]
            source, rowid = "d0 d", "d.rid"
        else:
            head, source, rowid = "", f"{n['docs']} d", "d.rowid"
        everything, all_params = sql.where(conditions)
        if self.match is None and not conditions:
            # Browsing everything: the counts kept by every write, no row is counted.
            wanted = ", ".join(f"'{facet}'" for facet in ("", *q.facets))
            branches = [
                f"SELECT CASE facet WHEN '' THEN 'total' ELSE facet END, value, n, NULL "  # noqa: S608
                f"FROM {n['stats']} WHERE n > 0 AND facet IN ({wanted})"
            ]
            facets_wanted: tuple[str, ...] = ()
        else:
            branches = [f"SELECT 'total', NULL, count(*), NULL FROM {source} WHERE {everything}"]  # noqa: S608
            params += all_params
            facets_wanted = q.facets
        for facet in facets_wanted:
            if facet == "certification":
                if bits:
                    sums = ", ".join(f"total((d.certs >> {int(b)}) & 1)" for b in bits.values())
                    branches.append(
                        f"SELECT 'certification', NULL, NULL, json_array({sums}) "  # noqa: S608
                        f"FROM {source} WHERE {everything}"
                    )
                    params += all_params
                continue
            column = _FACET_COLUMNS[facet]
            others, other_params = sql.where(conditions, skip=facet)
            branches.append(
                f"SELECT '{facet}', d.{column}, count(*), NULL FROM {source} "  # noqa: S608
                f"WHERE {others} AND d.{column} IS NOT NULL GROUP BY d.{column}"
            )
            params += other_params
        order, order_params = self._order()
        order_columns = _ORDER_COLUMNS.format(score="d.score" if self.match else "0 AS score")
        # Order and cut the narrow rows first; only the page's documents are read.
        branches.append(
            f"SELECT 'page', NULL, row_number() OVER (ORDER BY {order}), s.doc FROM ("  # noqa: S608
            f"SELECT {rowid} AS rid, {order_columns} FROM {source} WHERE {everything} "
            f"ORDER BY {order} LIMIT ? OFFSET ?) d JOIN {n['store']} s ON s.rowid = d.rid"
        )
        params += [*order_params, *all_params, *order_params, q.per_page, q.offset]
        return self._result(conn.execute(head + " UNION ALL ".join(branches), params), bits)

    def _result(self, rows: Iterable[tuple[Any, ...]], bits: dict[str, int]) -> SearchResult:
        q = self.query
        total = 0
        facets: dict[str, list[FacetValue]] = {facet: [] for facet in q.facets}
        page: list[tuple[int, str]] = []
        for kind, value, count, payload in rows:
            if kind == "total":
                total = int(count)
            elif kind == "page":
                page.append((int(count), payload))
            elif kind == "certification" and payload is not None:
                counts = json.loads(payload)
                facets[kind] = [
                    FacetValue(code, int(c)) for code, c in zip(bits, counts, strict=True) if c
                ]
            else:
                facets[kind].append(FacetValue(str(value), int(count)))
        for values in facets.values():
            values.sort(key=lambda v: (-v.count, v.value))
        items = []
        for _, raw in sorted(page):
            doc = json.loads(raw)
            marks = highlight(doc, self.parsed) if self.parsed is not None else {}
            items.append(SearchHit.from_document(doc, marks))
        return SearchResult(
            items=items, total=total, facets=facets, page=q.page, per_page=q.per_page
        )


SUGGEST_CANDIDATES = 200
SUGGEST_MIN_LATIN = 2  # latin prefixes of one letter suggest nothing


class SuggestPlan:
    """Titles completing a typed prefix (`玫`, `gra`, `mei`), one suggestion per text:
    texts starting with the prefix first, then shorter Chinese titles."""

    def __init__(self, prefix: str, limit: int) -> None:
        self.prefix = prefix
        self.limit = max(1, min(int(limit), 50))
        self.parsed = parse_query(prefix, prefix_last=True, expand=False)
        self.chinese = has_cjk(prefix)
        self.typed = [t for t in segment(normalize(prefix), fine=False) if not has_cjk(t)]
        long_enough = self.chinese or sum(len(t) for t in self.typed) >= SUGGEST_MIN_LATIN
        self.match = (
            sql.compile_match(self.parsed.root, sql.SUGGEST_FIELDS)
            if self.parsed.root and long_enough
            else None
        )

    def _text(self, doc: dict[str, Any]) -> str:
        if not self.chinese and self.typed:
            for key in ("title_en", "inci_name", "botanical_name"):
                words = analyze(doc.get(key))
                if words and all(any(w.startswith(t) for w in words) for t in self.typed):
                    return str(doc[key])
        return str(doc["title_zh"])

    def run(self, conn: sqlite3.Connection, gen: int) -> list[Suggestion]:
        n = sql.names(gen)
        # The most recently indexed candidates (FTS5 walks rowids backwards and stops), then
        # shortest titles first: no scoring of every listing sharing a common prefix.
        rows = conn.execute(
            f"WITH s AS (SELECT rowid AS rid FROM {n['sug']} WHERE {n['sug']} MATCH ? "  # noqa: S608
            f"ORDER BY rowid DESC LIMIT ?) "
            f"SELECT t.doc FROM s JOIN {n['docs']} d ON d.rowid = s.rid "
            f"JOIN {n['store']} t ON t.rowid = s.rid ORDER BY d.title_len, d.id",
            (self.match, SUGGEST_CANDIDATES),
        ).fetchall()
        typed = normalize(self.prefix).strip()
        candidates = []
        for position, (raw,) in enumerate(rows):
            doc = json.loads(raw)
            text = self._text(doc)
            starts = normalize(text).startswith(typed)
            candidates.append((not starts, position, text, doc["id"]))
        out: list[Suggestion] = []
        seen: set[str] = set()
        for _, _, text, listing_id in sorted(candidates):
            if text.lower() not in seen:
                seen.add(text.lower())
                out.append(Suggestion(text=text, listing_id=listing_id))
            if len(out) >= self.limit:
                break
        return out
