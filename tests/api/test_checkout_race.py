"""Concurrent buyers racing for limited stock, through the HTTP layer, on a real database.

These tests commit for real, so they use their own app and database (`race_app`, not the
rolled-back `app` of conftest): a dedicated PostgreSQL database, and a SQLite file in WAL
mode (writers serialise on SQLite's lock; `db.transactions.begin_write` makes them wait for it
instead of failing).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select, update

from marketplace.app import create_app
from marketplace.catalog.models import Listing
from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.orders.expiry import expire_due
from marketplace.orders.models import Checkout, OrderLine
from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.factories import checkout_body, make_account, make_listing

THREADS = 25


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def race_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             worker_id: str, testrun_uid: str) -> Iterator[Flask]:
    instance = Path(tmp_path_factory.mktemp("race"))
    name = f"marketplace_race_{testrun_uid[:10]}_{worker_id}"
    if request.param == "sqlite":
        url = f"sqlite:///{instance / 'race.sqlite3'}"
    else:
        url = _create_postgres_database(name)
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": THREADS + 5, "max_overflow": 10},
        "SEARCH_INDEX_PATH": str(instance / "search.sqlite3"),
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        _drop_postgres_database(name)


def _seed(app: Flask, stock: str, buyers: int, listings: int = 1) -> tuple[list[str], list[Any]]:
    with app.app_context():
        supplier = make_account("supplier", verified=True)
        ids = [make_listing(supplier, status="published", moq="1", stock_quantity=stock,
                            price_tiers=[{"min_quantity": "1", "unit_price": "12.50"}]).id
               for _ in range(listings)]
        accounts = [make_account("buyer") for _ in range(buyers)]
        db.session.commit()
        headers = [account.headers for account in accounts]
    return ids, headers


def _race(app: Flask, requests: list[tuple[dict[str, str], dict[str, Any]]],
          watch: Callable[[], None] | None = None) -> list[tuple[int, dict[str, Any]]]:
    """POST every checkout body at once, one thread and test client each."""
    barrier = threading.Barrier(len(requests))
    results: list[Any] = [None] * len(requests)

    def run(index: int, headers: dict[str, str], body: dict[str, Any]) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/checkouts", json=body, headers=headers)
        results[index] = (response.status_code, response.get_json())

    threads = [threading.Thread(target=run, args=(i, h, b)) for i, (h, b) in enumerate(requests)]
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_loop, args=(stop, watch)) if watch else None
    if watcher:
        watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    stop.set()
    if watcher:
        watcher.join()
    return results


def _watch_loop(stop: threading.Event, watch: Callable[[], None]) -> None:
    while not stop.is_set():
        watch()


def _stock(app: Flask, listing_id: str) -> Decimal:
    with app.app_context():
        return db.session.scalar(select(Listing.stock_quantity).where(Listing.id == listing_id))


def _lines(app: Flask, listing_id: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OrderLine)
                                 .where(OrderLine.listing_id == listing_id))


def _never_negative(app: Flask, listing_ids: list[str], seen: list[Decimal]) -> Callable[[], None]:
    def watch() -> None:
        with app.app_context():
            seen.extend(db.session.scalars(
                select(Listing.stock_quantity).where(Listing.id.in_(listing_ids))))

    return watch


def test_exactly_the_stock_is_sold_to_racing_buyers(race_app):
    (listing_id,), headers = _seed(race_app, stock="10", buyers=THREADS)
    seen: list[Decimal] = []
    results = _race(race_app, [(h, checkout_body((listing_id, 1))) for h in headers],
                    watch=_never_negative(race_app, [listing_id], seen))
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 10 + [409] * (THREADS - 10), results
    assert _stock(race_app, listing_id) == Decimal("0.000")
    assert _lines(race_app, listing_id) == 10
    assert seen and min(seen) >= 0


def test_uneven_quantities_never_oversell_nor_refuse_what_fits(race_app):
    (listing_id,), headers = _seed(race_app, stock="10", buyers=THREADS)
    quantities = [Decimal(q) for q in ("3", "2.5", "4", "1.75", "5")] * (THREADS // 5)
    results = _race(race_app, [(h, checkout_body((listing_id, q)))
                               for h, q in zip(headers, quantities, strict=True)])
    assert {status for status, _ in results} <= {201, 409}, results
    sold = sum((q for q, (status, _) in zip(quantities, results, strict=True) if status == 201),
               Decimal(0))
    left = _stock(race_app, listing_id)
    assert left >= 0
    assert sold + left == Decimal(10)
    assert _lines(race_app, listing_id) == sum(1 for status, _ in results if status == 201)
    # Stock only goes down during the race, so a refused buyer asked for more than is left.
    for quantity, (status, body) in zip(quantities, results, strict=True):
        if status == 409:
            assert quantity > left
            assert body["errors"]["short"][0]["listing_id"] == listing_id


def test_multi_line_checkouts_in_opposite_orders_do_not_deadlock(race_app):
    (first, second), headers = _seed(race_app, stock="12", buyers=THREADS, listings=2)
    requests = [(h, checkout_body((first, 1), (second, 1)) if i % 2
                 else checkout_body((second, 1), (first, 1))) for i, h in enumerate(headers)]
    results = _race(race_app, requests)
    assert sorted(status for status, _ in results) == [201] * 12 + [409] * (THREADS - 12)
    assert _stock(race_app, first) == _stock(race_app, second) == Decimal("0.000")


def test_two_expiry_runs_at_once_return_stock_once(race_app):
    (listing_id,), headers = _seed(race_app, stock="20", buyers=10)
    client = race_app.test_client()
    ids = [client.post("/api/v1/checkouts", json=checkout_body((listing_id, 2)),
                       headers=h).json["id"] for h in headers]
    assert _stock(race_app, listing_id) == Decimal("0.000")
    with race_app.app_context():
        db.session.execute(update(Checkout).where(Checkout.id.in_(ids))
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        with race_app.app_context():
            barrier.wait()
            counts.append(expire_due())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(counts) == 10
    assert _stock(race_app, listing_id) == Decimal("20.000")
