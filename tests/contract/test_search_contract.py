"""The search contract: the same catalogue, queries and expectations for every backend.

Supported ways of writing a query (what these tests pin down):
Chinese words; English words; pinyin of Chinese title words, with or without spaces,
tone marks or tone numbers (`meigui`, `mei gui`, `méiguī`, `mei2gui1`); pinyin initials
of 2+ letters, matching a whole Chinese word of a title (`mg` → 玫瑰; initials are
ambiguous by nature); INCI names, whole or partial; botanical names; CAS/EC numbers
(exact, ranked first); supplier names; synonyms from search/data/synonyms.txt in both
directions. Every word of a query must match (AND).
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from search.interface import SearchBackend
from search.query import SearchQuery
from tests.contract.catalogue import ALL_IDS, documents
from tests.contract.conftest import settle

ROSES = {"lst_rose_extract", "lst_rose_water", "lst_rose_oil"}
DENDROBIUM = {"lst_dendrobium", "lst_dendrobium_zj"}
GRAPESEED = {"lst_grapeseed_oil", "lst_grapeseed_extract"}
CENTELLA = {"lst_centella_yn", "lst_centella_zj"}
HYALURONATE = {"lst_ha_sd", "lst_ha_zj"}


def ids(backend: SearchBackend, text: str = "", **filters: Any) -> list[str]:
    return backend.search(SearchQuery(text=text, per_page=100, **filters)).ids


def test_backend_satisfies_the_interface(search_backend: SearchBackend) -> None:
    assert isinstance(search_backend, SearchBackend)
    assert search_backend.ping() is True
    assert search_backend.count() == len(ALL_IDS)


def test_empty_text_browses_everything(search_backend: SearchBackend) -> None:
    result = search_backend.search(SearchQuery(per_page=100))
    assert result.total == len(ALL_IDS)
    assert set(result.ids) == ALL_IDS


# --- ways of writing a query ------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("石斛", DENDROBIUM),
        ("葡萄籽", GRAPESEED),
        ("grape seed oil", {"lst_grapeseed_oil"}),
        ("Rosa Rugosa Flower Extract", {"lst_rose_extract"}),
        ("Rosa sertata", {"lst_rose_oil"}),  # botanical name only
        ("Vitis vinifera", GRAPESEED),
        ("hyaluronic acid", HYALURONATE),
        ("透明质酸钠", HYALURONATE),
        ("积雪草", CENTELLA),
        ("gotu kola", CENTELLA),
        ("centella", CENTELLA),
        ("鲁泉生物", {"lst_ha_sd", "lst_glycerin"}),  # supplier name
        ("renshen", {"lst_ginseng"}),
        ("玫瑰 精油", {"lst_rose_oil", "lst_rose_water"}),  # rose water's description
        ("ＲＯＳＥ　ｗａｔｅｒ", {"lst_rose_water"}),  # full-width input
    ],
)
def test_query_finds_exactly(search_backend: SearchBackend, text: str, expected: set[str]) -> None:
    assert set(ids(search_backend, text)) == expected


@pytest.mark.parametrize("text", ["meigui", "mei gui", "méiguī", "mei2gui1", "MeiGui", "mg"])
def test_pinyin_and_initials_find_rose_titles(search_backend: SearchBackend, text: str) -> None:
    assert set(ids(search_backend, text)) == ROSES


@pytest.mark.parametrize("text", ["玫瑰", "rose"])
def test_rose_in_either_language_finds_the_same_listings_titles_first(
    search_backend: SearchBackend, text: str
) -> None:
    found = ids(search_backend, text)
    # The massage blend only mentions 玫瑰 in its description: it comes last.
    assert set(found) == ROSES | {"lst_massage_blend"}
    assert set(found[:3]) == ROSES


def test_rose_oil_ranks_the_oil_first(search_backend: SearchBackend) -> None:
    found = ids(search_backend, "rose oil")
    assert found[0] == "lst_rose_oil"
    # Others may mention both words (rose water's description: 玫瑰精油 = rose oil).
    assert set(found) <= {"lst_rose_oil", "lst_rose_water", "lst_massage_blend"}


def test_partial_inci_name(search_backend: SearchBackend) -> None:
    found = ids(search_backend, "rugosa")
    assert set(found[:3]) == ROSES
    assert set(found) <= ROSES | {"lst_massage_blend"}


def test_title_match_ranks_above_description_only_match(search_backend: SearchBackend) -> None:
    assert ids(search_backend, "薰衣草") == ["lst_lavender_oil", "lst_massage_blend"]
    assert ids(search_backend, "lavender") == ["lst_lavender_oil", "lst_massage_blend"]


@pytest.mark.parametrize(
    ("code", "listing"),
    [
        ("84696-47-9", "lst_rose_extract"),
        ("8007-01-0", "lst_rose_oil"),
        ("8024-22-2", "lst_grapeseed_oil"),
        ("202-713-4", "lst_niacinamide"),  # EC number
    ],
)
def test_registry_number_finds_its_listing_first(
    search_backend: SearchBackend, code: str, listing: str
) -> None:
    assert ids(search_backend, code)[0] == listing


def test_cas_shared_by_two_listings(search_backend: SearchBackend) -> None:
    assert set(ids(search_backend, "9067-32-7")[:2]) == HYALURONATE


def test_unknown_words_find_nothing(search_backend: SearchBackend) -> None:
    assert ids(search_backend, "unobtainium") == []
    assert ids(search_backend, "rose unobtainium") == []


def test_highlight_marks_what_matched(search_backend: SearchBackend) -> None:
    result = search_backend.search(SearchQuery(text="玫瑰"))
    hit = next(h for h in result.items if h.id == "lst_rose_water")
    assert any("<em>玫瑰</em>" in snippet for snippet in hit.highlight.values())
    cas = search_backend.search(SearchQuery(text="84696-47-9")).items[0]
    assert any("<em>84696-47-9</em>" in s for s in cas.highlight.values())


# --- filters and facets -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"category": "plant_extract"}, {
            "lst_rose_extract", "lst_dendrobium", "lst_dendrobium_zj", "lst_grapeseed_extract",
            "lst_centella_yn", "lst_ginseng", "lst_licorice"}),
        ({"origin_province": "山东"}, {
            "lst_rose_extract", "lst_rose_water", "lst_ha_sd", "lst_glycerin"}),
        ({"origin_country": "CN"}, set(ALL_IDS)),
        ({"origin_country": "FR"}, set()),
        ({"certifications": ("HALAL", "VEGAN")}, {"lst_licorice"}),
        ({"certifications": ("CN_ORGANIC",)}, {
            "lst_rose_extract", "lst_rose_water", "lst_dendrobium", "lst_ginseng",
            "lst_seabuckthorn"}),
        ({"certifications": ("RSPO",)}, set()),
        ({"min_price": Decimal("100"), "max_price": Decimal("380")}, {
            "lst_rose_extract", "lst_centella_yn", "lst_centella_zj", "lst_squalane",
            "lst_massage_blend", "lst_seabuckthorn"}),
        ({"min_price": Decimal("2100.00")}, {"lst_rose_oil", "lst_licorice", "lst_ha_zj"}),
        ({"max_price": Decimal("45")}, {"lst_glycerin", "lst_rose_water"}),
        ({"max_moq": Decimal("0.5")}, {"lst_rose_oil", "lst_ha_zj", "lst_licorice"}),
        ({"in_stock": False}, {"lst_dendrobium_zj"}),
        ({"sample_available": True}, {
            "lst_rose_extract", "lst_rose_water", "lst_dendrobium", "lst_grapeseed_oil",
            "lst_centella_yn", "lst_lavender_oil", "lst_ha_sd", "lst_dpg"}),
        ({"verified_supplier": False}, {
            "lst_rose_oil", "lst_dendrobium_zj", "lst_centella_zj", "lst_ha_zj",
            "lst_niacinamide", "lst_squalane", "lst_massage_blend"}),
    ],
)
def test_each_filter(
    search_backend: SearchBackend, filters: dict[str, Any], expected: set[str]
) -> None:
    result = search_backend.search(SearchQuery(per_page=100, **filters))
    assert set(result.ids) == expected
    assert result.total == len(expected)


def test_in_stock_is_stock_at_least_moq(search_backend: SearchBackend) -> None:
    assert set(ids(search_backend, in_stock=True)) == ALL_IDS - {"lst_dendrobium_zj"}


def test_filters_combine(search_backend: SearchBackend) -> None:
    assert set(
        ids(search_backend, "玫瑰", origin_province="山东", sample_available=True)
    ) == {"lst_rose_extract", "lst_rose_water"}
    assert set(
        ids(search_backend, category="plant_extract", certifications=("CN_ORGANIC",),
            verified_supplier=True, in_stock=True)
    ) == {"lst_rose_extract", "lst_dendrobium", "lst_ginseng"}
    assert ids(search_backend, "rose", category="humectant") == []


def _facets(result: Any) -> dict[str, dict[str, int]]:
    return {name: {v.value: v.count for v in values} for name, values in result.facets.items()}


def test_facets_without_filters_count_everything(search_backend: SearchBackend) -> None:
    facets = _facets(search_backend.search(SearchQuery()))
    assert facets["category"]["plant_extract"] == 7
    assert facets["origin_province"]["山东"] == 4
    assert facets["certification"]["HALAL"] == 8
    assert sum(facets["category"].values()) == len(ALL_IDS)


def test_facets_are_disjunctive_for_category_and_province(search_backend: SearchBackend) -> None:
    result = search_backend.search(SearchQuery(category="plant_extract", origin_province="新疆"))
    assert result.ids == ["lst_licorice"]
    facets = _facets(result)
    # Category counts ignore the category filter but honour the province filter ...
    assert facets["category"] == {"essential_oil": 1, "active": 1, "plant_extract": 1}
    # ... province counts ignore the province filter but honour the category filter.
    assert facets["origin_province"] == {
        "山东": 1, "安徽": 1, "浙江": 1, "宁夏": 1, "云南": 1, "吉林": 1, "新疆": 1}
    assert facets["certification"] == {"HALAL": 1, "VEGAN": 1}


def test_certification_facet_counts_what_adding_it_would_give(
    search_backend: SearchBackend,
) -> None:
    """Certifications combine with AND, so their facet honours the certification filter."""
    result = search_backend.search(SearchQuery(certifications=("HALAL",)))
    assert result.total == 8
    assert _facets(result)["certification"] == {
        "HALAL": 8, "ISO_22716": 2, "ECOCERT": 1, "VEGAN": 1, "KOSHER": 1, "CN_ORGANIC": 1}
    both = search_backend.search(SearchQuery(certifications=("HALAL", "ISO_22716")))
    assert both.total == 2


def test_facets_follow_the_text(search_backend: SearchBackend) -> None:
    result = search_backend.search(SearchQuery(text="玫瑰", category="floral_water"))
    assert result.ids == ["lst_rose_water"]
    facets = _facets(result)
    assert facets["category"] == {
        "plant_extract": 1, "floral_water": 1, "essential_oil": 1, "other": 1}
    assert facets["origin_province"] == {"山东": 1}
    assert facets["certification"] == {"CN_ORGANIC": 1}


def test_facets_are_ordered_by_count_then_value(search_backend: SearchBackend) -> None:
    for values in search_backend.search(SearchQuery()).facets.values():
        keys = [(-v.count, v.value) for v in values]
        assert keys == sorted(keys)


def test_only_requested_facets(search_backend: SearchBackend) -> None:
    result = search_backend.search(SearchQuery(facets=("origin_country",)))
    assert _facets(result) == {"origin_country": {"CN": len(ALL_IDS)}}


# --- sorting and paging -----------------------------------------------------------------

def test_sort_by_price(search_backend: SearchBackend) -> None:
    ascending = ids(search_backend, sort="price_asc")
    assert ascending[:3] == ["lst_glycerin", "lst_rose_water", "lst_grapeseed_oil"]
    descending = ids(search_backend, sort="price_desc")
    assert descending[:3] == ["lst_rose_oil", "lst_licorice", "lst_ha_zj"]
    assert ids(search_backend, "玫瑰", sort="price_asc") == [
        "lst_rose_water", "lst_massage_blend", "lst_rose_extract", "lst_rose_oil"]


def test_sort_newest(search_backend: SearchBackend) -> None:
    assert ids(search_backend, sort="newest")[:3] == [
        "lst_seabuckthorn", "lst_massage_blend", "lst_glycerin"]


@pytest.mark.parametrize(
    ("text", "sort"),
    [("", "relevance"), ("提取物", "relevance"), ("rose", "relevance"), ("", "price_asc"),
     ("extract", "newest")],
)
def test_pages_are_stable_and_complete(search_backend: SearchBackend, text: str, sort: str) -> None:
    everything = search_backend.search(SearchQuery(text=text, sort=sort, per_page=100))
    pages: list[str] = []
    for page in range(1, 10):
        result = search_backend.search(SearchQuery(text=text, sort=sort, page=page, per_page=3))
        assert result.total == everything.total
        assert (result.page, result.per_page) == (page, 3)
        pages += result.ids
    assert pages == everything.ids
    assert search_backend.search(SearchQuery(text=text, sort=sort, page=50)).items == []


def test_equal_scores_are_ordered_by_id(empty_backend: SearchBackend) -> None:
    base = next(d for d in documents() if d["id"] == "lst_rose_water")
    twins = []
    for listing_id in ("lst_twin_c", "lst_twin_a", "lst_twin_b"):
        twin = copy.deepcopy(base)
        twin["id"] = listing_id
        twins.append(twin)
    empty_backend.upsert(twins)
    settle(empty_backend)
    for text in ("玫瑰", "rose", ""):
        assert ids(empty_backend, text) == ["lst_twin_a", "lst_twin_b", "lst_twin_c"]


# --- writes: versions, deletes, rebuild -------------------------------------------------

def _rose_water(version: int, title: str = "玫瑰纯露") -> dict[str, Any]:
    doc = copy.deepcopy(next(d for d in documents() if d["id"] == "lst_rose_water"))
    doc["version"] = version
    doc["title_zh"] = title
    return doc


def _title(backend: SearchBackend) -> str | None:
    hits = backend.search(SearchQuery(text="纯露")).items
    return hits[0].title_zh if hits else None


def test_an_older_version_never_overwrites_a_newer_one(empty_backend: SearchBackend) -> None:
    assert empty_backend.upsert([_rose_water(2, "玫瑰纯露 v2")]) == 1
    assert empty_backend.upsert([_rose_water(1, "玫瑰纯露 v1")]) == 0
    settle(empty_backend)
    assert _title(empty_backend) == "玫瑰纯露 v2"
    assert empty_backend.upsert([_rose_water(2, "玫瑰纯露 v2 again")]) == 1  # equal: replaces
    assert empty_backend.upsert([_rose_water(3, "玫瑰纯露 v3")]) == 1
    settle(empty_backend)
    assert _title(empty_backend) == "玫瑰纯露 v3"
    assert empty_backend.count() == 1


def test_a_late_delete_never_removes_a_newer_publish(empty_backend: SearchBackend) -> None:
    empty_backend.upsert([_rose_water(5)])
    assert empty_backend.delete([("lst_rose_water", 4)]) == 0
    settle(empty_backend)
    assert empty_backend.count() == 1
    assert empty_backend.delete([("lst_rose_water", 6)]) == 1
    settle(empty_backend)
    assert empty_backend.count() == 0
    assert ids(empty_backend, "玫瑰") == []
    # A publish event older than the delete, arriving late, stays out ...
    assert empty_backend.upsert([_rose_water(5)]) == 0
    assert empty_backend.upsert([_rose_water(6)]) == 0
    # ... and a newer one comes back.
    assert empty_backend.upsert([_rose_water(7)]) == 1
    settle(empty_backend)
    assert ids(empty_backend, "玫瑰") == ["lst_rose_water"]


def test_unconditional_delete(empty_backend: SearchBackend) -> None:
    empty_backend.upsert(documents())
    assert empty_backend.delete(["lst_rose_oil", "lst_unknown"]) == 1
    settle(empty_backend)
    assert empty_backend.count() == len(ALL_IDS) - 1
    assert set(ids(empty_backend, "rose")) == ROSES - {"lst_rose_oil"} | {"lst_massage_blend"}
    facets = _facets(empty_backend.search(SearchQuery()))
    assert "甘肃" not in facets["origin_province"]
    assert facets["certification"]["GI"] == 2


def test_rebuild_replaces_the_index_and_keeps_answering(empty_backend: SearchBackend) -> None:
    empty_backend.upsert(documents())
    settle(empty_backend)
    subset = [d for d in documents() if d["id"] not in ROSES]
    seen_during: list[int] = []

    def progress(done: int) -> None:
        # Searches during a rebuild still see the complete old index.
        seen_during.append(empty_backend.search(SearchQuery(text="玫瑰")).total)

    loaded = empty_backend.rebuild(iter(subset), progress=progress)
    settle(empty_backend)
    assert loaded == len(subset)
    assert seen_during and all(total == 4 for total in seen_during)
    assert empty_backend.count() == len(subset)
    assert ids(empty_backend, "玫瑰") == ["lst_massage_blend"]
    assert set(ids(empty_backend, "石斛")) == DENDROBIUM


def test_writes_during_a_rebuild_are_kept(empty_backend: SearchBackend) -> None:
    docs = documents()
    empty_backend.upsert(docs)
    late = _rose_water(9, "玫瑰纯露 新版")

    def progress(done: int) -> None:
        if done:
            empty_backend.upsert([late])
            empty_backend.delete([("lst_glycerin", 2)])

    empty_backend.rebuild(iter(docs), progress=progress)
    settle(empty_backend)
    assert _title(empty_backend) == "玫瑰纯露 新版"
    assert "lst_glycerin" not in ids(empty_backend)
    assert empty_backend.count() == len(ALL_IDS) - 1


def test_a_failed_rebuild_keeps_the_old_index(empty_backend: SearchBackend) -> None:
    empty_backend.upsert(documents())

    def broken() -> Any:
        yield from documents()[:3]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="went away"):
        empty_backend.rebuild(broken())
    settle(empty_backend)
    assert empty_backend.count() == len(ALL_IDS)
    assert set(ids(empty_backend, "石斛")) == DENDROBIUM


def test_clear(empty_backend: SearchBackend) -> None:
    empty_backend.upsert(documents())
    empty_backend.clear()
    settle(empty_backend)
    assert empty_backend.count() == 0
    assert empty_backend.search(SearchQuery()).total == 0


# --- suggestions ------------------------------------------------------------------------

def _by_text(suggestions: list[Any]) -> dict[str, str]:
    return {s.text: s.listing_id for s in suggestions}


def test_suggest_chinese_prefix(search_backend: SearchBackend) -> None:
    found = _by_text(search_backend.suggest("玫"))
    assert found == {
        "平阴玫瑰花提取物": "lst_rose_extract", "玫瑰纯露": "lst_rose_water",
        "苦水玫瑰精油": "lst_rose_oil"}


def test_suggest_english_prefix(search_backend: SearchBackend) -> None:
    suggestions = search_backend.suggest("gra")
    found = _by_text(suggestions)
    assert found["Grape Seed Extract OPC 95%"] == "lst_grapeseed_extract"
    assert found["Cold Pressed Grape Seed Oil"] == "lst_grapeseed_oil"
    assert suggestions[0].text.lower().startswith("gra")


def test_suggest_pinyin_prefix(search_backend: SearchBackend) -> None:
    assert set(_by_text(search_backend.suggest("mei"))) == {
        "平阴玫瑰花提取物", "玫瑰纯露", "苦水玫瑰精油"}


def test_suggest_limit_and_nothing(search_backend: SearchBackend) -> None:
    assert len(search_backend.suggest("提", limit=2)) == 2
    assert search_backend.suggest("zzzz") == []
    assert search_backend.suggest("") == []
