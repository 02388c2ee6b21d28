"""`SearchQuery` → Query DSL (search.es_query): the semantics behind the golden bodies."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from search.es_query import (
    SEARCH_FIELD_MAP,
    SearchRequest,
    SuggestRequest,
    compile_node,
    filters,
)
from search.query import SearchQuery
from search.terms import AllOf, AnyOf, Phrase, Term

TOMBSTONE = {"term": {"tombstone": {"value": True}}}


def _body(**kwargs: Any) -> dict[str, Any]:
    return SearchRequest(SearchQuery(**kwargs)).body()


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"min_price": Decimal("100")}, {"min_unit_price": {"gte": "99.995"}}),
        ({"max_price": Decimal("380")}, {"min_unit_price": {"lte": "380.005"}}),
        # Like the embedded backend: a bound between cents rounds into the range.
        ({"min_price": Decimal("379.999"), "max_price": Decimal("380.001")},
         {"min_unit_price": {"gte": "379.995", "lte": "380.005"}}),
        ({"max_price": Decimal("0.29")}, {"min_unit_price": {"lte": "0.295"}}),
        ({"max_moq": Decimal("0.5")}, {"moq": {"lte": "0.5005"}}),
    ],
)
def test_price_and_moq_bounds_are_off_the_grid(kwargs: dict[str, Any], expected: Any) -> None:
    ((clause,),) = [c for d, c in filters(SearchQuery(**kwargs)).items() if d in ("price", "moq")]
    assert clause == {"range": expected}


def test_browsing_sorts_newest_and_leaves_tombstones_out() -> None:
    body = _body()
    assert body["query"] == {"bool": {"filter": [], "must_not": [TOMBSTONE]}}
    assert body["sort"] == [{"published_at": {"order": "desc", "missing": "_last"}},
                            {"id": {"order": "asc"}}]
    assert "highlight" not in body and "post_filter" not in body
    assert set(body["aggregations"]) == {"category", "origin_province", "certification"}
    assert body["aggregations"]["category"] == {
        "filter": {"match_all": {}},
        "aggregations": {"values": {"terms": {"field": "category", "size": 200}}},
    }


def test_filter_of_a_requested_disjunctive_facet_goes_to_post_filter() -> None:
    body = _body(category="plant_extract", origin_province="新疆", certifications=("HALAL",),
                 in_stock=True)
    category = {"term": {"category": {"value": "plant_extract"}}}
    province = {"term": {"origin.province": {"value": "新疆"}}}
    assert body["post_filter"] == {"bool": {"filter": [category, province]}}
    assert body["query"]["bool"]["filter"] == [
        {"term": {"certifications": {"value": "HALAL"}}},
        {"term": {"in_stock": {"value": True}}},
    ]
    aggs = body["aggregations"]
    assert aggs["category"]["filter"] == {"bool": {"filter": [province]}}  # not its own
    assert aggs["origin_province"]["filter"] == {"bool": {"filter": [category]}}
    assert aggs["certification"]["filter"] == {"bool": {"filter": [category, province]}}


def test_a_filter_whose_facet_is_not_requested_stays_in_the_query() -> None:
    body = _body(category="plant_extract", facets=("origin_country",))
    assert "post_filter" not in body
    assert body["query"]["bool"]["filter"] == [{"term": {"category": {"value": "plant_extract"}}}]
    assert list(body["aggregations"]) == ["origin_country"]
    assert "aggregations" not in _body(facets=())


def test_relevance_is_tiered_with_stable_ties() -> None:
    body = _body(text="rose")
    should = body["query"]["bool"]["should"]
    assert [c["constant_score"]["boost"] for c in should] == [2.0, 1.0]
    assert body["sort"] == [{"_score": {"order": "desc"}}, {"title_zh_length": {"order": "asc"}},
                            {"id": {"order": "asc"}}]
    assert "should" not in _body(text="rose", sort="price_asc")["query"]["bool"]
    assert _body(text="rose", sort="price_desc")["sort"][0] == {
        "min_unit_price": {"order": "desc"}}


def test_a_registry_number_ranks_its_listing_first() -> None:
    should = _body(text="84696-47-9")["query"]["bool"]["should"]
    assert should[0] == {"constant_score": {
        "filter": {"terms": {"search.codes": ["84696479"]}}, "boost": 4.0}}


def test_compile_node() -> None:
    fields = {"title": ("search.title",), "pinyin": ("search.pinyin",)}
    tree = AllOf((
        AnyOf((Term("mei"), Term("meigui", prefix=True, fields=("pinyin",)))),
        Phrase(("grape", "seed")),
    ))
    assert compile_node(tree, fields, ("title",)) == {"bool": {"filter": [
        {"bool": {"should": [
            {"multi_match": {"query": "mei", "type": "best_fields", "fields": ["search.title"]}},
            {"multi_match": {"query": "meigui", "type": "bool_prefix",
                             "fields": ["search.pinyin"]}},
        ], "minimum_should_match": 1}},
        {"multi_match": {"query": "grape seed", "type": "phrase", "fields": ["search.title"]}},
    ]}}
    # A term that may only match fields outside the restriction: nothing matches.
    codes = AllOf((Term("rose"), Term("84696479", fields=("codes",))))
    assert compile_node(codes, fields, ("title",)) is None
    assert compile_node(codes, SEARCH_FIELD_MAP, tuple(SEARCH_FIELD_MAP)) is not None


def test_highlight_asks_for_the_display_fields() -> None:
    highlight = _body(text="Rosa 84696-47-9")["highlight"]
    assert highlight["pre_tags"] == ["<em>"] and highlight["post_tags"] == ["</em>"]
    assert highlight["encoder"] == "html"
    assert highlight["highlight_query"]["bool"]["should"] == [
        {"multi_match": {"query": "rosa", "fields": [
            "title_zh", "title_en", "inci_name", "botanical_name", "supplier.name",
            "description"]}},
        {"terms": {"cas_number": ["84696-47-9"]}},
        {"terms": {"ec_number": ["84696-47-9"]}},
    ]
    assert [next(iter(f)) for f in highlight["fields"]][:2] == ["title_zh", "title_en"]


def test_suggest_needs_two_latin_letters_or_one_chinese_character() -> None:
    assert SuggestRequest("", 10).body() is None
    assert SuggestRequest("m", 10).body() is None
    assert SuggestRequest("玫", 10).body() is not None
    body = SuggestRequest("mei gui", 10).body()
    assert body is not None
    assert body["query"]["bool"]["must_not"] == [TOMBSTONE]
    assert "suggest.py" in str(body["query"])
