"""The whole search contract suite, run on the Elasticsearch backend against the fake server
in evaluating mode (`FakeElasticsearch(evaluate=True)`): no cluster needed.

What this proves: the Query DSL the backend builds (the compiled parse tree, filters,
post_filter and facet aggregations, tiered relevance and sorts, paging, tombstones and
versions) gives the contract's answers *under the fake's reading of that DSL* — whitespace
tokens only, no real analyzers, no Elasticsearch highlighting (the shared highlighter
answers instead). It does not replace the real-cluster run (`ELASTICSEARCH_URL=...`, the
`elasticsearch` parameter of tests/contract/test_search_contract.py).

The tests are the contract module's own, collected again here with this module's
`search_backend` / `empty_backend` fixtures.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from search.elasticsearch_backend import ElasticsearchBackend
from tests.contract.catalogue import documents
from tests.contract.test_search_contract import *  # noqa: F403
from tests.fakes.fake_elasticsearch import FakeElasticsearch


def _simulated(fake: FakeElasticsearch) -> ElasticsearchBackend:
    backend = ElasticsearchBackend(Elasticsearch(fake.url), "contract", initial_backoff=0.01)
    backend.clear()
    return backend


@pytest.fixture(scope="module")
def search_backend() -> Iterator[ElasticsearchBackend]:
    with FakeElasticsearch(evaluate=True) as fake:
        backend = _simulated(fake)
        backend.upsert(documents())
        backend.refresh()
        yield backend
        backend.close()


@pytest.fixture
def empty_backend() -> Iterator[ElasticsearchBackend]:
    with FakeElasticsearch(evaluate=True) as fake:
        backend = _simulated(fake)
        yield backend
        backend.close()
