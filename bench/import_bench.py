"""Time a listing import through the HTTP layer (`POST /api/v1/listings/import`).

    .venv/bin/python -m bench.import_bench --rows 10000
    .venv/bin/python -m bench.import_bench --rows 10000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_import

Generates the CSV (bench/generate_import_csv.py), builds a fresh database with the real
Alembic migrations (a new SQLite file; with --database-url the database is downgraded to
base first — it is wiped!), registers a supplier, then uploads the file with the Flask test
client and reports wall time, rows/s and the number of drafts created. `--repeat R` runs R
times (fresh database each) and reports best and median; `--profile N` prints the N most
expensive functions (cProfile, cumulative).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import secrets
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from bench.generate_import_csv import generate
from marketplace.accounts.services import register
from marketplace.app import create_app
from marketplace.catalog.models import Listing
from marketplace.extensions import db

TARGET_SECONDS = 20.0


def run(rows: int, database_url: str | None, *, dry_run: bool, profile: int) -> float:
    """One import into a fresh database; prints its figures and returns the seconds."""
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        workdir = Path(tmp)
        csv_path = workdir / f"listings-{rows}.csv"
        size = generate(rows, csv_path)
        url = database_url or f"sqlite:///{workdir / 'bench.sqlite3'}"
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_PATH": str(workdir / "search.sqlite3"),
            "IMPORT_MAX_ROWS": max(rows, 10_000),
        })
        with app.app_context():
            if database_url:
                downgrade(revision="base")
            upgrade()
            _, org, issued = register(
                email="bench@supplier.example", password=secrets.token_urlsafe(16),
                display_name="Bench", org_name="基准测试原料有限公司", org_kind="supplier",
                country="CN", token_ttl=timedelta(hours=1),
            )
            org_id = org.id
            db.session.remove()

        client = app.test_client()
        content = csv_path.read_bytes()
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        response = client.post(
            "/api/v1/listings/import" + ("?dry_run=true" if dry_run else ""),
            data={"file": (io.BytesIO(content), csv_path.name)},
            headers={"Authorization": f"Bearer {issued.token}"},
            content_type="multipart/form-data",
        )
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started

        body = response.get_json()
        if response.status_code != 200:
            raise SystemExit(f"import failed: HTTP {response.status_code}: {body}")
        with app.app_context():
            stored = db.session.scalar(
                select(func.count()).select_from(Listing).where(Listing.supplier_id == org_id)
            )
            db.engine.dispose()

        print(f"{url.split(':', 1)[0]}: {rows} rows, {size / 1024 / 1024:.2f} MiB, "
              f"dry_run={dry_run}: created {body['created']} (failed {body['failed']}, "
              f"in DB {stored}) in {elapsed:.2f} s = {rows / elapsed:.0f} rows/s")
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(profile)
        return elapsed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is wiped)")
    parser.add_argument("--dry-run", action="store_true", help="time ?dry_run=true instead")
    parser.add_argument("--repeat", type=int, default=1, help="runs, each on a fresh database")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="print the N most expensive functions")
    args = parser.parse_args(argv)
    times = sorted(
        run(args.rows, args.database_url, dry_run=args.dry_run, profile=args.profile)
        for _ in range(args.repeat)
    )
    target = TARGET_SECONDS * args.rows / 10_000
    best, median = times[0], statistics.median(times)
    verdict = "OK" if median < target else "TOO SLOW"
    print(f"best {best:.2f} s ({args.rows / best:.0f} rows/s), median {median:.2f} s "
          f"({args.rows / median:.0f} rows/s) over {len(times)} run(s); "
          f"target < {target:.1f} s: {verdict}")


if __name__ == "__main__":
    main()
