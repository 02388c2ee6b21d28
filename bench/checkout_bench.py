"""Checkout latency under gunicorn on PostgreSQL, and the oversell race.

    .venv/bin/python -m bench.checkout_bench
    .venv/bin/python -m bench.checkout_bench --requests 2000 --concurrency 50

Creates a fresh PostgreSQL database (admin URL from --postgres-url, default the local
server; dropped afterwards), migrates it, seeds suppliers, published listings with ample
stock and buyers with tokens directly through the app, then starts gunicorn
(`gunicorn -c gunicorn.conf.py wsgi:app` with its defaults, or `--workers`; loopback, a free
port) and times `POST /api/v1/checkouts` (1-3 lines from different suppliers each) over HTTP
from an asyncio client (one connection per buyer, reopened when the server closes it): first
one buyer at a time, then `--concurrency` buyers back to back (`--repeat` times), then the
same buyers pausing between checkouts. Finally, `--races` times, `--concurrency` buyers
released at the same instant race for one listing restocked to 10 kg, 1 kg each: exactly
10 must get 201 each time and the stock must end at 0.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select, update
from sqlalchemy.engine import make_url

from marketplace.accounts.models import Membership, Organization, User
from marketplace.accounts.services import issue_token
from marketplace.app import create_app
from marketplace.catalog.models import Listing
from marketplace.catalog.schemas import ListingInputSchema
from marketplace.catalog.services import add_draft_listing
from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.orders.models import OrderLine

ROOT = Path(__file__).resolve().parent.parent
ADDRESS = {"recipient": "王经理", "phone": "+86 21 5555 6666", "country": "CN",
           "province": "上海", "city": "上海", "line1": "浦东新区张江路 88 号"}
TARGET_P95_MS = 200.0
RACE_STOCK = 10  # kg in the race listing; each racing buyer wants 1 kg
KEEPALIVE_SECONDS = 2.0  # gunicorn's default keepalive


def add_postgres_url_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--postgres-url", default=os.environ.get(
        "MARKETPLACE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="admin URL of the server where the bench creates (and drops) its database")


def _admin(postgres_url: str) -> str:
    return make_url(postgres_url).set(drivername="postgresql").render_as_string(
        hide_password=False)


def create_database(postgres_url: str, name: str) -> str:
    with psycopg.connect(_admin(postgres_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(postgres_url).set(drivername="postgresql+psycopg", database=name)
    return url.render_as_string(hide_password=False)


def drop_database(postgres_url: str, name: str) -> None:
    with psycopg.connect(_admin(postgres_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _listing(supplier: Organization, index: int, stock: str) -> Listing:
    data = ListingInputSchema().load({
        "title_zh": f"基准原料 {index}", "inci_name": f"Bench Ingredient {index}",
        "category": "plant_extract", "origin": {"country": "CN", "province": "山东"},
        "unit": "kg", "moq": "1", "stock_quantity": stock,
        "price_tiers": [{"min_quantity": "1", "unit_price": "180.00"},
                        {"min_quantity": "25", "unit_price": "160.00"}],
    })
    listing = add_draft_listing(supplier, data)
    listing.status = "published"
    listing.published_at = utcnow()
    return listing


def _account(kind: str, index: int) -> tuple[Organization, str]:
    org = Organization(name=f"基准{kind} {index}", kind=kind, country="CN",
                       verification_status="verified" if kind == "supplier" else "unverified")
    user = User(email=f"{kind}{index}@bench.example", password_hash="!",  # noqa: S106 - no login
                display_name=kind)
    db.session.add_all([org, user, Membership(user=user, organization=org, role="owner")])
    db.session.flush()
    return org, issue_token(user, timedelta(hours=6)).token


def seed(app: Flask, *, suppliers: int, per_supplier: int,
         buyers: int) -> tuple[list[list[str]], list[str], str]:
    """Listings grouped by supplier, buyer tokens, and the race listing (10 kg of stock)."""
    with app.app_context():
        upgrade()
        grouped = []
        for s in range(suppliers):
            org, _ = _account("supplier", s)
            grouped.append([_listing(org, s * per_supplier + i, "1000000").id
                            for i in range(per_supplier)])
        race_org, _ = _account("supplier", suppliers)
        race_id = _listing(race_org, -1, str(RACE_STOCK)).id
        tokens = [_account("buyer", b)[1] for b in range(buyers)]
        db.session.commit()
    return grouped, tokens, race_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(database_url: str, port: int, workdir: Path,
                   workers: int | None = None) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MARKETPLACE_DATABASE_URL": database_url,
           "MARKETPLACE_SECRET_KEY": "bench-" + str(port),
           "MARKETPLACE_SEARCH_INDEX_PATH": str(workdir / "search.sqlite3"),
           "GUNICORN_BIND": f"127.0.0.1:{port}"}
    if workers:
        env["GUNICORN_WORKERS"] = str(workers)
    log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py",
                               "wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"gunicorn did not start; see {workdir / 'gunicorn.log'}")


def random_items(grouped: list[list[str]], rng: random.Random) -> list[dict[str, str]]:
    suppliers = rng.sample(grouped, rng.randint(1, 3))
    return [{"listing_id": rng.choice(listings), "quantity": str(rng.choice((1, 5, 25, 30)))}
            for listings in suppliers]


class _Connection:
    """One buyer's HTTP/1.1 connection, used the way real clients use one: kept open while
    the server keeps it alive, closed when the server answers `Connection: close` (gunicorn's
    sync workers do, after every response) or after an idle pause longer than the server's
    keep-alive, and then opened again for the next request — inside the timed interval."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def exchange(self, request: bytes) -> int:
        """Send one request, read the response; 0 when the server had closed the connection."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(request)
        status_line = await self.reader.readline()
        if not status_line:
            self.close()
            return 0
        length, keep_alive = 0, True
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                keep_alive = False
        await self.reader.readexactly(length)
        if not keep_alive:
            self.close()
        return int(status_line.split()[1])

    async def checkout(self, token: str, items: list[dict[str, str]]) -> tuple[int, float]:
        """`POST /api/v1/checkouts`: the status and the seconds until the whole answer."""
        body = json.dumps({"items": items, "shipping_address": ADDRESS,
                           "payment_method": "bank_transfer"}, ensure_ascii=False).encode()
        request = (f"POST /api/v1/checkouts HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                   f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        started = time.perf_counter()
        try:
            status = await self.exchange(request)
        except ConnectionError:
            self.close()
            status = 0
        if status == 0:  # a kept-alive connection the server had just closed: resend once
            status = await self.exchange(request)
        return status, time.perf_counter() - started


async def _buyer(port: int, token: str, grouped: list[list[str]], rng: random.Random,
                 count: int, start: asyncio.Event, latencies: list[float],
                 statuses: dict[int, int], think: float) -> None:
    """One buyer: `count` checkouts, back to back (think=0) or with exponentially
    distributed pauses averaging `think` seconds between them."""
    connection = _Connection(port)
    await start.wait()
    for _ in range(count):
        if think:
            pause = rng.expovariate(1 / think)
            await asyncio.sleep(pause)
            if pause > KEEPALIVE_SECONDS / 2:  # the server may have dropped it meanwhile
                connection.close()
        status, seconds = await connection.checkout(token, random_items(grouped, rng))
        latencies.append(seconds)
        statuses[status] = statuses.get(status, 0) + 1
    connection.close()


def load(port: int, tokens: list[str], grouped: list[list[str]], *, concurrency: int,
         requests: int, think: float = 0.0) -> tuple[list[float], dict[int, int], float]:
    """`concurrency` buyers at once (asyncio, so the client itself stays cheap)."""
    per_buyer = max(1, requests // concurrency)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def run() -> float:
        start = asyncio.Event()
        tasks = [asyncio.create_task(_buyer(port, tokens[i % len(tokens)], grouped,
                                            random.Random(i), per_buyer, start, latencies,
                                            statuses, think))
                 for i in range(concurrency)]
        await asyncio.sleep(0.2)  # every buyer is waiting at the start line
        began = time.perf_counter()
        start.set()
        await asyncio.gather(*tasks)
        return time.perf_counter() - began

    elapsed = asyncio.run(run())
    return latencies, statuses, elapsed


def bursts(port: int, tokens: list[str], grouped: list[list[str]], *, buyers: int,
           rounds: int) -> tuple[list[float], dict[int, int]]:
    """`rounds` times: `buyers` buyers released at the same instant, one checkout each
    (random listings, all in stock); the latencies of every round together."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def buyer(token: str, items: list[dict[str, str]], start: asyncio.Event) -> None:
        connection = _Connection(port)
        await start.wait()
        status, seconds = await connection.checkout(token, items)
        connection.close()
        latencies.append(seconds)
        statuses[status] = statuses.get(status, 0) + 1

    async def run() -> None:
        rng = random.Random(7)
        for _ in range(rounds):
            start = asyncio.Event()
            tasks = [asyncio.create_task(buyer(tokens[i % len(tokens)],
                                               random_items(grouped, rng), start))
                     for i in range(buyers)]
            await asyncio.sleep(0.5)  # the previous round has drained; all are waiting
            start.set()
            await asyncio.gather(*tasks)

    asyncio.run(run())
    return latencies, statuses


def race(app: Flask, port: int, tokens: list[str], listing_id: str,
         buyers: int) -> tuple[dict[str, Any], list[float]]:
    """`buyers` buyers released at the same instant, each buying 1 kg of the race listing
    (restocked to 10 kg first, so races can be repeated)."""
    with app.app_context():
        db.session.execute(update(Listing).where(Listing.id == listing_id)
                           .values(stock_quantity=Decimal(RACE_STOCK)))
        db.session.commit()
    time.sleep(0.3)  # the previous race's connections have closed
    results: list[tuple[int, float]] = []

    async def buyer(token: str, start: asyncio.Event) -> None:
        connection = _Connection(port)
        await start.wait()
        results.append(await connection.checkout(token, [{"listing_id": listing_id,
                                                           "quantity": "1"}]))
        connection.close()

    async def run() -> None:
        start = asyncio.Event()
        tasks = [asyncio.create_task(buyer(tokens[i % len(tokens)], start))
                 for i in range(buyers)]
        await asyncio.sleep(0.2)  # every buyer is waiting at the start line
        start.set()
        await asyncio.gather(*tasks)

    asyncio.run(run())
    statuses = [status for status, _ in results]
    with app.app_context():
        stock = db.session.scalar(select(Listing.stock_quantity).where(Listing.id == listing_id))
        lines = db.session.scalar(select(func.count()).select_from(OrderLine)
                                  .where(OrderLine.listing_id == listing_id))
    outcome = {"buyers": buyers, "created": statuses.count(201), "refused": statuses.count(409),
               "other": len(statuses) - statuses.count(201) - statuses.count(409),
               "final_stock": stock, "order_lines": lines}
    return outcome, [seconds for _, seconds in results]


def races(app: Flask, port: int, tokens: list[str], listing_id: str, buyers: int,
          rounds: int) -> tuple[bool, list[float], list[float]]:
    """`rounds` races: whether each sold exactly the stock, every answer's latency, and
    each race's p95 (one race is 50 answers, so its p95 alone moves a lot)."""
    exact, latencies, p95s = True, [], []
    for round_ in range(rounds):
        outcome, seconds = race(app, port, tokens, listing_id, buyers)
        sold = (round_ + 1) * RACE_STOCK
        exact = exact and (outcome["created"] == RACE_STOCK
                           and outcome["final_stock"] == Decimal("0.000")
                           and outcome["order_lines"] == sold)
        print(json.dumps({"race": outcome}, default=str, ensure_ascii=False), flush=True)
        latencies += seconds
        p95s.append(round(statistics.quantiles([1000 * s for s in seconds], n=100)[94], 1))
    return exact, latencies, p95s


def summary(label: str, latencies: list[float], statuses: dict[int, int],
            elapsed: float | None) -> dict[str, Any]:
    """Percentiles of one run; throughput only for runs that kept the server busy."""
    ms = sorted(1000 * s for s in latencies)
    q = statistics.quantiles(ms, n=100)
    row = {"run": label, "requests": len(ms), "p50_ms": round(q[49], 1),
           "p95_ms": round(q[94], 1), "p99_ms": round(q[98], 1), "max_ms": round(ms[-1], 1),
           "per_s": round(len(ms) / elapsed, 1) if elapsed else None, "statuses": statuses}
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_postgres_url_argument(parser)
    parser.add_argument("--suppliers", type=int, default=20)
    parser.add_argument("--listings-per-supplier", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1000,
                        help="checkouts in each concurrent run (the serial run does a fifth)")
    parser.add_argument("--think-ms", type=float, default=1000.0,
                        help="mean pause between one buyer's checkouts in the paced run")
    parser.add_argument("--repeat", type=int, default=3,
                        help="back-to-back runs (the machine's speed varies between runs)")
    parser.add_argument("--bursts", type=int, default=10,
                        help="rounds of the all-at-once run")
    parser.add_argument("--races", type=int, default=5,
                        help="oversell races (the listing is restocked before each)")
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: gunicorn.conf.py's, 2 x cores + 1)")
    args = parser.parse_args()

    name = f"marketplace_bench_checkout_{os.getpid()}"
    url = create_database(args.postgres_url, name)
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="checkout-bench-") as tmp:
            workdir = Path(tmp)
            app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                              "SEARCH_INDEX_PATH": str(workdir / "search.sqlite3")})
            grouped, tokens, race_id = seed(
                app, suppliers=args.suppliers, per_supplier=args.listings_per_supplier,
                buyers=args.concurrency)
            port = free_port()
            server = start_gunicorn(url, port, workdir, args.workers)
            load(port, tokens, grouped, concurrency=1, requests=20)  # warm-up
            serial = summary("1 buyer", *load(port, tokens, grouped, concurrency=1,
                                              requests=max(1, args.requests // 5)))
            back_to_back = [
                summary(f"{args.concurrency} buyers, back to back ({run + 1})", *load(
                    port, tokens, grouped, concurrency=args.concurrency, requests=args.requests))
                for run in range(args.repeat)
            ]
            burst = summary(
                f"{args.concurrency} buyers at the same instant, one checkout each "
                f"(x{args.bursts})", *bursts(port, tokens, grouped, buyers=args.concurrency,
                                              rounds=args.bursts), None)
            summary(f"{args.concurrency} buyers, one checkout per {args.think_ms:.0f} ms each",
                    *load(port, tokens, grouped, concurrency=args.concurrency,
                          requests=args.requests, think=args.think_ms / 1000))
            exact, race_latencies, race_p95s = races(app, port, tokens, race_id,
                                                     args.concurrency, args.races)
            raced = summary(f"{args.concurrency} buyers racing for {RACE_STOCK} kg at once "
                            f"(x{args.races}; p95 of each race: {race_p95s})",
                            race_latencies, {}, None)
            with app.app_context():
                db.engine.dispose()
            server.terminate()
            server.wait(timeout=30)
            server = None
    finally:
        if server is not None:
            server.terminate()
        drop_database(args.postgres_url, name)
    correct = (exact and serial["statuses"].keys() == {201}
               and burst["statuses"].keys() == {201}
               and all(run["statuses"].keys() == {201} for run in back_to_back))
    p95s = sorted(run["p95_ms"] for run in back_to_back)
    median_p95 = p95s[len(p95s) // 2]
    print(f"oversell races: {'OK' if correct else 'FAILED'}; p95 of the races' answers "
          f"{raced['p95_ms']} ms, {_verdict(raced['p95_ms'])} (slowest race's p95 "
          f"{max(race_p95s)} ms); p95 of {args.concurrency} "
          f"checkouts at once {burst['p95_ms']} ms, {_verdict(burst['p95_ms'])}; median p95 of "
          f"{args.concurrency} buyers back to back {median_p95} ms, {_verdict(median_p95)}")
    return 0 if correct else 1


def _verdict(p95_ms: float) -> str:
    return f"{'within' if p95_ms <= TARGET_P95_MS else 'OVER'} the {TARGET_P95_MS:.0f} ms target"


if __name__ == "__main__":
    sys.exit(main())
