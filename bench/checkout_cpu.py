"""CPU per checkout in process: the WSGI app called directly (no HTTP, no gunicorn), on
PostgreSQL, with the checkout bench's data.

    .venv/bin/python -m bench.checkout_cpu --checkouts 2000
    .venv/bin/python -m bench.checkout_cpu --checkouts 2000 --refusals   # every one a 409
    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/checkout.cg \\
        .venv/bin/python -m bench.checkout_cpu --checkouts 100 --warm-up 30 --callgrind

This VM's speed drifts by ±15 % from minute to minute, which hides a change of a few
percent in any timing. Under callgrind the script switches instrumentation on for the
measured checkouts only (`callgrind_control -i on|off`), so valgrind's "Collected" count
divided by `--checkouts` is the instructions per checkout of this process (PostgreSQL's work
is not in it): the same count on every run of the same code, whatever the machine does.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from typing import Any

from sqlalchemy import update

from bench.checkout_bench import (
    ADDRESS,
    add_postgres_url_argument,
    create_database,
    drop_database,
    random_items,
    seed,
)
from marketplace.app import create_app
from marketplace.catalog.models import Listing
from marketplace.extensions import db


def environ(token: str, items: list[dict[str, str]]) -> dict[str, Any]:
    """A WSGI environ for `POST /api/v1/checkouts`, as gunicorn would build it."""
    body = json.dumps({"items": items, "shipping_address": ADDRESS,
                       "payment_method": "bank_transfer"}, ensure_ascii=False).encode()
    return {
        "REQUEST_METHOD": "POST", "PATH_INFO": "/api/v1/checkouts", "SCRIPT_NAME": "",
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
        "wsgi.multiprocess": True, "wsgi.run_once": False, "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)), "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_HOST": "127.0.0.1:8000", "REMOTE_ADDR": "127.0.0.1",
    }


def _callgrind(switch: str) -> None:
    subprocess.run(["callgrind_control", "-i", switch, str(os.getpid())], check=True,
                   capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_postgres_url_argument(parser)
    parser.add_argument("--checkouts", type=int, default=2000)
    parser.add_argument("--warm-up", type=int, default=200)
    parser.add_argument("--refusals", action="store_true",
                        help="every checkout asks for a sold-out listing (409)")
    parser.add_argument("--callgrind", action="store_true",
                        help="running under valgrind --tool=callgrind --instr-atstart=no")
    args = parser.parse_args()

    name = f"marketplace_bench_checkout_cpu_{os.getpid()}"
    url = create_database(args.postgres_url, name)
    tmp = tempfile.TemporaryDirectory(prefix="checkout-cpu-")
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                          "SEARCH_INDEX_PATH": os.path.join(tmp.name, "search.sqlite3")})
        # Fewer accounts under callgrind, where seeding is fifty times slower.
        suppliers, buyers = (5, 10) if args.callgrind else (20, 50)
        grouped, tokens, race_id = seed(app, suppliers=suppliers, per_supplier=10,
                                        buyers=buyers)
        rng = random.Random(1)
        if args.refusals:
            with app.app_context():
                db.session.execute(update(Listing).where(Listing.id == race_id)
                                   .values(stock_quantity=0))
                db.session.commit()
        total = args.warm_up + args.checkouts
        environs = [environ(tokens[i % len(tokens)],
                            [{"listing_id": race_id, "quantity": "1"}] if args.refusals
                            else random_items(grouped, rng)) for i in range(total)]
        statuses: Counter[str] = Counter()

        def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
            statuses[status] += 1

        for env in environs[:args.warm_up]:
            b"".join(app.wsgi_app(env, start_response))
        if args.callgrind:
            _callgrind("on")
        cpu, wall = time.process_time(), time.perf_counter()
        for env in environs[args.warm_up:]:
            b"".join(app.wsgi_app(env, start_response))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if args.callgrind:
            _callgrind("off")
        with app.app_context():
            db.engine.dispose()
    finally:
        drop_database(args.postgres_url, name)
        tmp.cleanup()
    print(json.dumps({"checkouts": args.checkouts, "statuses": dict(statuses),
                      "cpu_ms_per_checkout": round(1000 * cpu / args.checkouts, 3),
                      "wall_ms_per_checkout": round(1000 * wall / args.checkouts, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
