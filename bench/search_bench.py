"""Embedded search at scale: reindex time, index size, latency in process and over HTTP.

    .venv/bin/python -m bench.search_bench --listings 100000
    .venv/bin/python -m bench.search_bench --listings 100000 --reuse          # keep the DB
    .venv/bin/python -m bench.search_bench --listings 100000 --reuse --reuse-index --no-http

1. The database: bench/data/listings-N.sqlite3 made by bench/generate_listings.py (fresh,
   real migrations, bulk INSERTs); `--reuse` keeps an existing one with N published
   listings. `--database-url` uses PostgreSQL instead (wiped unless `--reuse`).
2. The reindex: `flask search reindex` itself (the CLI command through Flask's CLI runner:
   `marketplace.catalog.indexing.sync` reads the published listings, builds the documents,
   `backend.rebuild`
   loads a new generation and swaps it in), timed, into a fresh index file
   (bench/data/index-N.sqlite3); then the index file size. `--reuse-index` skips it.
3. In process: `backend.search(query)` / `backend.suggest(prefix)` over a fixed mix of
   queries (Chinese, English, pinyin, initials, INCI, CAS/EC, supplier names, browsing
   with filters and facets, price/newest sorts, deep pages, suggestions), with the result
   cache disabled; one warm-up round, then `--rounds` measured rounds in shuffled order.
   Then once more with the cache on (every query already cached), for comparison.
4. Over HTTP: gunicorn (`gunicorn -c gunicorn.conf.py wsgi:app`, 4 workers, on
   127.0.0.1 and a free port) and `--threads` client threads with keep-alive connections,
   `--http-rounds` rounds of the same mix. Each measured request is a distinct query (the
   round number changes `per_page`: 20, 21, …), so the workers' result caches never answer
   it; suggestions are not cached at all. gunicorn is stopped afterwards.

Targets (DESIGN.md): reindex of 100,000 listings ≤ 60 s; p95 ≤ 30 ms in process and
≤ 60 ms over HTTP. Prints markdown tables (overall and per query class).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench.generate_listings import DEFAULT_LISTINGS, build_database, sqlite_url

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
TARGETS = {"reindex_s": 60.0, "in_process_p95_ms": 30.0, "http_p95_ms": 60.0}
MAX_HTTP_ROUNDS = 30
HTTP_TIMEOUT_S = 30


@dataclass(frozen=True)
class Probe:
    """One request of the mix: a search (`query`) or a suggestion (`prefix`)."""

    kind: str  # query class, for the per-class table
    label: str
    query: Any = None  # search.query.SearchQuery
    prefix: str | None = None

    def http_path(self, per_page: int) -> str:
        if self.prefix is not None:
            return "/api/v1/search/suggest?" + urllib.parse.urlencode({"q": self.prefix})
        q = self.query
        params: list[tuple[str, str]] = [("q", q.text), ("sort", q.sort),
                                         ("page", str(q.page)), ("per_page", str(per_page))]
        for name in ("category", "origin_country", "origin_province"):
            if getattr(q, name) is not None:
                params.append((name, getattr(q, name)))
        params += [("certification", c) for c in q.certifications]
        for name in ("min_price", "max_price", "max_moq"):
            if getattr(q, name) is not None:
                params.append((name, str(getattr(q, name))))
        for name in ("in_stock", "sample_available", "verified_supplier"):
            if getattr(q, name) is not None:
                params.append((name, "true" if getattr(q, name) else "false"))
        return "/api/v1/search/listings?" + urllib.parse.urlencode(params)


def query_mix(suppliers: Sequence[str]) -> list[Probe]:
    """The fixed mix (what buyers type and click), plus supplier names from the data."""
    from search.query import SearchQuery

    def s(kind: str, text: str = "", **kw: Any) -> Probe:
        return Probe(kind, text or _describe(kw), query=SearchQuery(text=text, **kw))

    mix = [
        # Chinese: specific, and broad (提取物 / 精油 match a large share of the catalogue)
        *(s("zh", t) for t in ("玫瑰", "积雪草", "透明质酸钠", "葡萄籽油", "薰衣草精油",
                                "人参根提取物", "石斛", "烟酰胺", "甘草酸二钾", "宁夏枸杞",
                                "提取物", "精油", "植物油", "玫瑰纯露", "保湿", "有机 冷榨")),
        # English
        *(s("en", t) for t in ("rose", "grape seed oil", "lavender oil", "hyaluronic acid",
                                "centella", "niacinamide", "tea tree", "extract", "oil",
                                "organic extract", "gotu kola", "vitamin e")),
        # pinyin (with/without spaces, tones) and initials
        *(s("pinyin", t) for t in ("meigui", "mei gui", "jixuecao", "shihu", "xunyicao",
                                    "yanxianan", "putaozi", "méiguī", "tiquwu", "jxc")),
        # INCI and botanical names
        *(s("inci", t) for t in ("Rosa Rugosa Flower Extract", "rugosa", "Sodium Hyaluronate",
                                  "Vitis Vinifera", "Panax Ginseng Root Extract",
                                  "Butyrospermum Parkii", "Camellia Sinensis Leaf Extract",
                                  "Lavandula angustifolia")),
        # CAS / EC numbers
        *(s("cas", t) for t in ("84696-21-9", "9067-32-7", "98-92-0", "8000-28-0",
                                 "202-713-4", "68797-35-3")),
        # supplier names (from the data)
        *(s("supplier", t) for t in suppliers),
        # browsing: no text, filters and facets
        s("browse"),
        s("browse", category="plant_extract"),
        s("browse", category="active", verified_supplier=True),
        s("browse", category="essential_oil", origin_province="新疆"),
        s("browse", origin_province="云南", in_stock=True),
        s("browse", certifications=("ISO_22716",)),
        s("browse", certifications=("HALAL", "KOSHER"), category="active"),
        s("browse", max_price=Decimal("100"), max_moq=Decimal("25"), sample_available=True),
        s("browse", origin_country="FR"),
        # text + filters
        s("filtered", "提取物", category="plant_extract", origin_province="云南"),
        s("filtered", "extract", verified_supplier=True, in_stock=True),
        s("filtered", "精油", certifications=("ISO_22716",)),
        s("filtered", "玫瑰", min_price=Decimal("20"), max_price=Decimal("500")),
        s("filtered", "oil", category="vegetable_oil", origin_province="新疆"),
        # sorts
        s("sorted", sort="price_asc", category="plant_extract"),
        s("sorted", sort="price_desc"),
        s("sorted", sort="newest", category="humectant"),
        s("sorted", "提取物", sort="price_asc"),
        s("sorted", "extract", sort="price_desc"),
        s("sorted", "透明质酸钠", sort="price_asc", in_stock=True),
        s("sorted", "rose", sort="newest"),
        # deep pages
        s("paging", "提取物", page=5),
        s("paging", "extract", page=20),
        s("paging", page=50),
        s("paging", "oil", page=10, sort="price_asc"),
        s("paging", category="plant_extract", page=100),
        # suggestions
        *(Probe("suggest", p, prefix=p) for p in ("玫", "玫瑰", "积雪", "透明", "gra", "ros",
                                                   "mei", "jixue", "lav", "hyal", "sh", "葡萄")),
    ]
    return mix


def _describe(kw: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in kw.items()) or "(everything)"


def _percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=dict)  # kind → ms
    slowest: dict[str, float] = field(default_factory=dict)  # label → worst ms

    def add(self, probe: Probe, ms: float) -> None:
        self.samples.setdefault(probe.kind, []).append(ms)
        key = f"{probe.kind}: {probe.label}"
        self.slowest[key] = max(ms, self.slowest.get(key, 0.0))

    @property
    def all(self) -> list[float]:
        return [ms for values in self.samples.values() for ms in values]

    def summary(self, values: Sequence[float] | None = None) -> dict[str, float]:
        values = self.all if values is None else values
        return {"n": len(values), "p50": _percentile(values, 50), "p95": _percentile(values, 95),
                "p99": _percentile(values, 99), "max": max(values, default=float("nan"))}


# --- 1. database --------------------------------------------------------------------------


def prepare_database(args: argparse.Namespace) -> str:
    if args.database_url:
        url = str(args.database_url)
        if not args.reuse:
            print(f"building {args.listings:,} listings in {url} (wiped) …")
            build_database(url, args.listings, wipe=True)
        return url
    path = DATA / f"listings-{args.listings}.sqlite3"
    if args.reuse and path.exists() and _published(sqlite_url(path)) == args.listings:
        print(f"reusing {path} ({args.listings:,} published listings)")
        return sqlite_url(path)
    DATA.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"building {args.listings:,} listings in {path} …")
    figures = build_database(sqlite_url(path), args.listings)
    print(f"  {figures['price_tiers']:,} price tiers, {figures['suppliers']:,} suppliers "
          f"({figures['unverified_suppliers']:,} not verified), {figures['seconds']:.1f} s")
    return sqlite_url(path)


def _published(url: str) -> int:
    import sqlite3

    path = url.removeprefix("sqlite:///")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return int(conn.execute(
                "SELECT count(*) FROM listings WHERE status = 'published'").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return -1


def _app(url: str, index_path: Path) -> Any:
    from marketplace.app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_INDEX_PATH": str(index_path)})


# --- 2. reindex ---------------------------------------------------------------------------


def reindex(url: str, index_path: Path) -> dict[str, float]:
    """`flask search reindex` into a fresh index file; seconds and size."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index_path}{suffix}").unlink(missing_ok=True)
    app = _app(url, index_path)
    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["search", "reindex"])
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"reindex failed ({result.exit_code}): {result.output}\n"
                         f"{result.exception!r}")
    last = [line for line in result.output.splitlines() if line.strip()][-1]
    backend = app.extensions["search_backend"]
    documents = backend.count()
    backend.close()
    with app.app_context():
        from marketplace.extensions import db

        db.engine.dispose()
    size = sum(Path(f"{index_path}{s}").stat().st_size
               for s in ("", "-wal") if Path(f"{index_path}{s}").exists())
    print(f"reindex: {last.strip()} in {seconds:.1f} s; {documents:,} documents, "
          f"index {size / 2**20:.1f} MiB")
    return {"seconds": seconds, "documents": documents, "bytes": size}


# --- 3. in process ------------------------------------------------------------------------


def _run(backend: Any, probe: Probe) -> Any:
    if probe.prefix is not None:
        return backend.suggest(probe.prefix)
    return backend.search(probe.query)


def in_process(url: str, index_path: Path, mix: list[Probe], rounds: int,
               seed: int) -> tuple[Timings, Timings, dict[str, int]]:
    app = _app(url, index_path)
    backend = app.extensions["search_backend"]
    from search.text import warm_up

    warm_up()
    backend.result_cache_size = 0  # the cache must not be what makes the numbers
    rng = random.Random(seed)
    totals: dict[str, int] = {}
    for probe in mix:  # warm-up round (page cache, jieba, SQLite statement cache)
        result = _run(backend, probe)
        if probe.prefix is None:
            totals[f"{probe.kind}: {probe.label}"] = result.total
    uncached = Timings()
    for _ in range(rounds):
        order = list(mix)
        rng.shuffle(order)
        for probe in order:
            started = time.perf_counter()
            _run(backend, probe)
            uncached.add(probe, (time.perf_counter() - started) * 1000)
    backend.result_cache_size = 1024
    for probe in mix:
        _run(backend, probe)
    cached = Timings()
    for probe in mix:
        started = time.perf_counter()
        _run(backend, probe)
        cached.add(probe, (time.perf_counter() - started) * 1000)
    backend.close()
    return uncached, cached, totals


# --- 4. HTTP ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path, headers={"Accept": "application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def start_gunicorn(url: str, index_path: Path, workers: int, log: Path) -> tuple[
        subprocess.Popen[bytes], int]:
    port = _free_port()
    env = dict(os.environ)
    env.update({
        "MARKETPLACE_DATABASE_URL": url,
        "MARKETPLACE_SEARCH_INDEX_PATH": str(index_path),
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    })
    handle = log.open("wb")
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
    )
    handle.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            status, _ = _get(conn, "/healthz")
            conn.close()
            if status == 200:
                return process, port
        except OSError:
            pass
        time.sleep(0.2)
    stop_gunicorn(process)
    raise SystemExit(f"gunicorn did not answer within 60 s; see {log}")


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _drive(port: int, jobs: list[tuple[Probe, str]], threads: int,
           record: Callable[[Probe, float], None]) -> list[str]:
    """Send the jobs from `threads` keep-alive connections; returns error descriptions."""
    work: queue.Queue[tuple[Probe, str]] = queue.Queue()
    for job in jobs:
        work.put(job)
    errors: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)
        try:
            while True:
                try:
                    probe, path = work.get_nowait()
                except queue.Empty:
                    return
                started = time.perf_counter()
                try:
                    status, body = _get(conn, path)
                except (OSError, http.client.HTTPException) as exc:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)
                    with lock:
                        errors.append(f"{path}: {exc!r}")
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    if status != 200:
                        errors.append(f"{path}: HTTP {status} {body[:200]!r}")
                    else:
                        record(probe, elapsed)
        finally:
            conn.close()

    pool = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=HTTP_TIMEOUT_S * max(1, len(jobs)))
    return errors


def over_http(url: str, index_path: Path, mix: list[Probe], rounds: int, threads: int,
              workers: int, seed: int) -> tuple[Timings, int]:
    rounds = max(1, min(rounds, MAX_HTTP_ROUNDS))
    log = DATA / "gunicorn-search-bench.log"
    process, port = start_gunicorn(url, index_path, workers, log)
    try:
        rng = random.Random(seed)
        # Warm-up: every query twice with a per_page no measured request uses (each worker
        # loads jieba, opens the index, warms its page cache), not recorded.
        warm = [(p, p.http_path(per_page=19)) for p in mix for _ in range(2)]
        errors = _drive(port, warm, threads, lambda probe, ms: None)
        jobs = [(p, p.http_path(per_page=20 + r)) for r in range(rounds) for p in mix]
        rng.shuffle(jobs)
        timings = Timings()
        errors += _drive(port, jobs, threads, timings.add)
    finally:
        stop_gunicorn(process)
    if errors:
        print(f"{len(errors)} HTTP errors, first: {errors[0]}", file=sys.stderr)
    return timings, len(errors)


# --- report -------------------------------------------------------------------------------


def _machine() -> str:
    try:
        model = next(
            (line.split(":", 1)[1].strip()
             for line in subprocess.run(["lscpu"], capture_output=True, text=True,
                                        timeout=10).stdout.splitlines()
             if line.startswith("Model name")), "?")
    except (OSError, subprocess.SubprocessError):
        model = "?"
    return f"nproc = {os.cpu_count()}, {model}, Python {sys.version.split()[0]}"


def _row(name: str, s: dict[str, float], http: dict[str, float] | None) -> str:
    cells = [name, f"{s['n']:.0f}", f"{s['p50']:.1f}", f"{s['p95']:.1f}", f"{s['p99']:.1f}"]
    if http is not None:
        cells += [f"{http['n']:.0f}", f"{http['p50']:.1f}", f"{http['p95']:.1f}"]
    return "| " + " | ".join(cells) + " |"


def report(args: argparse.Namespace, reindexed: dict[str, float] | None, uncached: Timings,
           cached: Timings, http: Timings | None) -> str:
    lines = [f"listings: {args.listings:,}; machine: {_machine()}", ""]
    if reindexed:
        rate = reindexed["documents"] / reindexed["seconds"]
        lines += [
            "| reindex | documents | seconds | docs/s | index size |",
            "| --- | --- | --- | --- | --- |",
            f"| `flask search reindex` | {reindexed['documents']:,.0f} | "
            f"{reindexed['seconds']:.1f} | {rate:,.0f} | {reindexed['bytes'] / 2**20:.0f} MiB |",
            "",
        ]
    head = "| query class | n | in-process p50 ms | p95 ms | p99 ms |"
    rule = "| --- | --- | --- | --- | --- |"
    if http is not None:
        head += " HTTP n | HTTP p50 ms | HTTP p95 ms |"
        rule += " --- | --- | --- |"
    lines += [head, rule]
    for kind in uncached.samples:
        lines.append(_row(kind, uncached.summary(uncached.samples[kind]),
                          http.summary(http.samples.get(kind, [])) if http else None))
    lines.append(_row("**all**", uncached.summary(), http.summary() if http else None))
    c = cached.summary()
    lines += ["", f"cached (result cache on, every query already cached, in process): "
                  f"p50 {c['p50']:.2f} ms, p95 {c['p95']:.2f} ms over {c['n']:.0f} queries"]
    worst = sorted(uncached.slowest.items(), key=lambda item: -item[1])[:8]
    lines += ["", "slowest in process (worst of the rounds): "
              + "; ".join(f"{label} {ms:.0f} ms" for label, ms in worst)]
    return "\n".join(lines)


def _suppliers(url: str) -> list[str]:
    """Two supplier names from the data: the largest supplier's full name and a short
    brand + trade fragment of another (`盛康生物`-style)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT o.name, count(*) AS n FROM listings l JOIN organizations o "
                "ON o.id = l.supplier_id GROUP BY o.name ORDER BY n DESC, o.name LIMIT 40"
            )).all()
    finally:
        engine.dispose()
    names = [str(name) for name, _ in rows]
    if not names:
        return []
    fragment = names[len(names) // 2]
    for suffix in ("股份有限公司", "有限责任公司", "有限公司"):
        fragment = fragment.removesuffix(suffix)
    return [names[0], fragment[-6:]]


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=DEFAULT_LISTINGS)
    parser.add_argument("--database-url", help="PostgreSQL URL (wiped unless --reuse)")
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    parser.add_argument("--reuse-index", action="store_true", help="skip the reindex")
    parser.add_argument("--rounds", type=int, default=5, help="measured in-process rounds")
    parser.add_argument("--http-rounds", type=int, default=8,
                        help=f"measured HTTP rounds (at most {MAX_HTTP_ROUNDS})")
    parser.add_argument("--threads", type=int, default=3, help="HTTP client threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not 1 <= args.rounds <= 100 or args.threads < 1 or args.workers < 1:
        parser.error("--rounds must be 1..100; --threads and --workers positive")

    url = prepare_database(args)
    index_path = DATA / f"index-{args.listings}.sqlite3"
    reindexed = None if args.reuse_index and index_path.exists() else reindex(url, index_path)
    mix = query_mix(_suppliers(url))
    uncached, cached, totals = in_process(url, index_path, mix, args.rounds, args.seed)
    s = uncached.summary()
    print(f"in process ({len(mix)} queries × {args.rounds} rounds, no result cache): "
          f"p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms, p99 {s['p99']:.1f} ms")
    http = None
    if not args.no_http:
        http, errors = over_http(url, index_path, mix, args.http_rounds, args.threads,
                                 args.workers, args.seed)
        h = http.summary()
        print(f"HTTP ({h['n']:.0f} requests, {args.threads} client threads, {args.workers} "
              f"workers, {errors} errors): p50 {h['p50']:.1f} ms, p95 {h['p95']:.1f} ms")
    print()
    print(report(args, reindexed, uncached, cached, http))
    if args.json:
        args.json.write_text(json.dumps({
            "listings": args.listings, "reindex": reindexed,
            "in_process": {k: uncached.summary(v) for k, v in uncached.samples.items()}
            | {"all": uncached.summary()},
            "cached": cached.summary(),
            "http": None if http is None else {k: http.summary(v)
                                                for k, v in http.samples.items()}
            | {"all": http.summary()},
            "totals": totals,
        }, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
