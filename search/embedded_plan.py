"""Running a search or a suggestion against one generation of the embedded index.

A search is:

1. the counts: one pass over the matching rows (the FTS5 match joined with `docs`, or
   `docs` alone when there is no text) under the filters, concatenating each row's facet
   character (`embedded_sql`, "Facet characters"); the total and every facet are exact
   sums over the counts per facet combination. Browsing everything without filters reads
   the counts kept by every write (`stats_g`) instead.
2. the page: relevance is (exact CAS/EC match first, tier, shorter Chinese title, id);
   the tier is 0 when the whole query matches within title-derived fields (titles,
   codes, INCI, botanical name, pinyin, initials, synonyms), 1 within those plus
   supplier and attributes, else 2 (description). The tiers are disjoint FTS5 queries
   (`E0`, `E1 NOT E0`, `E NOT E1`, with column filters), read in order until the page is
   full; within a tier the ranked rows come in rowid order, which is their rank order
   (`embedded_sql`, "Rank order"), so a broad query reads about a page of rows instead of
   sorting every match; unranked rows are merged in. Price and date sorts order the
   matching rows with LIMIT; only the page's documents are read from `store_g`.

A facet on a single-valued field (category, origin) ignores its own filter and honours
the others (disjunctive faceting): such a filter is applied to the counts per
combination in Python rather than in SQL. The certification facet honours every
filter, its own too: certification filters combine with AND, so each count is exactly
the number of results that also selecting that certification would give.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import Counter
from collections.abc import Iterable, MutableMapping
from typing import Any

from search import embedded_sql as sql
from search.highlight import highlight
from search.normalize import has_cjk, normalize
from search.query import (
    FacetValue,
    SearchHit,
    SearchQuery,
    SearchResult,
    Suggestion,
    rank_suggestions,
)
from search.synonyms import SynonymTable
from search.terms import ParsedQuery, parse_query
from search.text import analyze, segment

log = logging.getLogger(__name__)

_SINGLE_VALUED = ("category", "origin_country", "origin_province")
# Filters the cube of counts answers (`embedded_sql`): all but price and MOQ.
_CUBE_DIMS = frozenset({*_SINGLE_VALUED, "certification", "in_stock", "sample_available",
                        "verified_supplier"})

# (category, origin country, origin province), certification mask
Combo = tuple[tuple[str | None, str | None, str | None], int]
Combos = MutableMapping[str, Combo]  # facet character → combination, of one generation


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

    def run(self, conn: sqlite3.Connection, gen: int, combos: Combos | None = None
            ) -> SearchResult:
        """Counts, then the page; `combos` caches facet combinations across searches (they
        never change meaning within a generation)."""
        n = sql.names(gen)
        q = self.query
        bits = sql.cert_bits(conn, gen)
        conditions = sql.filters(q, bits)
        if self.match is None and not conditions:
            total, facets = self._stats(conn, n)
        else:
            counted = self._counts(conn, n, conditions, bits, {} if combos is None else combos)
            total, facets = counted if counted is not None else self._grouped(
                conn, n, conditions, bits)
        rowids = self._page(conn, n, conditions, total) if q.offset < total else []
        documents = dict(conn.execute(
            f"SELECT rowid, doc FROM {n['store']} WHERE rowid IN "  # noqa: S608
            f"({', '.join('?' for _ in rowids)})",
            rowids,
        ).fetchall()) if rowids else {}
        items = []
        for rowid in rowids:
            doc = json.loads(documents[rowid])
            marks = highlight(doc, self.parsed) if self.parsed is not None else {}
            items.append(SearchHit.from_document(doc, marks))
        for values in facets.values():
            values.sort(key=lambda v: (-v.count, v.value))
        return SearchResult(
            items=items, total=total, facets=facets, page=q.page, per_page=q.per_page
        )

    # --- counts ---------------------------------------------------------------------------

    def _source(self, n: dict[str, str]) -> tuple[str, list[Any]]:
        """FROM clause (alias `d` for docs) of the matching rows, and its parameters."""
        if self.match is None:
            return f"{n['docs']} d", []
        fts = n["fts"]
        # CROSS JOIN: the matches drive. A plan that walks docs by a filter's index and
        # probes FTS5 per row costs a full query evaluation per probe.
        return (
            f"(SELECT rowid AS rid FROM {fts} WHERE {fts} MATCH ?) m "  # noqa: S608
            f"CROSS JOIN {n['docs']} d ON d.rowid = m.rid",
            [self.match],
        )

    def _stats(self, conn: sqlite3.Connection, n: dict[str, str]
               ) -> tuple[int, dict[str, list[FacetValue]]]:
        """Browsing everything: the counts kept by every write, no row is counted."""
        facets: dict[str, list[FacetValue]] = {facet: [] for facet in self.query.facets}
        wanted = ("", *self.query.facets)
        total = 0
        for facet, value, count in conn.execute(
            f"SELECT facet, value, n FROM {n['stats']} WHERE n > 0 "  # noqa: S608
            f"AND facet IN ({', '.join('?' for _ in wanted)})",
            wanted,
        ):
            if facet == "":
                total = int(count)
            else:
                facets[facet].append(FacetValue(str(value), int(count)))
        return total, facets

    def _counts(
        self, conn: sqlite3.Connection, n: dict[str, str], conditions: list[sql.Filter],
        bits: dict[str, int], combos: Combos,
    ) -> tuple[int, dict[str, list[FacetValue]]] | None:
        """Total and facets from counts per facet combination; None when some matching row
        has no facet character (an index written by an older version: the caller counts
        in SQL instead)."""
        q = self.query
        if self.match is None and all(dim in _CUBE_DIMS for dim, _, _ in conditions):
            return self._cube_counts(conn, n, conditions, bits)
        # Filters on faceted single-valued fields apply per combination (their own facet
        # ignores them); every other filter applies in SQL.
        in_python = {dim: getattr(q, dim) for dim in _SINGLE_VALUED
                     if dim in q.facets and getattr(q, dim) is not None}
        kept = [c for c in conditions if c[0] not in in_python]
        where, where_params = sql.where(kept)
        source, params = self._source(n)
        rows, text = conn.execute(
            f"SELECT count(*), group_concat(d.facet, '') FROM {source} "  # noqa: S608
            f"WHERE {where}",
            params + where_params,
        ).fetchone()
        text = text or ""
        if len(text) != rows:
            log.warning("search index rows without facet characters: run `search reindex`")
            return None
        counts = Counter(text)
        self._learn(conn, n, counts, combos)
        return self._aggregate(counts, combos, in_python, bits)

    def _cube_counts(
        self, conn: sqlite3.Connection, n: dict[str, str], conditions: list[sql.Filter],
        bits: dict[str, int],
    ) -> tuple[int, dict[str, list[FacetValue]]]:
        """Browsing without price or MOQ filters: no listing is read, the counts per cube
        cell (kept by every write) are summed under the filters (the filter conditions
        name the same columns in `cube_g` as in `docs_g`)."""
        q = self.query
        facets: dict[str, list[FacetValue]] = {facet: [] for facet in q.facets}
        everything, params = sql.where(conditions)
        total = 0
        by_bit: Counter[int] = Counter()
        for certs, count in conn.execute(
            f"SELECT d.certs, sum(d.docs) FROM {n['cube']} d "  # noqa: S608
            f"WHERE d.docs > 0 AND {everything} GROUP BY d.certs",
            params,
        ):
            total += int(count)
            mask = int(certs)
            while mask:
                low = mask & -mask
                by_bit[low.bit_length() - 1] += int(count)
                mask ^= low
        if "certification" in facets:
            facets["certification"] = [
                FacetValue(code, by_bit[bit]) for code, bit in bits.items() if by_bit[bit]
            ]
        for dim in _SINGLE_VALUED:
            if dim not in facets:
                continue
            others, other_params = sql.where(conditions, skip=dim)
            if others == "1":  # no other filter: the counts over everything
                found = conn.execute(
                    f"SELECT value, n FROM {n['stats']} WHERE facet = ? AND n > 0",  # noqa: S608
                    (dim,),
                )
            else:
                found = conn.execute(
                    f"SELECT d.{dim}, sum(d.docs) FROM {n['cube']} d "  # noqa: S608
                    f"WHERE d.docs > 0 AND d.{dim} IS NOT NULL AND {others} GROUP BY d.{dim}",
                    other_params,
                )
            facets[dim] = [FacetValue(str(value), int(c)) for value, c in found if c]
        return total, facets

    @staticmethod
    def _learn(conn: sqlite3.Connection, n: dict[str, str], chars: Iterable[str],
               combos: Combos) -> None:
        """Read the combinations of facet characters not cached yet."""
        unknown = [sql.facet_number(ch) for ch in chars if ch not in combos]
        for start in range(0, len(unknown), 500):
            chunk = unknown[start : start + 500]
            for number, category, country, province, certs in conn.execute(
                "SELECT n, category, origin_country, origin_province, certs "  # noqa: S608
                f"FROM {n['combos']} WHERE n IN ({', '.join('?' for _ in chunk)})",
                chunk,
            ):
                combos[sql.facet_char(int(number))] = ((category, country, province), int(certs))

    def _aggregate(
        self, counts: dict[str, int], combos: Combos, in_python: dict[str, Any],
        bits: dict[str, int],
    ) -> tuple[int, dict[str, list[FacetValue]]]:
        """Total and facets from the counts per combination; `in_python`: single-valued
        filters to apply here (the others were applied in SQL)."""
        q = self.query
        want = [dim in q.facets for dim in _SINGLE_VALUED]
        by_dim: list[dict[str | None, int]] = [{}, {}, {}]
        by_mask: dict[int, int] = {}
        total = 0
        tests = [(_SINGLE_VALUED.index(dim), wanted) for dim, wanted in in_python.items()]
        for ch, count in counts.items():
            values, mask = combos[ch]
            failed = -1  # index of the only filter the combination fails; -2: several
            for index, wanted in tests:
                if values[index] != wanted:
                    failed = index if failed == -1 else -2
            if failed == -1:
                total += count
                by_mask[mask] = by_mask.get(mask, 0) + count
                for index in (0, 1, 2):
                    if want[index]:
                        found = by_dim[index]
                        found[values[index]] = found.get(values[index], 0) + count
            elif failed >= 0 and want[failed]:  # fails on this dimension only
                found = by_dim[failed]
                found[values[failed]] = found.get(values[failed], 0) + count
        facets: dict[str, list[FacetValue]] = {facet: [] for facet in q.facets}
        for index, dim in enumerate(_SINGLE_VALUED):
            if want[index]:
                facets[dim] = [FacetValue(str(value), c) for value, c in by_dim[index].items()
                               if value is not None and c]
        if "certification" in facets:
            by_bit: Counter[int] = Counter()
            for mask, count in by_mask.items():
                while mask:
                    low = mask & -mask
                    by_bit[low.bit_length() - 1] += count
                    mask ^= low
            facets["certification"] = [
                FacetValue(code, by_bit[bit]) for code, bit in bits.items() if by_bit[bit]
            ]
        return total, facets

    def _grouped(
        self, conn: sqlite3.Connection, n: dict[str, str], conditions: list[sql.Filter],
        bits: dict[str, int],
    ) -> tuple[int, dict[str, list[FacetValue]]]:
        """Total and facets by grouped queries (slower; for rows without facet characters)."""
        source, params = self._source(n)
        everything, all_params = sql.where(conditions)
        total = int(conn.execute(
            f"SELECT count(*) FROM {source} WHERE {everything}",  # noqa: S608
            params + all_params,
        ).fetchone()[0])
        facets: dict[str, list[FacetValue]] = {facet: [] for facet in self.query.facets}
        for facet in self.query.facets:
            if facet == "certification":
                if bits:
                    sums = ", ".join(f"total((d.certs >> {int(b)}) & 1)" for b in bits.values())
                    counts = conn.execute(
                        f"SELECT {sums} FROM {source} WHERE {everything}",  # noqa: S608
                        params + all_params,
                    ).fetchone()
                    facets[facet] = [FacetValue(code, int(c))
                                     for code, c in zip(bits, counts, strict=True) if c]
                continue
            others, other_params = sql.where(conditions, skip=facet)
            facets[facet] = [FacetValue(str(value), int(count)) for value, count in conn.execute(
                f"SELECT d.{facet}, count(*) FROM {source} "  # noqa: S608
                f"WHERE {others} AND d.{facet} IS NOT NULL GROUP BY d.{facet}",
                params + other_params,
            )]
        return total, facets

    # --- the page -------------------------------------------------------------------------

    def _page(self, conn: sqlite3.Connection, n: dict[str, str], conditions: list[sql.Filter],
              total: int) -> list[int]:
        q = self.query
        everything, params = sql.where(conditions)
        codes = list(self.parsed.codes) if self.parsed else []
        if self.match is None or q.sort != "relevance" or codes:
            source, source_params = self._source(n)
            order, order_params = self._order(n, codes)
            if self.match is None and conditions and self._walk_sorted(conn, n, total):
                # Many listings pass the filters: walk the sort order's index and stop after
                # the page, rather than sorting every listing that passes.
                index = {"price_asc": "price", "price_desc": "price_desc"}.get(q.sort, "newest")
                source += f" INDEXED BY {n['docs']}_{index}"
            return [int(r) for (r,) in conn.execute(
                f"SELECT d.rowid FROM {source} WHERE {everything} "  # noqa: S608
                f"ORDER BY {order} LIMIT ? OFFSET ?",
                source_params + params + order_params + [q.per_page, q.offset],
            )]
        limit = min(q.offset + q.per_page, total)
        primary = sql.within(self.match, sql.PRIMARY_FIELDS)
        meta = sql.within(self.match, sql.META_FIELDS)
        tiers = (primary, f"({meta}) NOT ({primary})", f"({self.match}) NOT ({meta})")
        # Unranked rows sit at the end of the rowid space (see `embedded_rows.upsert`).
        first_unranked = conn.execute(
            f"SELECT min(rowid) FROM {n['docs']} WHERE ranked = 0"  # noqa: S608
        ).fetchone()[0]
        found: list[int] = []
        for expr in tiers:
            if len(found) >= limit:
                break
            found += self._tier(conn, n, expr, everything, params, limit - len(found),
                                first_unranked)
        return found[q.offset : limit]

    def _walk_sorted(self, conn: sqlite3.Connection, n: dict[str, str], total: int) -> bool:
        """Whether walking all listings in sort order until the page is full (about
        (offset + per_page) × listings / total rows) reads fewer rows than the `total`
        rows that pass the filters."""
        found = conn.execute(
            f"SELECT n FROM {n['stats']} WHERE facet = '' AND value = ''"  # noqa: S608
        ).fetchone()
        listings = int(found[0]) if found else 0
        return total * total > (self.query.offset + self.query.per_page) * listings

    def _tier(self, conn: sqlite3.Connection, n: dict[str, str], expr: str, where: str,
              params: list[Any], limit: int, first_unranked: int | None) -> list[int]:
        """The first `limit` rows of one tier in rank order (title length, id): ranked rows
        in rowid order, merged with the unranked ones (from the end of the rowid space)."""
        fts, docs = n["fts"], n["docs"]
        rows = conn.execute(
            f"SELECT d.rowid, d.title_len, d.id FROM {fts} f "  # noqa: S608
            f"CROSS JOIN {docs} d ON d.rowid = f.rowid "
            f"WHERE {fts} MATCH ? AND d.ranked = 1 AND {where} ORDER BY f.rowid LIMIT ?",
            [expr, *params, limit],
        ).fetchall()
        if first_unranked is not None:
            unranked = conn.execute(
                f"SELECT d.rowid, d.title_len, d.id FROM {fts} f "  # noqa: S608
                f"CROSS JOIN {docs} d ON d.rowid = f.rowid "
                f"WHERE {fts} MATCH ? AND f.rowid >= ? AND d.ranked = 0 AND {where} "
                "ORDER BY d.title_len, d.id LIMIT ?",
                [expr, first_unranked, *params, limit],
            ).fetchall()
            if unranked:
                rows = sorted(rows + unranked, key=lambda r: (r[1], r[2]))
        return [int(r[0]) for r in rows[:limit]]

    def _order(self, n: dict[str, str], codes: list[str]) -> tuple[str, list[Any]]:
        """ORDER BY on alias `d` (a docs row), and its parameters."""
        sort = self.query.sort
        if sort == "price_asc":
            return "d.price, d.id", []
        if sort == "price_desc":
            return "d.price DESC, d.id", []
        if sort == "newest" or self.match is None:
            return "d.published DESC, d.id", []
        # Relevance with CAS/EC numbers: few matches (the number must match); tiers inline.
        fts = n["fts"]
        marks = ", ".join("?" for _ in codes)
        return (
            f"(d.cas IN ({marks}) OR d.ec IN ({marks})) DESC, "  # noqa: S608
            f"CASE WHEN d.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?) THEN 0 "
            f"WHEN d.rowid IN (SELECT rowid FROM {fts} WHERE {fts} MATCH ?) THEN 1 ELSE 2 END, "
            "d.title_len, d.id",
            [*codes, *codes, sql.within(self.match or "", sql.PRIMARY_FIELDS),
             sql.within(self.match or "", sql.META_FIELDS)],
        )


SUGGEST_SCAN = 1000  # first matches looked at for distinct titles
SUGGEST_CANDIDATES = 200  # distinct titles kept from them
SUGGEST_RECENT = 50  # most recently written matches, always candidates
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
        # Candidates without scoring every listing sharing a common prefix (FTS5 walks
        # rowids from either end and stops): distinct titles among the first matches in
        # rowid order (rank order after a rebuild: shortest titles first), and the most
        # recently written matches; then shortest titles first.
        sug = n["sug"]
        rows = conn.execute(
            f"WITH s AS (SELECT rid FROM (SELECT min(rid) AS rid FROM ("  # noqa: S608
            f"SELECT rowid AS rid, zh, en FROM {sug} WHERE {sug} MATCH ? "
            f"ORDER BY rowid LIMIT ?) GROUP BY zh, en ORDER BY 1 LIMIT ?) "
            f"UNION SELECT rid FROM (SELECT rowid AS rid FROM {sug} "
            f"WHERE {sug} MATCH ? ORDER BY rowid DESC LIMIT ?)) "
            f"SELECT t.doc FROM s JOIN {n['docs']} d ON d.rowid = s.rid "
            f"JOIN {n['store']} t ON t.rowid = s.rid ORDER BY d.title_len, d.id",
            (self.match, SUGGEST_SCAN, SUGGEST_CANDIDATES, self.match, SUGGEST_RECENT),
        ).fetchall()
        candidates = []
        for (raw,) in rows:
            doc = json.loads(raw)
            candidates.append((self._text(doc), str(doc["id"])))
        return rank_suggestions(candidates, normalize(self.prefix).strip(), self.limit)
