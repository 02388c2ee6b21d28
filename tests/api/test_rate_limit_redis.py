"""With MARKETPLACE_RATELIMIT_STORAGE_URL=redis://…, failed logins are counted in Redis, where
every gunicorn worker and host reads the same counter. Runs against the local Redis
(127.0.0.1:6379, database 15, flushed around the test); skipped when none answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import redis

from marketplace.config import load_settings

REDIS_URL = os.environ.get("MARKETPLACE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_db():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def test_env_var_selects_the_storage(tmp_path):
    settings = load_settings(str(tmp_path), {"MARKETPLACE_RATELIMIT_STORAGE_URL": REDIS_URL})
    assert settings["RATELIMIT_STORAGE_URI"] == REDIS_URL


_WORKER = """
import json
from flask_migrate import upgrade
from marketplace.app import create_app
app = create_app()
with app.app_context():
    upgrade()
client = app.test_client()
body = {"email": "nobody@example.com", "password": "wrong-password-1"}
print(json.dumps([client.post("/api/v1/auth/tokens", json=body).status_code for _ in range(4)]))
"""


def test_failed_logins_are_counted_in_redis(redis_db, tmp_path):
    # A separate process configured only through the environment, as gunicorn would be
    # (and the global limiter of this test process stays on its memory storage).
    env = {
        **os.environ,
        "MARKETPLACE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MARKETPLACE_SEARCH_INDEX_PATH": str(tmp_path / "search.sqlite3"),
        "MARKETPLACE_RATELIMIT_STORAGE_URL": REDIS_URL,
        "MARKETPLACE_LOGIN_RATE_LIMIT": "3 per minute",
    }
    done = subprocess.run([sys.executable, "-c", _WORKER], env=env, capture_output=True,
                          text=True, timeout=120, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [401, 401, 401, 429]
    keys = [key.decode() for key in redis_db.keys("*")]
    assert any("create_token" in key for key in keys), keys
