from __future__ import annotations

import sqlite3
import threading
from decimal import Decimal
from pathlib import Path

import pytest

from search import SearchBackend, SearchUnavailable, build_backend
from search.documents import SEARCH_FIELDS, listing_document
from search.embedded import EmbeddedSearchBackend
from search.query import SearchHit, SearchQuery
from tests.contract.catalogue import documents, listings


def test_build_backend_embedded(tmp_path: Path) -> None:
    backend = build_backend(
        {"SEARCH_BACKEND": "embedded", "SEARCH_INDEX_PATH": str(tmp_path / "i.sqlite3")}
    )
    assert isinstance(backend, EmbeddedSearchBackend)
    assert isinstance(backend, SearchBackend)
    assert backend.ping()
    backend.close()


def test_build_backend_unknown_name() -> None:
    with pytest.raises(ValueError, match="unknown search backend"):
        build_backend({"SEARCH_BACKEND": "solr", "SEARCH_INDEX_PATH": "x"})


@pytest.mark.parametrize(
    "kwargs",
    [{"sort": "cheapest"}, {"page": 0}, {"per_page": 0}, {"per_page": 101},
     {"facets": ("color",)}],
)
def test_query_validation(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SearchQuery(**kwargs)  # type: ignore[arg-type]


def test_query_accepts_lists_and_is_hashable() -> None:
    query = SearchQuery(certifications=["HALAL"], facets=["category"])  # type: ignore[arg-type]
    assert query.certifications == ("HALAL",)
    assert hash(query) == hash(SearchQuery(certifications=("HALAL",), facets=("category",)))


def test_listing_document() -> None:
    listing = next(item for item in listings() if item.id == "lst_rose_extract")
    doc = listing_document(listing)
    assert doc["id"] == "lst_rose_extract" and doc["version"] == 1
    assert doc["min_unit_price"] == "380.00" and doc["moq"] == "1.000"
    assert doc["in_stock"] is True and doc["sample_available"] is True
    assert doc["supplier"] == {
        "id": "org_rosevalley", "name": "平阴玫瑰谷生物科技有限公司", "verified": True}
    assert doc["origin"] == {"country": "CN", "province": "山东", "city": "济南"}
    assert doc["published_at"] == "2025-03-02T08:00:00+00:00"
    fields = doc["search"]
    assert set(fields) == set(SEARCH_FIELDS)
    assert "玫瑰" in fields["title"] and "rose" in fields["title"]
    assert "meigui" in fields["pinyin"] and "mg" in fields["initials"]
    assert fields["codes"] == ["84696479"]
    assert {"rose", "rosa", "extract"} <= set(fields["synonyms"])
    hit = SearchHit.from_document(doc, {"title_zh": "<em>玫瑰</em>"})
    assert hit.to_dict()["supplier"]["verified"] is True


def test_listing_document_out_of_stock_and_tier_price() -> None:
    listing = next(item for item in listings() if item.id == "lst_dendrobium_zj")
    listing.min_unit_price = None  # type: ignore[assignment]
    listing.certifications = None  # type: ignore[assignment]
    doc = listing_document(listing)
    assert doc["in_stock"] is False
    assert doc["min_unit_price"] == "680.00"
    assert doc["certifications"] == []


def test_index_file_is_in_wal_mode_and_shared(tmp_path: Path) -> None:
    path = str(tmp_path / "shared.sqlite3")
    writer, reader = EmbeddedSearchBackend(path), EmbeddedSearchBackend(path)
    try:
        assert reader.search(SearchQuery(text="玫瑰")).total == 0  # cached in the reader
        writer.upsert(documents())
        assert reader.search(SearchQuery(text="玫瑰")).total == 4  # cache invalidated
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        writer.close()
        reader.close()


def test_threads_use_their_own_connections(tmp_path: Path) -> None:
    backend = EmbeddedSearchBackend(str(tmp_path / "t.sqlite3"), result_cache_size=0)
    backend.upsert(documents())
    totals: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(20):
                totals.append(backend.search(SearchQuery(text="提取物")).total)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    backend.upsert(documents()[:5])  # writes while others read
    for thread in threads:
        thread.join()
    backend.close()
    assert not errors and len(set(totals)) == 1


def test_unreachable_index_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    backend = EmbeddedSearchBackend(str(blocker / "index.sqlite3"))
    assert backend.ping() is False
    with pytest.raises(SearchUnavailable):
        backend.search(SearchQuery(text="rose"))


def test_price_filter_rounds_inside_the_range(tmp_path: Path) -> None:
    backend = EmbeddedSearchBackend(str(tmp_path / "p.sqlite3"))
    backend.upsert(documents())
    query = SearchQuery(min_price=Decimal("379.999"), max_price=Decimal("380.001"))
    assert backend.search(query).ids == ["lst_rose_extract"]
    backend.close()


def test_close_then_reuse_reconnects(tmp_path: Path) -> None:
    backend = EmbeddedSearchBackend(str(tmp_path / "c.sqlite3"))
    backend.upsert(documents())
    backend.close()
    assert backend.count() == len(documents())
    backend.close()
