"""Search: the `SearchBackend` interface and its implementations.

The backend is chosen by MARKETPLACE_SEARCH_BACKEND and built once in `create_app`
with `build_backend(app.config)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search.interface import SearchBackend, SearchUnavailable

__all__ = ["SearchBackend", "SearchUnavailable", "build_backend"]


def build_backend(config: Mapping[str, Any]) -> SearchBackend:
    """The backend named by `config["SEARCH_BACKEND"]` (default `embedded`)."""
    name = str(config.get("SEARCH_BACKEND") or "embedded").strip().lower()
    if name == "embedded":
        from search.embedded import EmbeddedSearchBackend

        return EmbeddedSearchBackend(str(config["SEARCH_INDEX_PATH"]))
    if name == "elasticsearch":
        import elasticsearch

        from search.elasticsearch_backend import ElasticsearchBackend

        url = str(config.get("ELASTICSEARCH_URL") or "").strip()
        if not url:
            raise ValueError("the elasticsearch search backend needs ELASTICSEARCH_URL")

        def connect() -> elasticsearch.Elasticsearch:
            return elasticsearch.Elasticsearch(url)

        prefix = str(config.get("SEARCH_INDEX_PREFIX") or "listings")
        return ElasticsearchBackend(connect(), index_prefix=prefix, connect=connect)
    raise ValueError(f"unknown search backend {name!r}")
