"""`SearchQuery` → Elasticsearch Query DSL, and Elasticsearch responses → result types.

Matching and ranking follow the embedded backend (`search.embedded_plan`):

* The text is parsed by `search.terms.parse_query` (the same tree for every backend) and
  the tree is compiled to a `bool` over the `search.*` token fields: `AllOf` → `filter`,
  `AnyOf` → `should` (one must match), a word → `multi_match` over the fields it may
  match, a prefix → `multi_match` of type `bool_prefix`, a phrase → type `phrase`.
  Documents carry the equivalents of their synonym terms, so the tree holds what was typed.
* Relevance is tiered, as in the embedded backend: `constant_score` clauses score 4 for an
  exact CAS/EC number, 2 when the whole query matches within the title-derived fields and
  1 within those plus supplier and attributes (description-only matches score 0). Ties
  are broken by the shorter Chinese title, then the listing id — the same order as the
  embedded backend, so pages are stable.
* Filters are in `bool.filter`, except a filter whose own facet is requested on a
  single-valued field (category, origin country/province): that one goes to
  `post_filter`, and every facet aggregation applies the *other* post filters
  (disjunctive faceting). Certification filters stay in the query, so the certification
  facet honours them (certifications combine with AND).
* Price and MOQ bounds are sent half a unit away from the grid (`>= 99.995` for a
  minimum of 100.00): `scaled_float` compares scaled longs, and a bound on the grid
  would be rounded through a double.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from search.documents import SEARCH_FIELDS
from search.embedded_sql import META_FIELDS, PRIMARY_FIELDS
from search.es_mapping import TITLE_LENGTH
from search.highlight import highlight as shared_highlight
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
from search.terms import CODE_RE, AllOf, Node, ParsedQuery, Phrase, Term, parse_query
from search.text import analyze, segment

Query = dict[str, Any]
FieldMap = Mapping[str, Sequence[str]]  # logical field → Elasticsearch fields

SEARCH_FIELD_MAP: dict[str, tuple[str, ...]] = {f: (f"search.{f}",) for f in SEARCH_FIELDS}
SUGGEST_FIELD_MAP: dict[str, tuple[str, ...]] = {
    "zh": ("suggest.zh",), "en": ("suggest.en",), "py": ("suggest.py",),
    "pinyin": ("suggest.py",), "initials": ("suggest.py",),
}
SUGGEST_ALL = ("zh", "en", "py")  # what a term without named fields may match

FACET_FIELDS = {
    "category": "category",
    "origin_country": "origin.country",
    "origin_province": "origin.province",
    "certification": "certifications",
}
DISJUNCTIVE = ("category", "origin_country", "origin_province")
FACET_SIZE = 200
MAX_WINDOW = 10_000  # index.max_result_window: deeper pages are answered empty
EXACT_BOOST, PRIMARY_BOOST, META_BOOST = 4.0, 2.0, 1.0
TOMBSTONE: Query = {"term": {"tombstone": {"value": True}}}

# Display fields highlighted by Elasticsearch, best first (as `search.highlight.FIELDS`).
HIGHLIGHT_FIELDS = (
    "title_zh", "title_en", "inci_name", "cas_number", "ec_number", "botanical_name",
    "supplier.name", "description",
)
HIGHLIGHT_TEXT_FIELDS = (
    "title_zh", "title_en", "inci_name", "botanical_name", "supplier.name", "description",
)
SNIPPET_SIZE = 120

SUGGEST_CANDIDATES = 100
SUGGEST_MIN_LATIN = 2  # latin prefixes of one letter suggest nothing
SUGGEST_SOURCE = ["id", "title_zh", "title_en", "inci_name", "botanical_name"]


# --- the parse tree → Query DSL ---------------------------------------------------------

def _fields(node: Term | Phrase, fields: FieldMap, default: Sequence[str]) -> list[str]:
    logical = node.fields or tuple(default)
    out: list[str] = []
    for name in logical:
        out.extend(f for f in fields.get(name, ()) if f not in out)
    return out


def compile_node(node: Node, fields: FieldMap, default: Sequence[str]) -> Query | None:
    """A filter-context query for a parse tree, or None when nothing here can match.

    `fields` maps logical field names to Elasticsearch fields; `default` names the logical
    fields a term without named fields may match (restricting `default` and `fields`
    restricts the whole tree, like an FTS5 column filter).
    """
    if isinstance(node, Term | Phrase):
        targets = _fields(node, fields, default)
        if not targets:
            return None
        if isinstance(node, Term):
            text = node.text
            kind = "bool_prefix" if node.prefix else "best_fields"
        else:
            text = " ".join(node.tokens)
            kind = "phrase_prefix" if node.prefix else "phrase"
        return {"multi_match": {"query": text, "type": kind, "fields": targets}}
    parts = [compile_node(child, fields, default) for child in node.children]
    if isinstance(node, AllOf):
        if any(p is None for p in parts):
            return None
        kept = [p for p in parts if p is not None]
        return kept[0] if len(kept) == 1 else {"bool": {"filter": kept}}
    kept = [p for p in parts if p is not None]
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    return {"bool": {"should": kept, "minimum_should_match": 1}}


def _restricted(allowed: Sequence[str]) -> dict[str, tuple[str, ...]]:
    return {name: SEARCH_FIELD_MAP[name] for name in allowed}


# --- filters ------------------------------------------------------------------------------

def _term(field: str, value: Any) -> Query:
    return {"term": {field: {"value": value}}}


def _bound(value: Decimal, factor: int, rounding: Callable[[Decimal], int], half: int) -> str:
    """A bound half a unit off the grid: `ceil(v * f) - 0.5` or `floor(v * f) + 0.5`, / f."""
    units = Decimal(rounding(Decimal(value) * factor)) + Decimal(half) / 2
    return str(units / factor)


def filters(query: SearchQuery) -> dict[str, list[Query]]:
    """Filter clauses by dimension (a dimension may hold several clauses)."""
    out: dict[str, list[Query]] = {}
    if query.category is not None:
        out["category"] = [_term("category", query.category)]
    if query.origin_country is not None:
        out["origin_country"] = [_term("origin.country", query.origin_country)]
    if query.origin_province is not None:
        out["origin_province"] = [_term("origin.province", query.origin_province)]
    if query.certifications:
        out["certification"] = [_term("certifications", c) for c in query.certifications]
    price: dict[str, str] = {}
    if query.min_price is not None:
        price["gte"] = _bound(query.min_price, 100, math.ceil, -1)
    if query.max_price is not None:
        price["lte"] = _bound(query.max_price, 100, math.floor, +1)
    if price:
        out["price"] = [{"range": {"min_unit_price": price}}]
    if query.max_moq is not None:
        out["moq"] = [{"range": {"moq": {"lte": _bound(query.max_moq, 1000, math.floor, +1)}}}]
    for dim, field in (
        ("in_stock", "in_stock"),
        ("sample_available", "sample_available"),
        ("verified_supplier", "supplier.verified"),
    ):
        value = getattr(query, dim)
        if value is not None:
            out[dim] = [_term(field, bool(value))]
    return out


def _all(clauses: list[Query]) -> Query:
    return {"bool": {"filter": clauses}} if clauses else {"match_all": {}}


# --- the search body ----------------------------------------------------------------------

class SearchRequest:
    """The body of one search, and how to read its response."""

    def __init__(self, query: SearchQuery, synonyms: SynonymTable | None = None) -> None:
        self.query = query
        self.parsed: ParsedQuery | None = None
        if query.has_text:
            # Documents carry their equivalents (`synonyms`, `related`): match what was typed.
            self.parsed = parse_query(query.text, synonyms=synonyms, synonyms_in_tree=False)
        self.window_exceeded = query.offset + query.per_page > MAX_WINDOW

    def _text_clauses(self) -> tuple[list[Query], list[Query]]:
        """(filter, should): the match itself and the relevance tiers."""
        parsed = self.parsed
        if parsed is None or parsed.root is None:
            return [], []
        everything = compile_node(parsed.root, SEARCH_FIELD_MAP, tuple(SEARCH_FIELD_MAP))
        if everything is None:  # cannot happen with the full field map; be explicit
            return [{"match_none": {}}], []
        should: list[Query] = []
        if self.query.sort == "relevance":
            if parsed.codes:
                exact = {"terms": {"search.codes": list(parsed.codes)}}
                should.append(_constant(exact, EXACT_BOOST))
            for allowed, boost in ((PRIMARY_FIELDS, PRIMARY_BOOST), (META_FIELDS, META_BOOST)):
                tier = compile_node(parsed.root, _restricted(allowed), allowed)
                if tier is not None:
                    should.append(_constant(tier, boost))
        return [everything], should

    def body(self) -> dict[str, Any]:
        q = self.query
        by_dimension = filters(q)
        post: dict[str, list[Query]] = {
            dim: clauses for dim, clauses in by_dimension.items()
            if dim in DISJUNCTIVE and dim in q.facets
        }
        main = [c for dim, clauses in by_dimension.items() if dim not in post for c in clauses]
        text_filter, should = self._text_clauses()
        boolean: dict[str, Any] = {"filter": text_filter + main, "must_not": [TOMBSTONE]}
        if should:
            boolean["should"] = should
        body: dict[str, Any] = {
            "query": {"bool": boolean},
            "sort": self._sort(),
            "from": 0 if self.window_exceeded else q.offset,
            "size": 0 if self.window_exceeded else q.per_page,
            "track_total_hits": True,
        }
        if post:
            body["post_filter"] = _all([c for clauses in post.values() for c in clauses])
        if q.facets:
            body["aggregations"] = {facet: self._facet(facet, post) for facet in q.facets}
        highlight = self._highlight()
        if highlight is not None:
            body["highlight"] = highlight
        return body

    def _facet(self, facet: str, post: dict[str, list[Query]]) -> Query:
        others = [c for dim, clauses in post.items() if dim != facet for c in clauses]
        terms = {"terms": {"field": FACET_FIELDS[facet], "size": FACET_SIZE}}
        return {"filter": _all(others), "aggregations": {"values": terms}}

    def _sort(self) -> list[Query]:
        sort = self.query.sort
        by_id: Query = {"id": {"order": "asc"}}
        if sort == "price_asc":
            return [{"min_unit_price": {"order": "asc"}}, by_id]
        if sort == "price_desc":
            return [{"min_unit_price": {"order": "desc"}}, by_id]
        if sort == "newest" or self.parsed is None or self.parsed.root is None:
            return [{"published_at": {"order": "desc", "missing": "_last"}}, by_id]
        return [{"_score": {"order": "desc"}}, {TITLE_LENGTH: {"order": "asc"}}, by_id]

    def _highlight(self) -> Query | None:
        if self.parsed is None or self.parsed.root is None:
            return None
        raw = CODE_RE.findall(normalize(self.query.text))
        text = " ".join(normalize(CODE_RE.sub(" ", self.query.text)).split())
        clauses: list[Query] = []
        if text:
            clauses.append({"multi_match": {"query": text, "fields": list(HIGHLIGHT_TEXT_FIELDS)}})
        if raw:
            clauses.append({"terms": {"cas_number": raw}})
            clauses.append({"terms": {"ec_number": raw}})
        if not clauses:
            return None
        # A list of one-field objects: Elasticsearch keeps that order.
        fields: list[Query] = [
            {name: {"fragment_size": SNIPPET_SIZE, "number_of_fragments": 1}
             if name == "description" else {"number_of_fragments": 0}}
            for name in HIGHLIGHT_FIELDS
        ]
        return {
            "pre_tags": ["<em>"],
            "post_tags": ["</em>"],
            "encoder": "html",
            "highlight_query": {"bool": {"should": clauses, "minimum_should_match": 1}},
            "fields": fields,
        }

    # --- the response ---------------------------------------------------------------------

    def result(self, response: Mapping[str, Any]) -> SearchResult:
        q = self.query
        hits = response.get("hits") or {}
        total_info = hits.get("total") or {}
        total = int(total_info.get("value", 0) if isinstance(total_info, Mapping) else total_info)
        items = []
        if not self.window_exceeded:
            for hit in hits.get("hits") or ():
                doc = hit.get("_source") or {}
                items.append(SearchHit.from_document(doc, self._marks(doc, hit.get("highlight"))))
        facets: dict[str, list[FacetValue]] = {}
        aggregations = response.get("aggregations") or {}
        for facet in q.facets:
            buckets = ((aggregations.get(facet) or {}).get("values") or {}).get("buckets") or ()
            values = [FacetValue(str(b["key"]), int(b["doc_count"])) for b in buckets
                      if int(b["doc_count"]) > 0]
            values.sort(key=lambda v: (-v.count, v.value))
            facets[facet] = values
        return SearchResult(items=items, total=total, facets=facets, page=q.page,
                            per_page=q.per_page)

    def _marks(self, doc: Mapping[str, Any], found: Mapping[str, Any] | None) -> dict[str, str]:
        """Elasticsearch's snippet of the best field; pinyin matches (which Elasticsearch
        cannot see in the display fields) are marked by the shared highlighter."""
        if self.parsed is None:
            return {}
        for name in HIGHLIGHT_FIELDS:
            fragments = (found or {}).get(name)
            if fragments:
                return {name: str(fragments[0])}
        return shared_highlight(doc, self.parsed)


def _constant(query: Query, boost: float) -> Query:
    return {"constant_score": {"filter": query, "boost": boost}}


# --- suggestions ----------------------------------------------------------------------

class SuggestRequest:
    """Titles completing a typed prefix (`玫`, `gra`, `mei`), like the embedded backend:
    prefix-matching texts first, then shorter Chinese titles, one suggestion per text."""

    def __init__(self, prefix: str, limit: int) -> None:
        self.prefix = prefix
        self.limit = max(1, min(int(limit), 50))
        self.parsed = parse_query(prefix, prefix_last=True, expand=False)
        self.chinese = has_cjk(prefix)
        self.typed = [t for t in segment(normalize(prefix), fine=False) if not has_cjk(t)]
        long_enough = self.chinese or sum(len(t) for t in self.typed) >= SUGGEST_MIN_LATIN
        self.match = (
            compile_node(self.parsed.root, SUGGEST_FIELD_MAP, SUGGEST_ALL)
            if self.parsed.root is not None and long_enough
            else None
        )

    def body(self) -> dict[str, Any] | None:
        if self.match is None:
            return None
        return {
            "query": {"bool": {"filter": [self.match], "must_not": [TOMBSTONE]}},
            "sort": [{TITLE_LENGTH: {"order": "asc"}}, {"id": {"order": "asc"}}],
            "size": SUGGEST_CANDIDATES,
            "_source": {"includes": list(SUGGEST_SOURCE)},
        }

    def _text(self, doc: Mapping[str, Any]) -> str:
        if not self.chinese and self.typed:
            for key in ("title_en", "inci_name", "botanical_name"):
                words = analyze(doc.get(key))
                if words and all(any(w.startswith(t) for w in words) for t in self.typed):
                    return str(doc[key])
        return str(doc.get("title_zh") or "")

    def result(self, response: Mapping[str, Any]) -> list[Suggestion]:
        candidates = []
        for hit in (response.get("hits") or {}).get("hits") or ():
            doc = hit.get("_source") or {}
            text = self._text(doc)
            if text:
                candidates.append((text, str(doc.get("id") or hit["_id"])))
        return rank_suggestions(candidates, normalize(self.prefix).strip(), self.limit)


COUNT_QUERY: Query = {"bool": {"must_not": [TOMBSTONE]}}
