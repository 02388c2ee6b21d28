"""The Elasticsearch backend over real HTTP against the fake server (no cluster needed).

The real `elasticsearch.Elasticsearch` client talks to `tests.fakes.fake_elasticsearch`,
which records every request: these tests check what the backend sends (index creation,
NDJSON bulk bodies with versions, the alias swap of a rebuild) and how it reads answers
and failures. The query bodies themselves are pinned by golden files in
tests/contract/test_es_requests.py.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest
from elasticsearch import BadRequestError, Elasticsearch

from search import SearchBackend, SearchUnavailable, build_backend, es_mapping
from search.elasticsearch_backend import BulkWriteError, ElasticsearchBackend
from search.query import SearchQuery
from search.synonyms import default_table
from tests.contract.catalogue import ALL_IDS, documents
from tests.fakes.fake_elasticsearch import (
    FakeElasticsearch,
    free_port,
    hits_response,
    terms_aggregation,
)

INDEX = re.compile(r"listings-\d{20}")
Fake, Backend = FakeElasticsearch, ElasticsearchBackend


@pytest.fixture
def fake() -> Iterator[FakeElasticsearch]:
    with FakeElasticsearch() as server:
        yield server


def _backend(url: str, **kwargs: Any) -> ElasticsearchBackend:
    kwargs.setdefault("initial_backoff", 0.01)
    return ElasticsearchBackend(Elasticsearch(url), "listings", **kwargs)


@pytest.fixture
def backend(fake: FakeElasticsearch) -> Iterator[ElasticsearchBackend]:
    es = _backend(fake.url, connect=lambda: Elasticsearch(fake.url))
    yield es
    es.close()


def _doc(listing_id: str, version: int = 1, **changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(next(d for d in documents() if d["id"] == listing_id))
    doc["version"] = version
    doc.update(changes)
    return doc


def _bulk_lines(fake: FakeElasticsearch) -> list[dict[str, Any]]:
    return [line for request in fake.calls(path="/_bulk") for line in request.body]


def _actions(fake: FakeElasticsearch) -> list[dict[str, Any]]:
    return [line for line in _bulk_lines(fake) if set(line) <= {"index", "delete", "create"}
            and "_id" in next(iter(line.values()))]


# --- construction and the interface ---------------------------------------------------------

def test_build_backend_elasticsearch(fake: FakeElasticsearch) -> None:
    backend = build_backend({
        "SEARCH_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": fake.url,
        "SEARCH_INDEX_PREFIX": "shop",
    })
    assert isinstance(backend, ElasticsearchBackend)
    assert isinstance(backend, SearchBackend)
    assert backend.alias == "shop" and backend.ping() is True
    backend.close()
    assert backend.count() == 0  # reconnects after close
    backend.close()
    assert fake.alias_indices("shop")


def test_build_backend_needs_a_url() -> None:
    with pytest.raises(ValueError, match="ELASTICSEARCH_URL"):
        build_backend({"SEARCH_BACKEND": "elasticsearch", "ELASTICSEARCH_URL": ""})


def test_every_answer_names_the_product(fake: FakeElasticsearch) -> None:
    import urllib.request

    with urllib.request.urlopen(fake.url) as response:  # noqa: S310 - the local fake
        assert response.headers["X-Elastic-Product"] == "Elasticsearch"
        assert b'"number": "9.' in response.read()


# --- the index ----------------------------------------------------------------------------

def test_first_use_creates_the_index_behind_the_alias(
    fake: Fake, backend: Backend
) -> None:
    assert backend.count() == 0
    created = fake.calls("PUT", r"/listings-\d{20}")
    assert len(created) == 1
    name = created[0].path.strip("/")
    assert INDEX.fullmatch(name)
    assert created[0].body == {
        "aliases": {"listings": {}},
        "mappings": es_mapping.mappings(),
        "settings": es_mapping.settings(default_table()),
    }
    assert fake.alias_indices("listings") == [name]
    assert backend.ensure_index() == name  # idempotent
    assert len(fake.calls("PUT", r"/listings-\d{20}")) == 1


def test_mapping_is_strict_with_built_in_analyzers_and_the_synonym_file() -> None:
    mappings = es_mapping.mappings()
    properties = mappings["properties"]
    assert mappings["dynamic"] == "strict"
    assert properties["title_zh"]["analyzer"] == "cjk"
    assert properties["title_en"] == {
        "type": "text", "analyzer": "english", "search_analyzer": "english_synonyms"}
    assert properties["min_unit_price"] == {"type": "scaled_float", "scaling_factor": 100}
    assert properties["moq"] == {"type": "scaled_float", "scaling_factor": 1000}
    assert properties["category"]["type"] == "keyword"
    assert properties["published_at"]["type"] == "date_nanos"
    assert {f["analyzer"] for f in properties["search"]["properties"].values()} == {"whitespace"}
    assert {f["type"] for f in properties["suggest"]["properties"].values()} == {
        "search_as_you_type"}
    analysis = es_mapping.settings(default_table())["analysis"]
    synonyms = analysis["filter"]["listing_synonyms"]
    assert synonyms["type"] == "synonym_graph"
    assert "玫瑰, 重瓣玫瑰, 平阴玫瑰, 苦水玫瑰, rose, rosa, rosa rugosa, rugosa rose" in (
        synonyms["synonyms"])
    assert len(synonyms["synonyms"]) == len(default_table().groups)
    # Only built-in tokenizers and filters (plus the configured ones above).
    for analyzer in analysis["analyzer"].values():
        assert analyzer["tokenizer"] == "standard"
        assert "cjk_bigram" not in analyzer["filter"]  # cannot precede synonym_graph


def _unknown_keys(properties: dict[str, Any], source: dict[str, Any], path: str) -> list[str]:
    unknown = []
    for key, value in source.items():
        if key not in properties:
            unknown.append(path + key)
        elif isinstance(value, dict) and "properties" in properties[key]:
            unknown += _unknown_keys(properties[key]["properties"], value, f"{path}{key}.")
    return unknown


def test_the_strict_mapping_knows_every_document_field() -> None:
    """A new field in listing_document needs a mapping change (or writes are refused)."""
    properties = es_mapping.mappings()["properties"]
    for doc in documents():
        assert _unknown_keys(properties, es_mapping.source(doc), "") == []
    assert _unknown_keys(properties, es_mapping.tombstone("x", 1), "") == []


def test_indexed_source_joins_tokens_and_keeps_decimal_strings() -> None:
    doc = _doc("lst_rose_extract")
    source = es_mapping.source(doc)
    assert source["min_unit_price"] == "380.00" and source["moq"] == "1.000"
    assert isinstance(source["search"]["title"], str)
    assert source["search"]["title"].split() == doc["search"]["title"]
    assert source["suggest"]["zh"].split()[:2] == ["平阴", "玫瑰"]
    assert "meigui" in source["suggest"]["py"].split()
    assert source["title_zh_length"] == len("平阴玫瑰花提取物")


# --- writes -------------------------------------------------------------------------------

def test_upsert_sends_versioned_ndjson(fake: Fake, backend: Backend) -> None:
    docs = [_doc("lst_rose_water", 3), _doc("lst_glycerin", 7)]
    assert backend.upsert(docs) == 2
    (bulk,) = fake.calls(path="/_bulk")
    assert "ndjson" in bulk.headers["content-type"]
    assert bulk.query == {"require_alias": "true"}  # and no refresh
    assert bulk.body == [
        {"index": {"_index": "listings", "_id": "lst_rose_water", "version": 6,
                   "version_type": "external_gte"}},
        es_mapping.source(docs[0]),
        {"index": {"_index": "listings", "_id": "lst_glycerin", "version": 14,
                   "version_type": "external_gte"}},
        es_mapping.source(docs[1]),
    ]


def test_versions_late_events_and_tombstones(
    fake: Fake, backend: Backend
) -> None:
    assert backend.upsert([_doc("lst_rose_water", 2)]) == 1
    assert backend.upsert([_doc("lst_rose_water", 1)]) == 0  # 409: ignored, not counted
    assert backend.upsert([_doc("lst_rose_water", 2, title_zh="v2 again")]) == 1  # equal wins
    assert backend.delete([("lst_rose_water", 1)]) == 0  # older than what is stored
    assert backend.delete([("lst_rose_water", 2)]) == 1
    tombstone = _actions(fake)[-1]
    assert tombstone == {"index": {"_index": "listings", "_id": "lst_rose_water",
                                   "version": 5, "version_type": "external_gte"}}
    assert _bulk_lines(fake)[-1] == {"id": "lst_rose_water", "version": 2, "tombstone": True}
    assert backend.count() == 0
    assert backend.upsert([_doc("lst_rose_water", 2)]) == 0  # the deletion wins a tie
    assert backend.upsert([_doc("lst_rose_water", 3)]) == 1
    assert backend.count() == 1
    assert backend.delete(["lst_rose_water", "lst_unknown"]) == 1  # bare ids: real deletes
    assert _actions(fake)[-2:] == [
        {"delete": {"_index": "listings", "_id": "lst_rose_water"}},
        {"delete": {"_index": "listings", "_id": "lst_unknown"}},
    ]
    assert backend.count() == 0
    assert backend.delete([]) == 0


def test_normal_writes_never_force_a_refresh(
    fake: Fake, backend: Backend
) -> None:
    backend.upsert(documents())
    backend.delete([("lst_rose_oil", 1), "lst_glycerin"])
    assert not fake.calls(path=r".*/_refresh")
    assert all("refresh" not in r.query for r in fake.calls())


def test_a_partial_bulk_failure_names_the_listings(
    fake: Fake, backend: Backend
) -> None:
    fake.item_failures["lst_rose_oil"] = (400, "document_parsing_exception", "bad price")
    fake.item_failures["lst_glycerin"] = (500, "engine_exception", "disk broke")
    with pytest.raises(BulkWriteError) as caught:
        backend.upsert(documents())
    error = caught.value
    assert isinstance(error, SearchUnavailable)  # the outbox keeps the changes
    assert set(error.failures) == {"lst_rose_oil", "lst_glycerin"}
    assert "lst_rose_oil: HTTP 400 document_parsing_exception: bad price" in str(error)
    assert backend.count() == len(ALL_IDS) - 2  # the others were written
    # The 400 will fail again however often it is sent (its outbox row gets parked);
    # the 500 may pass next time.
    assert error.permanent == {"lst_rose_oil"}


def test_rejected_items_are_retried_with_backoff(
    fake: Fake, backend: Backend
) -> None:
    fake.item_rejections["lst_rose_water"] = 2
    assert backend.upsert(documents()) == len(ALL_IDS)
    bulks = fake.calls(path="/_bulk")
    assert len(bulks) == 3
    retried = [line for line in bulks[1].body if "index" in line]
    assert retried == [{"index": {"_index": "listings", "_id": "lst_rose_water",
                                  "version": 2, "version_type": "external_gte"}}]


def test_items_rejected_too_often_fail(fake: Fake, backend: Backend) -> None:
    fake.item_rejections["lst_rose_water"] = 10
    with pytest.raises(BulkWriteError, match="lst_rose_water: HTTP 429") as caught:
        backend.upsert(documents())
    assert len(fake.calls(path="/_bulk")) == 4  # the first try and 3 retries
    assert caught.value.permanent == frozenset()  # an overloaded cluster: retried later


def test_a_rejected_bulk_request_is_retried(
    fake: Fake, backend: Backend
) -> None:
    backend.ensure_index()
    fake.fail("PUT", "/_bulk", 429, times=2)
    assert backend.upsert(documents()) == len(ALL_IDS)
    assert len(fake.calls(path="/_bulk")) == 3


# --- rebuild ------------------------------------------------------------------------------

def test_rebuild_swaps_the_alias_in_one_call_then_deletes_the_old_index(
    fake: Fake, backend: Backend
) -> None:
    backend.upsert(documents())
    (old,) = fake.alias_indices("listings")
    fake.reset()
    seen: list[int] = []
    assert backend.rebuild(iter(documents()), progress=seen.append) == len(ALL_IDS)
    (new,) = fake.alias_indices("listings")
    assert new != old and INDEX.fullmatch(new)
    assert seen == [len(ALL_IDS)]
    assert fake.endpoints() == [
        f"PUT /{new}",
        "GET /listings-*/_alias",  # the current index, for its deletion records
        "POST /listings/_search",
        "PUT /_bulk",
        f"POST /{new}/_refresh",
        "GET /listings-*/_alias",
        "POST /_aliases",
        f"DELETE /{old}",
    ]
    assert fake.calls("PUT", f"/{new}")[0].body["aliases"] == {"listings-rebuilding": {}}
    (swap,) = fake.calls("POST", "/_aliases")
    assert swap.body == {"actions": [
        {"remove": {"index": old, "alias": "listings", "must_exist": True}},
        {"add": {"index": new, "alias": "listings"}},
        {"remove": {"index": new, "alias": "listings-rebuilding"}},
    ]}
    loaded = _actions(fake)
    assert {a["index"]["_index"] for a in loaded} == {new}  # the new index, by name
    assert old not in fake.indices and fake.indices[new].refreshes == 1
    assert backend.count() == len(ALL_IDS)


def test_writes_during_a_rebuild_reach_both_indices(
    fake: Fake, backend: Backend
) -> None:
    backend.upsert(documents())

    def progress(done: int) -> None:
        fake.reset()
        assert backend.upsert([_doc("lst_rose_water", 9)]) == 1
        assert backend.delete([("lst_glycerin", 2)]) == 1

    backend.rebuild(iter(documents()), progress=progress)
    targets = {a["index"]["_index"] for a in _actions(fake)}
    assert targets == {"listings", "listings-rebuilding"}
    (new,) = fake.alias_indices("listings")
    stored = fake.indices[new].docs
    assert stored["lst_rose_water"][0] == 18  # the late v1 load lost against v9
    assert stored["lst_glycerin"][1] == {"id": "lst_glycerin", "version": 2, "tombstone": True}
    assert backend.count() == len(ALL_IDS) - 1


def test_rebuild_keeps_deletion_records(fake: Fake, backend: Backend) -> None:
    backend.ensure_index()
    tombstone = {"id": "lst_gone", "version": 4, "tombstone": True}
    fake.search_responses.append(hits_response([tombstone]))
    backend.rebuild(iter(documents()[:2]))
    search = fake.calls("POST", "/listings/_search")[0].body
    assert search["query"] == {"term": {"tombstone": {"value": True}}}
    assert search["sort"] == [{"id": {"order": "asc"}}]
    copied = _actions(fake)[0]
    assert copied["index"]["_id"] == "lst_gone" and copied["index"]["version"] == 9


def test_a_failed_rebuild_deletes_the_new_index_and_keeps_the_alias(
    fake: Fake, backend: Backend
) -> None:
    backend.upsert(documents())
    (old,) = fake.alias_indices("listings")
    fake.reset()

    def broken() -> Iterator[dict[str, Any]]:
        yield from documents()[:3]
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="went away"):
        backend.rebuild(broken())
    (created,) = fake.calls("PUT", r"/listings-\d{20}")
    new = created.path.strip("/")
    assert fake.endpoints()[-1] == f"DELETE /{new}"
    assert not fake.calls("POST", "/_aliases")
    assert fake.alias_indices("listings") == [old] and new not in fake.indices
    assert backend.count() == len(ALL_IDS)


def test_a_rebuild_with_refused_documents_fails_cleanly(
    fake: Fake, backend: Backend
) -> None:
    backend.upsert(documents())
    (old,) = fake.alias_indices("listings")
    fake.item_failures["lst_squalane"] = (400, "document_parsing_exception", "bad")
    with pytest.raises(BulkWriteError, match="lst_squalane"):
        backend.rebuild(iter(documents()))
    assert fake.alias_indices("listings") == [old] and list(fake.indices) == [old]


def test_a_failed_swap_keeps_the_old_index(fake: Fake, backend: Backend) -> None:
    backend.upsert(documents())
    (old,) = fake.alias_indices("listings")
    fake.fail("POST", "/_aliases", 500, times=10)
    with pytest.raises(SearchUnavailable, match="switching the alias"):
        backend.rebuild(iter(documents()))
    assert fake.alias_indices("listings") == [old] and list(fake.indices) == [old]


def test_clear_swaps_in_an_empty_index_without_deletion_records(
    fake: Fake, backend: Backend
) -> None:
    backend.upsert(documents())
    backend.delete([("lst_rose_oil", 1)])
    fake.reset()
    backend.clear()
    assert not fake.calls("POST", r".*/_search")
    (new,) = fake.alias_indices("listings")
    assert fake.indices[new].docs == {} and len(fake.indices) == 1
    assert backend.count() == 0


# --- reading ------------------------------------------------------------------------------

def test_search_reads_hits_facets_and_highlights(
    fake: Fake, backend: Backend
) -> None:
    docs = [_doc("lst_rose_water"), _doc("lst_rose_extract")]
    display = [{k: v for k, v in d.items() if k != "search"} for d in docs]
    fake.search_responses.append(hits_response(
        display, total=4,
        aggregations={
            "category": terms_aggregation({"plant_extract": 1, "floral_water": 1,
                                           "essential_oil": 1, "other": 1}),
            "origin_province": terms_aggregation({"山东": 2, "甘肃": 1, "江苏": 1}),
            "certification": terms_aggregation({"GI": 2, "CN_ORGANIC": 2}),
        },
        highlights={"lst_rose_water": {"inci_name": ["<em>Rosa</em> Rugosa Flower Water"],
                                       "title_zh": ["<em>玫瑰</em>纯露"]}},
    ))
    result = backend.search(SearchQuery(text="玫瑰", per_page=2))
    assert result.ids == ["lst_rose_water", "lst_rose_extract"] and result.total == 4
    assert result.items[0].highlight == {"title_zh": "<em>玫瑰</em>纯露"}  # the best field
    # No snippet from Elasticsearch: the shared highlighter marks the document.
    assert "<em>" in next(iter(result.items[1].highlight.values()))
    assert result.items[1].min_unit_price == "380.00"
    facets = {name: [(v.value, v.count) for v in values] for name, values in result.facets.items()}
    assert facets["category"] == [("essential_oil", 1), ("floral_water", 1), ("other", 1),
                                  ("plant_extract", 1)]
    assert facets["origin_province"][0] == ("山东", 2)
    assert facets["certification"] == [("CN_ORGANIC", 2), ("GI", 2)]
    body = fake.calls("POST", "/listings/_search")[-1].body
    assert body["from"] == 0 and body["size"] == 2 and body["track_total_hits"] is True


def test_pinyin_matches_are_highlighted_by_the_shared_highlighter(
    fake: Fake, backend: Backend
) -> None:
    display = {k: v for k, v in _doc("lst_rose_water").items() if k != "search"}
    fake.search_responses.append(hits_response([display]))
    hit = backend.search(SearchQuery(text="meigui")).items[0]
    assert hit.highlight == {"title_zh": "<em>玫瑰</em>纯露"}


def test_pages_beyond_the_result_window_are_empty(
    fake: Fake, backend: Backend
) -> None:
    fake.search_responses.append(hits_response([], total=12_000))
    result = backend.search(SearchQuery(page=600, per_page=20))
    body = fake.calls("POST", "/listings/_search")[-1].body
    assert (body["from"], body["size"]) == (0, 0)
    assert result.items == [] and result.total == 12_000 and result.page == 600


def test_suggest(fake: Fake, backend: Backend) -> None:
    sources = [
        {"id": "lst_grapeseed_oil", "title_zh": "冷榨葡萄籽油",
         "title_en": "Cold Pressed Grape Seed Oil", "inci_name": "Vitis Vinifera Seed Oil"},
        {"id": "lst_grapeseed_extract", "title_zh": "葡萄籽提取物",
         "title_en": "Grape Seed Extract OPC 95%", "inci_name": "Vitis Vinifera Seed Extract"},
        {"id": "lst_twin", "title_zh": "葡萄籽提取物",
         "title_en": "Grape Seed Extract OPC 95%", "inci_name": "x"},
    ]
    fake.search_responses.append(hits_response(sources))
    suggestions = backend.suggest("gra", limit=5)
    assert [(s.text, s.listing_id) for s in suggestions] == [
        ("Grape Seed Extract OPC 95%", "lst_grapeseed_extract"),  # starts with the prefix
        ("Cold Pressed Grape Seed Oil", "lst_grapeseed_oil"),
    ]
    body = fake.calls("POST", "/listings/_search")[-1].body
    assert body["_source"] == {"includes": ["id", "title_zh", "title_en", "inci_name",
                                            "botanical_name"]}
    fake.reset()
    assert backend.suggest("") == [] and backend.suggest("g") == []
    assert not fake.calls(path=r".*/_search")


def test_count_leaves_tombstones_out(fake: Fake, backend: Backend) -> None:
    backend.upsert(documents())
    backend.delete([("lst_rose_oil", 1)])
    assert backend.count() == len(ALL_IDS) - 1
    body = fake.calls("POST", "/listings/_count")[-1].body
    assert body == {"query": {"bool": {"must_not": [{"term": {"tombstone": {"value": True}}}]}}}


def test_refresh_is_available_for_tests_and_tools(
    fake: Fake, backend: Backend
) -> None:
    backend.refresh()
    assert fake.calls("POST", "/listings/_refresh")


# --- errors -------------------------------------------------------------------------------

def test_connection_refused_is_unavailable() -> None:
    backend = _backend(f"http://127.0.0.1:{free_port()}")
    try:
        assert backend.ping() is False
        for call in (
            lambda: backend.search(SearchQuery(text="rose")),
            lambda: backend.upsert(documents()[:1]),
            backend.count,
            lambda: backend.rebuild(iter(documents())),
        ):
            with pytest.raises(SearchUnavailable, match="cannot reach Elasticsearch"):
                call()
    finally:
        backend.close()


def test_server_errors_are_unavailable(fake: Fake, backend: Backend) -> None:
    backend.ensure_index()
    fake.fail("POST", "/listings/_search", 503, times=10)
    with pytest.raises(SearchUnavailable, match="searching: Elasticsearch answered 503"):
        backend.search(SearchQuery(text="rose"))


def test_a_bad_request_is_a_bug_not_an_outage(
    fake: Fake, backend: Backend
) -> None:
    backend.ensure_index()
    fake.fail("POST", "/listings/_search", 400, error_type="parsing_exception")
    with pytest.raises(BadRequestError):
        backend.search(SearchQuery(text="rose"))


def test_a_server_that_is_not_elasticsearch_is_unavailable(fake: FakeElasticsearch) -> None:
    from tests.fakes import fake_elasticsearch

    backend = _backend(fake.url)
    original = dict(fake_elasticsearch.PRODUCT_HEADERS)
    fake_elasticsearch.PRODUCT_HEADERS.clear()
    try:
        with pytest.raises(SearchUnavailable, match="not Elasticsearch"):
            backend.count()
    finally:
        fake_elasticsearch.PRODUCT_HEADERS.update(original)
        backend.close()


def test_closed_without_a_way_to_reconnect(fake: FakeElasticsearch) -> None:
    backend = _backend(fake.url)
    backend.close()
    assert backend.ping() is False
    with pytest.raises(SearchUnavailable, match="closed"):
        backend.count()




def test_an_index_deleted_behind_its_back_is_recreated(fake: Fake, backend: Backend) -> None:
    assert backend.count() == 0
    fake.indices.clear()
    with pytest.raises(SearchUnavailable, match="answered 404"):
        backend.count()
    assert backend.count() == 0  # the next call checks again and creates the index
    assert len(fake.alias_indices("listings")) == 1
