"""Failed-login counts hold across workers and hosts: separate processes (as gunicorn
workers are) configured only through the environment share one database, and so share
the counts, exactly, even when attempts race.

These tests commit for real, so they use their own database (a SQLite file, a dedicated
PostgreSQL database), not the rolled-back `app` of conftest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade

from marketplace.app import create_app
from marketplace.extensions import db
from tests.conftest import _create_postgres_database, _drop_postgres_database
from tests.factories import PASSWORD, make_account

ACCOUNT_LIMIT = "5 per hour"  # an hour: slow process start-ups never end a window mid-test

_WORKER = """
import json, sys
from marketplace.app import create_app
email, password, address, attempts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
client = create_app().test_client()
body = {"email": email, "password": password}
# Behind one trusted reverse proxy: the client address is the last X-Forwarded-For entry.
statuses = [client.post("/api/v1/auth/tokens", json=body,
                        headers={"X-Forwarded-For": address}).status_code
            for _ in range(attempts)]
print(json.dumps(statuses))
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           worker_id: str, testrun_uid: str) -> Iterator[tuple[Flask, dict[str, str]]]:
    """An app on a database of its own, and the environment of worker processes using it."""
    instance = Path(tmp_path_factory.mktemp("throttle"))
    name = f"marketplace_throttle_{testrun_uid[:10]}_{worker_id}"
    if request.param == "sqlite":
        url = f"sqlite:///{instance / 'throttle.sqlite3'}"
    else:
        url = _create_postgres_database(name)
    settings: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": url,
        "SEARCH_INDEX_PATH": str(instance / "search.sqlite3"),
        "RATELIMIT_STORAGE_URI": "memory://",  # the default: counts go to the database
        "LOGIN_ACCOUNT_LIMIT": ACCOUNT_LIMIT,
        "LOGIN_ADDRESS_LIMIT": "50 per hour",
    }
    app = create_app({"TESTING": True, **settings,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 20, "max_overflow": 10}})
    with app.app_context():
        upgrade()
    env = {
        **os.environ,
        "MARKETPLACE_DATABASE_URL": url,
        "MARKETPLACE_SEARCH_INDEX_PATH": settings["SEARCH_INDEX_PATH"],
        "MARKETPLACE_RATELIMIT_STORAGE_URL": "memory://",
        "MARKETPLACE_LOGIN_ACCOUNT_LIMIT": ACCOUNT_LIMIT,
        "MARKETPLACE_LOGIN_ADDRESS_LIMIT": "50 per hour",
        "MARKETPLACE_TRUSTED_PROXIES": "1",
    }
    yield app, env
    with app.app_context():
        db.engine.dispose()
    if request.param == "postgresql":
        _drop_postgres_database(name)


def _account(app: Flask) -> str:
    with app.app_context():
        email = make_account("buyer").user.email
        db.session.commit()
    return email


def _worker(env: dict[str, str], email: str, password: str, address: str,
            attempts: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", _WORKER, email, password, address, str(attempts)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _statuses(process: subprocess.Popen[str]) -> list[int]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_two_workers_share_the_counts_exactly(shared):
    app, env = shared
    email = _account(app)
    # Two processes at once, from two addresses: 8 wrong passwords for one account, of
    # which exactly the account's 5 are checked (each worker counting alone would let 8).
    workers = [_worker(env, email, "wrong-password-1", f"203.0.113.{n}", 4) for n in (1, 2)]
    statuses = sorted(status for worker in workers for status in _statuses(worker))
    assert statuses == [401] * 5 + [429] * 3
    # A third instance (this process's app) sees the same counts: the right password waits.
    blocked = app.test_client().post("/api/v1/auth/tokens",
                                     json={"email": email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 3600


def test_racing_threads_never_get_more_than_the_limit(shared):
    app, _env = shared
    email = _account(app)
    threads_count = 16
    barrier = threading.Barrier(threads_count)
    results: list[int] = []

    def attempt(n: int) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post("/api/v1/auth/tokens",
                               json={"email": email, "password": "wrong-password-1"},
                               environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
        results.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(results) == [401] * 5 + [429] * (threads_count - 5)
