"""Login throttling settings, and the client address taken through trusted proxies only."""

from __future__ import annotations

import pytest
from flask import Flask, request

from marketplace.accounts.throttle import DatabaseCounter, address_key, build_counter
from marketplace.config import ConfigError, load_settings
from marketplace.extensions import trust_proxies


def test_defaults(tmp_path):
    settings = load_settings(str(tmp_path), {})
    assert settings["LOGIN_ACCOUNT_LIMIT"] == "5 per minute;20 per hour"
    assert settings["LOGIN_ADDRESS_LIMIT"] == "50 per minute;300 per hour"
    assert settings["TRUSTED_PROXIES"] == 0


def test_env_vars_and_the_former_name(tmp_path):
    settings = load_settings(str(tmp_path), {
        "MARKETPLACE_LOGIN_ACCOUNT_LIMIT": "3 per minute",
        "MARKETPLACE_LOGIN_RATE_LIMIT": "40 per minute",
        "MARKETPLACE_TRUSTED_PROXIES": "2",
    })
    assert settings["LOGIN_ACCOUNT_LIMIT"] == "3 per minute"
    assert settings["LOGIN_ADDRESS_LIMIT"] == "40 per minute"
    assert settings["TRUSTED_PROXIES"] == 2
    newer = load_settings(str(tmp_path), {"MARKETPLACE_LOGIN_RATE_LIMIT": "40 per minute",
                                          "MARKETPLACE_LOGIN_ADDRESS_LIMIT": "60/minute"})
    assert newer["LOGIN_ADDRESS_LIMIT"] == "60/minute"


@pytest.mark.parametrize(("name", "value"), [
    ("MARKETPLACE_LOGIN_ACCOUNT_LIMIT", "five a minute"),
    ("MARKETPLACE_LOGIN_ADDRESS_LIMIT", "50 per fortnight"),
    ("MARKETPLACE_TRUSTED_PROXIES", "-1"),
    ("MARKETPLACE_TRUSTED_PROXIES", "one"),
])
def test_malformed_settings_fail_at_start(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings(str(tmp_path), {name: value})


def test_the_database_counts_unless_the_storage_is_redis():
    assert isinstance(build_counter("memory://"), DatabaseCounter)
    assert not isinstance(build_counter("redis://127.0.0.1:6379/15"), DatabaseCounter)


def _address_app(proxies: int) -> Flask:
    app = Flask(__name__)
    app.config["TRUSTED_PROXIES"] = proxies
    trust_proxies(app)

    @app.get("/")
    def where() -> dict[str, str]:
        return {"addr": str(request.remote_addr), "scheme": request.scheme,
                "host": request.host}

    return app


@pytest.mark.parametrize(("proxies", "client"), [
    (0, "10.0.0.2"),  # the header is ignored: anyone can write it
    (1, "198.51.100.1"),  # what our nginx saw
    (2, "203.0.113.9"),  # what the outer of two proxies saw
])
def test_client_address_through_trusted_proxies(proxies, client):
    response = _address_app(proxies).test_client().get(
        "/", environ_base={"REMOTE_ADDR": "10.0.0.2"},
        headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.1",
                 "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"})
    # Only the address changes: never the scheme or host the app builds URLs from.
    assert response.json == {"addr": client, "scheme": "http", "host": "localhost"}


def test_a_shorter_header_than_the_proxies_is_not_believed():
    response = _address_app(2).test_client().get(
        "/", environ_base={"REMOTE_ADDR": "10.0.0.2"}, headers={"X-Forwarded-For": "1.2.3.4"})
    assert response.json["addr"] == "10.0.0.2"


@pytest.mark.parametrize(("address", "key"), [
    ("203.0.113.5", "address:203.0.113.5"),
    ("2001:db8:0:5::1", "address:2001:db8:0:5::/64"),
    ("2001:DB8:0:5:ffff:1:2:3", "address:2001:db8:0:5::/64"),
    ("::ffff:203.0.113.5", "address:203.0.113.5"),
    (None, "address:unknown"),
    ("not an address", "address:not an address"),
])
def test_address_keys(address, key):
    assert address_key(address) == key
