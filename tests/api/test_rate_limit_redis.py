"""With MARKETPLACE_RATELIMIT_STORAGE_URL=redis://…, failed logins are counted in Redis, where
every gunicorn worker and host reads the same counter, whatever database each uses. Runs
against the local Redis (127.0.0.1:6379, database 15, flushed around the test); skipped
when none answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import redis

from marketplace.accounts.throttle import account_key
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
import json, sys
from flask_migrate import upgrade
from marketplace.app import create_app
app = create_app()
with app.app_context():
    upgrade()
client = app.test_client()
body = {"email": sys.argv[1], "password": "wrong-password-1"}
print(json.dumps([client.post("/api/v1/auth/tokens", json=body,
                              headers={"X-Forwarded-For": sys.argv[2]}).status_code
                  for _ in range(int(sys.argv[3]))]))
"""


def _worker(tmp_path, host: str, *args: str) -> subprocess.Popen[str]:
    # A separate process configured only through the environment, as gunicorn would be
    # (and the global limiter of this test process stays on its memory storage). Each
    # "host" has a database of its own: only Redis is shared.
    env = {
        **os.environ,
        "MARKETPLACE_DATABASE_URL": f"sqlite:///{tmp_path / host}.sqlite3",
        "MARKETPLACE_SEARCH_INDEX_PATH": str(tmp_path / f"{host}-search.sqlite3"),
        "MARKETPLACE_RATELIMIT_STORAGE_URL": REDIS_URL,
        "MARKETPLACE_LOGIN_ACCOUNT_LIMIT": "3 per hour",
        "MARKETPLACE_LOGIN_ADDRESS_LIMIT": "50 per hour",
        "MARKETPLACE_TRUSTED_PROXIES": "1",
    }
    return subprocess.Popen([sys.executable, "-c", _WORKER, *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _statuses(process: subprocess.Popen[str]) -> list[int]:
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_failed_logins_are_counted_in_redis(redis_db, tmp_path):
    email = "li.xiuying@pingyin-rose.example"
    hosts = [_worker(tmp_path, f"host{n}", email, f"203.0.113.{n}", "3") for n in (1, 2)]
    # Two hosts at once, 6 wrong passwords for one account: 3 checked, as the limit says.
    assert sorted(status for host in hosts for status in _statuses(host)) == \
        [401] * 3 + [429] * 3
    keys = {key.decode(): redis_db.ttl(key) for key in redis_db.keys("*login_failures*")}
    account = f"login_failures/{account_key(email)}/3600"
    assert any(key.endswith(account) for key in keys), keys
    assert all(0 < ttl <= 3600 for ttl in keys.values()), keys
    assert not any(email in key for key in keys)  # the e-mail is stored only hashed


def test_redis_down_answers_503(app, client, monkeypatch):
    # Nothing listens on port 9: the login is refused rather than let through unlimited.
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:9/0")
    response = client.post("/api/v1/auth/tokens",
                           json={"email": "nobody@example.com", "password": "whatever-123"})
    assert response.status_code == 503
    assert response.json["code"] == 503
