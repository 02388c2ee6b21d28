"""Search over HTTP: listings enter and leave the index through the outbox as their
status changes, and an outage of the backend loses nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.catalog.indexing.sync import backlog, parked
from search.interface import DocumentsRejected, SearchUnavailable
from tests.factories import checkout_body, listing_body, publish_via_api


def search(client, **params):
    response = client.get("/api/v1/search/listings", query_string=params)
    assert response.status_code == 200, response.json
    return response.json


def ids(result):
    return [item["id"] for item in result["items"]]


@pytest.fixture
def publish(client, supplier, operator):
    return lambda **fields: publish_via_api(client, supplier, operator, **fields)


def test_published_listing_is_searchable_at_once_and_drafts_never(client, supplier, publish):
    draft = client.post("/api/v1/listings", headers=supplier.headers,
                        json=listing_body(title_zh="玫瑰草稿", inci_name="Rosa Damascena Oil"))
    listing_id = publish()
    for q in ("玫瑰", "meigui", "rose", "Rosa Rugosa Flower Extract", "84696-47-9"):
        assert ids(search(client, q=q)) == [listing_id], q
    assert draft.json["id"] not in ids(search(client, q="玫瑰"))
    item = search(client, q="玫瑰")["items"][0]
    assert item["supplier"] == {"id": supplier.org.id, "name": supplier.org.name,
                                "verified": True}
    cheapest = min(Decimal(t["unit_price"]) for t in listing_body()["price_tiers"])
    assert item["min_unit_price"] == f"{cheapest:.2f}"
    assert "<em>" in "".join(item["highlight"].values())


def test_suspend_archive_and_content_edit_take_listings_out_of_search(
    client, supplier, operator, publish
):
    listing_id = publish()
    suspended = client.post(f"/api/v1/moderation/listings/{listing_id}/suspend",
                            json={"reason": "检测报告过期"}, headers=operator.headers)
    assert suspended.status_code == 200
    assert ids(search(client, q="玫瑰")) == []
    client.post(f"/api/v1/moderation/listings/{listing_id}/reinstate", headers=operator.headers)
    assert ids(search(client, q="玫瑰")) == [listing_id]

    # A content edit sends it back to review (and out of search) ...
    edited = client.patch(f"/api/v1/listings/{listing_id}", json={"description": "新工艺"},
                          headers=supplier.headers)
    assert edited.json["status"] == "pending_review"
    assert ids(search(client, q="玫瑰")) == []
    client.post(f"/api/v1/moderation/listings/{listing_id}/approve", headers=operator.headers)
    assert ids(search(client, q="玫瑰")) == [listing_id]

    client.post(f"/api/v1/listings/{listing_id}/archive", headers=supplier.headers)
    assert ids(search(client, q="玫瑰")) == []


def test_price_and_stock_edits_reach_search_filters(client, supplier, publish):
    listing_id = publish()
    assert ids(search(client, q="玫瑰", max_price="100")) == []
    patched = client.patch(
        f"/api/v1/listings/{listing_id}", headers=supplier.headers,
        json={"price_tiers": [{"min_quantity": "5", "unit_price": "95.00"}]},
    )
    assert patched.json["status"] == "published"
    found = search(client, q="玫瑰", max_price="100")
    assert ids(found) == [listing_id]
    assert found["items"][0]["min_unit_price"] == "95.00"

    client.patch(f"/api/v1/listings/{listing_id}", json={"stock_quantity": "0"},
                 headers=supplier.headers)
    assert ids(search(client, q="玫瑰", in_stock="true")) == []
    assert ids(search(client, q="玫瑰", in_stock="false")) == [listing_id]


def test_backend_outage_never_fails_a_write_and_sync_catches_up(
    app, client, runner, supplier, operator, publish, monkeypatch
):
    backend = app.extensions["search_backend"]
    first = publish()

    def down(*_args, **_kwargs):
        raise SearchUnavailable("index file unavailable")

    monkeypatch.setattr(backend, "upsert", down)
    monkeypatch.setattr(backend, "delete", down)
    second = publish(title_zh="平阴玫瑰纯露", inci_name="Rosa Rugosa Flower Water",
                     cas_number=None, category="floral_water")
    suspended = client.post(f"/api/v1/moderation/listings/{first}/suspend",
                            json={"reason": "复检"}, headers=operator.headers)
    assert suspended.status_code == 200
    assert backlog() >= 2

    monkeypatch.undo()
    assert set(ids(search(client, q="玫瑰"))) == {first}  # the index is stale meanwhile
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0, result.output
    assert backlog() == 0
    assert ids(search(client, q="玫瑰")) == [second]


def test_sync_reports_a_backend_that_is_still_down(app, runner, supplier, publish, monkeypatch):
    backend = app.extensions["search_backend"]

    def down(*_args, **_kwargs):
        raise SearchUnavailable("connection refused")

    monkeypatch.setattr(backend, "upsert", down)
    publish()
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code != 0
    assert "unavailable" in result.output
    assert backlog() >= 1


def _refusing(backend, monkeypatch, inci_name: str, *, permanent: bool) -> None:
    """The backend applies every document but those with `inci_name`, which it refuses."""
    real_upsert = backend.upsert

    def upsert(documents):
        documents = list(documents)
        refused = {doc["id"]: "HTTP 400 mapper_parsing_exception" if permanent else
                   "HTTP 429 es_rejected_execution_exception"
                   for doc in documents if doc["inci_name"] == inci_name}
        real_upsert([doc for doc in documents if doc["id"] not in refused])
        if refused:
            raise DocumentsRejected("refused", refused,
                                    frozenset(refused) if permanent else frozenset())
        return len(documents)

    monkeypatch.setattr(backend, "upsert", upsert)


def test_a_document_refused_for_good_is_parked_and_never_holds_up_later_changes(
    app, client, runner, publish, monkeypatch
):
    backend = app.extensions["search_backend"]
    _refusing(backend, monkeypatch, "Broken Extract", permanent=True)
    broken = publish(title_zh="坏文档玫瑰", inci_name="Broken Extract")
    fine = publish(title_zh="平阴玫瑰纯露", inci_name="Rosa Rugosa Flower Water",
                   cas_number=None, category="floral_water")
    # The later listing was indexed at once; the refused one waits, parked, with its reason.
    assert ids(search(client, q="玫瑰")) == [fine]
    assert backlog() == 0
    assert [(entry.listing_id, entry.last_error) for entry in parked()] == [
        (broken, "HTTP 400 mapper_parsing_exception")]
    status = runner.invoke(args=["search", "status"])
    assert "parked rows:        1" in status.output and broken in status.output

    monkeypatch.undo()  # the cause is fixed
    result = runner.invoke(args=["search", "sync", "--retry-parked"])
    assert result.exit_code == 0, result.output
    assert set(ids(search(client, q="玫瑰"))) == {broken, fine}
    assert parked() == [] and backlog() == 0


def test_a_document_refused_for_a_passing_reason_stays_in_line(
    app, client, runner, publish, monkeypatch
):
    backend = app.extensions["search_backend"]
    _refusing(backend, monkeypatch, "Busy Extract", permanent=False)
    busy = publish(title_zh="繁忙玫瑰", inci_name="Busy Extract")
    assert ids(search(client, q="玫瑰")) == [] and backlog() >= 1 and parked() == []
    monkeypatch.undo()
    assert runner.invoke(args=["search", "sync"]).exit_code == 0
    assert ids(search(client, q="玫瑰")) == [busy] and backlog() == 0


def test_search_outage_answers_503_with_a_clear_message(app, client, monkeypatch):
    def down(*_args, **_kwargs):
        raise SearchUnavailable("connection refused")

    monkeypatch.setattr(app.extensions["search_backend"], "search", down)
    response = client.get("/api/v1/search/listings?q=rose")
    assert response.status_code == 503
    assert "unavailable" in response.json["message"]


def test_filters_facets_and_suggest_over_http(client, publish):
    rose = publish()
    oil = publish(title_zh="宁夏葡萄籽油", title_en="Ningxia Grape Seed Oil",
                  inci_name="Vitis Vinifera (Grape) Seed Oil", cas_number="85594-37-2",
                  category="vegetable_oil", origin={"country": "CN", "province": "宁夏"},
                  certifications=["CN_ORGANIC"], description="冷榨葡萄籽油")
    everything = search(client)
    assert set(ids(everything)) == {rose, oil}
    facets = {f["value"]: f["count"] for f in everything["facets"]["category"]}
    assert facets == {"plant_extract": 1, "vegetable_oil": 1}
    assert ids(search(client, category="vegetable_oil")) == [oil]
    assert ids(search(client, certification=["GI", "ISO_22716"])) == [rose]
    assert ids(search(client, origin_province="宁夏")) == [oil]
    assert ids(search(client, q="grape seed")) == [oil]

    suggestions = client.get("/api/v1/search/suggest", query_string={"q": "葡"}).json
    assert oil in [s["listing_id"] for s in suggestions["suggestions"]]


def test_bad_search_parameters_are_422(client):
    response = client.get("/api/v1/search/listings?sort=cheapest&per_page=500")
    assert response.status_code == 422
    assert {"sort", "per_page"} <= set(response.json["errors"]["query"])


def test_reindex_and_status_commands(client, runner, publish):
    listing_id = publish()
    status = runner.invoke(args=["search", "status"])
    assert "published listings: 1" in status.output
    assert "indexed documents:  1" in status.output
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "Indexed 1 listings" in result.output
    assert ids(search(client, q="玫瑰")) == [listing_id]


def test_checkouts_that_exhaust_stock_flip_the_in_stock_filter(client, buyer, publish):
    listing_id = publish(stock_quantity="12")  # MOQ 5
    assert ids(search(client, q="玫瑰", in_stock="true")) == [listing_id]

    first = client.post("/api/v1/checkouts", json=checkout_body((listing_id, "5")),
                        headers=buyer.headers)
    assert first.status_code == 201
    assert ids(search(client, q="玫瑰", in_stock="true")) == [listing_id]  # 7 left ≥ MOQ

    second = client.post("/api/v1/checkouts", json=checkout_body((listing_id, "5")),
                         headers=buyer.headers)
    assert second.status_code == 201
    assert ids(search(client, q="玫瑰", in_stock="true")) == []  # 2 left < MOQ
    assert ids(search(client, q="玫瑰", in_stock="false")) == [listing_id]

    order_id = second.json["orders"][0]["id"]
    assert client.post(f"/api/v1/orders/{order_id}/cancel",
                       headers=buyer.headers).status_code == 200
    assert ids(search(client, q="玫瑰", in_stock="true")) == [listing_id]
