"""What the Elasticsearch backend sends, pinned by golden files and checked against Elastic's
published OpenAPI description of the REST API.

Golden files: tests/contract/golden/es_*.json hold the exact request bodies the backend
sends (recorded by the fake server over real HTTP) for representative searches and for
index creation. After an intended change, regenerate them and review the diff:

    ES_GOLDEN_UPDATE=1 .venv/bin/pytest -p no:cacheprovider tests/contract/test_es_requests.py

OpenAPI: bodies (index creation, searches, bulk lines, alias actions, count) are validated
with jsonschema (Draft 2020-12, `referencing` resolving `$ref`s against the whole document)
against tests/contracts/elasticsearch-openapi.json (vendored, trimmed to the operations
validated here by tests/contracts/trim_elasticsearch_openapi.py; see tests/contracts/README.md),
loaded once per session. Every `oneOf` is read as `anyOf` (the description's `oneOf` lists
overlap). Two more corrections to the published description, both to catch more, not less: a
query container (`QueryContainer`) admits only the query types it lists (an unknown query type
is an error), and an aggregation container admits one aggregation type plus
`aggregations`/`meta` (the description's `maxProperties: 1` applies to the whole object and
would refuse any sub-aggregation). Validating against an operation not kept in the vendored
file fails with a KeyError: add it to the script's OPERATIONS and re-run it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from search.elasticsearch_backend import ElasticsearchBackend
from search.query import SearchQuery
from search.synonyms import SynonymTable
from tests.contract.catalogue import documents
from tests.fakes.fake_elasticsearch import FakeElasticsearch, hits_response

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
OPENAPI = CONTRACTS / "elasticsearch-openapi.json"
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ES_GOLDEN_UPDATE", "").lower() in {"1", "true", "yes"}
URI = "urn:elastic:elasticsearch-openapi"

# A fixed synonym table: the index golden file must not change when operators extend
# search/data/synonyms.txt.
SYNONYMS = SynonymTable([
    ("玫瑰", "rose", "rosa rugosa"),
    ("葡萄籽", "grape seed", "vitis vinifera"),
])

SEARCHES: dict[str, SearchQuery] = {
    "es_search_rose": SearchQuery(text="玫瑰"),
    "es_search_grape_seed_oil": SearchQuery(text="grape seed oil"),
    "es_search_cas": SearchQuery(text="84696-47-9"),
    "es_search_filters_facets_price": SearchQuery(
        text="提取物", category="plant_extract", origin_province="山东",
        certifications=("CN_ORGANIC",), min_price=Decimal("100"), max_price=Decimal("500"),
        max_moq=Decimal("5"), in_stock=True, verified_supplier=True, sort="price_asc",
        page=2, per_page=10,
    ),
}


# --- the recording fake -----------------------------------------------------------------

@pytest.fixture
def fake() -> Iterator[FakeElasticsearch]:
    with FakeElasticsearch() as server:
        yield server


@pytest.fixture
def backend(fake: FakeElasticsearch) -> Iterator[ElasticsearchBackend]:
    es = ElasticsearchBackend(Elasticsearch(fake.url), "listings", synonyms=SYNONYMS,
                              initial_backoff=0.01)
    es.ensure_index()
    yield es
    es.close()


def _search_body(fake: FakeElasticsearch, backend: ElasticsearchBackend, name: str) -> Any:
    fake.reset()
    if name == "es_suggest_mei":
        backend.suggest("mei")
    else:
        backend.search(SEARCHES[name])
    (request,) = fake.calls("POST", "/listings/_search")
    return request.body


def _golden(name: str, actual: Any) -> None:
    path = GOLDEN / f"{name}.json"
    text = json.dumps(actual, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path.name} missing: run with ES_GOLDEN_UPDATE=1 to write it"
    assert json.loads(path.read_text(encoding="utf-8")) == actual, (
        f"{path.name} differs from what the backend sends; if intended, regenerate with "
        "ES_GOLDEN_UPDATE=1 and review the diff"
    )


# --- golden files ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", [*SEARCHES, "es_suggest_mei"])
def test_query_body_matches_its_golden_file(
    fake: FakeElasticsearch, backend: ElasticsearchBackend, name: str
) -> None:
    _golden(name, _search_body(fake, backend, name))


def test_index_creation_body_matches_its_golden_file(fake: FakeElasticsearch) -> None:
    es = ElasticsearchBackend(Elasticsearch(fake.url), "listings", synonyms=SYNONYMS)
    es.ensure_index()
    es.close()
    (created,) = fake.calls("PUT", r"/listings-\d{20}")
    _golden("es_create_index", created.body)


# --- OpenAPI validation ---------------------------------------------------------------------

def _as_any_of(node: Any) -> Any:
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _as_any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_as_any_of(v) for v in node]
    return node


def _tighten(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    schemas["_types.query_dsl.QueryContainer"]["additionalProperties"] = False
    variants = schemas["_types.aggregations.AggregationContainer"]["allOf"][1]
    variants.pop("maxProperties", None)
    variants["properties"].update({"aggregations": True, "meta": True})
    variants["additionalProperties"] = False


class OpenApi:
    def __init__(self, path: Path) -> None:
        document = _as_any_of(json.loads(path.read_text(encoding="utf-8")))
        _tighten(document)
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(URI, resource)
        self.document = document

    def validator(self, pointer: str) -> Draft202012Validator:
        return Draft202012Validator({"$ref": f"{URI}#{pointer}"}, registry=self.registry)

    def request_body(self, path: str, method: str) -> Draft202012Validator:
        escaped = path.replace("~", "~0").replace("/", "~1")
        body = self.document["paths"][path][method]["requestBody"]
        if "$ref" in body:
            pointer = body["$ref"].removeprefix("#") + "/content/application~1json/schema"
        else:
            pointer = f"/paths/{escaped}/{method}/requestBody/content/application~1json/schema"
        return self.validator(pointer)

    def errors(self, path: str, method: str, body: Any) -> list[str]:
        return [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
            for e in self.request_body(path, method).iter_errors(body)
        ]


@pytest.fixture(scope="session")
def openapi() -> OpenApi:
    return OpenApi(OPENAPI)


def test_index_creation_body_is_valid(openapi: OpenApi, fake: FakeElasticsearch) -> None:
    es = ElasticsearchBackend(Elasticsearch(fake.url), "listings")  # the real synonym file
    es.ensure_index()
    es.close()
    (created,) = fake.calls("PUT", r"/listings-\d{20}")
    assert openapi.errors("/{index}", "put", created.body) == []


@pytest.mark.parametrize("name", [*SEARCHES, "es_suggest_mei"])
def test_query_body_is_valid(
    openapi: OpenApi, fake: FakeElasticsearch, backend: ElasticsearchBackend, name: str
) -> None:
    body = _search_body(fake, backend, name)
    assert openapi.errors("/{index}/_search", "post", body) == []


def test_write_bodies_are_valid(
    openapi: OpenApi, fake: FakeElasticsearch, backend: ElasticsearchBackend
) -> None:
    backend.upsert(documents())
    backend.delete([("lst_rose_oil", 1), "lst_glycerin"])
    tombstone = {"id": "lst_gone", "version": 4, "tombstone": True}
    fake.search_responses.append(hits_response([tombstone]))
    backend.rebuild(iter(documents()))
    backend.count()
    bulks = fake.calls(path="/_bulk")
    assert len(bulks) == 4
    for request in bulks:
        assert openapi.errors("/_bulk", "post", request.body) == []
    (swap,) = fake.calls("POST", "/_aliases")
    assert openapi.errors("/_aliases", "post", swap.body) == []
    (tombstones,) = fake.calls("POST", "/listings/_search")
    assert openapi.errors("/{index}/_search", "post", tombstones.body) == []
    count = fake.calls("POST", "/listings/_count")[-1]
    assert openapi.errors("/{index}/_count", "post", count.body) == []


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        ("/{index}/_search", "post", {"query": {"multi_matchx": {"query": "x"}}}),
        ("/{index}/_search", "post", {"query": {"term": {"id": {"value": {"a": 1}}}}}),
        ("/{index}/_search", "post", {"aggregations": {"f": {"termz": {"field": "x"}}}}),
        ("/{index}/_search", "post", {"highlight": {"fields": {"a": {}, "b": {}}}}),
        ("/{index}", "put", {"mappings": {"properties": {"p": {"type": "scaled_floaty"}}}}),
        ("/_aliases", "post", {"actions": [{"remove": {"index": "a", "must_exist": "yes"}}]}),
    ],
)
def test_the_validator_has_teeth(openapi: OpenApi, path: str, method: str, body: Any) -> None:
    assert openapi.errors(path, method, body) != []
