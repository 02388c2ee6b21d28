"""Backends for the search contract suite: every test runs once per backend.

Adding a backend is one entry in FACTORIES (and, for one that needs a service, one in
REQUIRES). A backend whose service is not configured is reported as skipped, with why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from search.elasticsearch_backend import ElasticsearchBackend
from search.embedded import EmbeddedSearchBackend
from search.interface import SearchBackend
from tests.contract.catalogue import documents


def _elasticsearch(tmp: Path) -> SearchBackend:
    """A backend on the real cluster at ELASTICSEARCH_URL, under an index prefix of its own
    (its indices are deleted when the test is done)."""
    url = os.environ["ELASTICSEARCH_URL"]

    def connect() -> Elasticsearch:
        return Elasticsearch(url)

    prefix = f"contract-{uuid.uuid4().hex[:12]}"
    return ElasticsearchBackend(connect(), index_prefix=prefix, connect=connect)


FACTORIES: dict[str, Callable[[Path], SearchBackend]] = {
    "embedded": lambda tmp: EmbeddedSearchBackend(str(tmp / "search.sqlite3")),
    "elasticsearch": _elasticsearch,
}
# Backends that run only against a real service: the environment variable naming it.
REQUIRES: dict[str, str] = {"elasticsearch": "ELASTICSEARCH_URL"}


def _param(name: str) -> object:
    variable = REQUIRES.get(name)
    if variable is None:
        return name
    return pytest.param(
        name,
        marks=pytest.mark.skipif(
            not os.environ.get(variable),
            reason=f"{variable} is not set: no {name} cluster to run the contract suite on",
        ),
    )


def settle(backend: SearchBackend) -> None:
    """Make writes visible to searches (near-real-time engines need a refresh in tests)."""
    refresh = getattr(backend, "refresh", None)
    if callable(refresh):
        refresh()


@pytest.fixture(scope="module", params=[_param(name) for name in FACTORIES])
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _make(name: str, tmp: Path) -> SearchBackend:
    backend = FACTORIES[name](tmp)
    backend.clear()
    return backend


def _dispose(backend: SearchBackend) -> None:
    """Close the backend; one on a shared service also removes what the test made."""
    drop = getattr(backend, "drop", None)
    try:
        if callable(drop):
            drop()
    finally:
        backend.close()


@pytest.fixture(scope="module")
def search_backend(
    backend_name: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SearchBackend]:
    """A backend holding the whole catalogue (read-only tests share it)."""
    backend = _make(backend_name, tmp_path_factory.mktemp(f"search-{backend_name}"))
    backend.upsert(documents())
    settle(backend)
    yield backend
    _dispose(backend)


@pytest.fixture
def empty_backend(backend_name: str, tmp_path: Path) -> Iterator[SearchBackend]:
    """A fresh, empty backend for tests that write."""
    backend = _make(backend_name, tmp_path)
    yield backend
    _dispose(backend)
