"""Failed logins are limited per account and, more loosely, per client address, in the
database by default (`accounts.throttle`). These tests run in the rolled-back transaction
of every API test; `test_login_throttle_workers.py` shares the counts between processes."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from marketplace.accounts import throttle
from marketplace.accounts.models import LoginFailure
from marketplace.extensions import db
from tests.factories import PASSWORD, make_account

OFFICE = "198.51.100.7"
WRONG = "wrong-password-1"


@pytest.fixture
def limits(app, monkeypatch):
    def set_limits(account: str, address: str) -> None:
        monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_LIMIT", account)
        monkeypatch.setitem(app.config, "LOGIN_ADDRESS_LIMIT", address)

    return set_limits


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, moved by hand."""

    class Clock:
        now = 1_900_000_000

        def advance(self, seconds: int) -> None:
            self.now += seconds

    fixed = Clock()
    monkeypatch.setattr(throttle, "_now", lambda: fixed.now)
    return fixed


def login(client, email, password=WRONG, address=OFFICE, **headers):
    return client.post("/api/v1/auth/tokens", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


def test_one_account_from_six_addresses_is_limited_per_account(client, limits):
    limits("5 per minute;20 per hour", "50 per minute;300 per hour")
    account = make_account("buyer")
    addresses = [f"203.0.113.{n}" for n in range(1, 7)]
    statuses = [login(client, account.user.email, address=address).status_code
                for _ in range(30) for address in addresses]
    assert statuses == [401] * 5 + [429] * 175
    # The right password does not get through either until the window ends.
    blocked = login(client, account.user.email, PASSWORD, address="192.0.2.99")
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    assert blocked.json == {"code": 429, "status": "Too Many Requests",
                            "message": blocked.json["message"]}
    assert "retry in" in blocked.json["message"]


def test_a_locked_account_does_not_lock_out_its_neighbours(client, limits):
    limits("3 per minute", "8 per minute")
    locked, colleague, other = (make_account("buyer") for _ in range(3))
    assert [login(client, locked.user.email).status_code for _ in range(13)] == \
        [401] * 3 + [429] * 10
    # Refused attempts cost the address nothing: the colleague behind the same NAT logs in.
    assert login(client, colleague.user.email, PASSWORD).status_code == 201
    # Failures of other accounts count towards the (looser) address limit...
    assert [login(client, f"typo{n}@example.com").status_code for n in range(5)] == [401] * 5
    # ...until it is reached: then everyone behind the address waits.
    assert login(client, colleague.user.email, PASSWORD).status_code == 429
    assert login(client, other.user.email, PASSWORD, address="192.0.2.1").status_code == 201


def test_success_resets_the_account_but_not_the_address(client, limits):
    limits("3 per minute", "5 per minute")
    user, neighbour = make_account("buyer"), make_account("buyer")
    assert [login(client, user.user.email).status_code for _ in range(2)] == [401, 401]
    assert login(client, user.user.email, PASSWORD).status_code == 201
    # The account starts afresh (3 more failures allowed), the address count goes on (2 + 3).
    assert [login(client, user.user.email).status_code for _ in range(3)] == [401] * 3
    assert login(client, neighbour.user.email, PASSWORD).status_code == 429


def test_windows_end_and_the_hourly_limit_holds(client, limits, clock):
    limits("2 per minute;3 per hour", "50 per minute")
    email = make_account("buyer").user.email
    assert [login(client, email).status_code for _ in range(3)] == [401, 401, 429]
    assert login(client, email).headers["Retry-After"] == "60"
    clock.advance(61)
    assert login(client, email).status_code == 401  # a new minute; the hour counts 3
    blocked = login(client, email, PASSWORD)
    assert blocked.status_code == 429
    assert blocked.headers["Retry-After"] == str(3600 - 61)
    clock.advance(3600)
    assert login(client, email, PASSWORD).status_code == 201


def test_unknown_e_mails_are_limited_like_accounts(client, limits):
    limits("3 per minute", "50 per minute")
    known = make_account("buyer").user.email
    assert [login(client, known).status_code for _ in range(4)] == \
        [login(client, "nobody@example.com").status_code for _ in range(4)] == \
        [401, 401, 401, 429]


def test_the_account_is_counted_by_its_normalized_e_mail(client, limits):
    limits("3 per minute", "50 per minute")
    account = make_account("buyer")
    email = account.user.email
    variants = [email.upper(), f"  {email} ", email.replace("e", "ｅ")]  # ｅ: full width
    assert [login(client, variant).status_code for variant in variants] == [401] * 3
    assert login(client, email, PASSWORD).status_code == 429


def test_counts_are_stored_without_the_e_mail(client, limits):
    limits("3 per minute", "50 per minute")
    login(client, "Typed.Password.Here@Example.com")
    keys = set(db.session.scalars(select(LoginFailure.key)))
    digest = hashlib.sha256(b"typed.password.here@example.com").hexdigest()
    assert keys == {f"account:{digest}", f"address:{OFFICE}"}


def test_x_forwarded_for_is_ignored_without_trusted_proxies(app, client, limits):
    assert app.config["TRUSTED_PROXIES"] == 0
    limits("50 per minute", "3 per minute")
    statuses = [login(client, f"user{n}@example.com", address="127.0.0.1",
                      **{"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]


def test_ipv6_clients_are_counted_by_their_64(client, limits):
    limits("50 per minute", "3 per minute")
    statuses = [login(client, f"user{n}@example.com", address=f"2001:db8:0:5::{n + 1}")
                .status_code for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert login(client, "user9@example.com", address="2001:db8:0:6::1").status_code == 401
    # An IPv4 client seen through an IPv6 socket is the IPv4 address.
    assert login(client, "user9@example.com", address="::ffff:203.0.113.5").status_code == 401
    assert db.session.scalar(select(LoginFailure.key).where(
        LoginFailure.key == "address:203.0.113.5")) is not None


def test_expired_windows_are_purged(client, limits, clock):
    limits("5 per minute", "50 per minute")
    for n in range(3):
        login(client, f"gone{n}@example.com", address=f"192.0.2.{n}")
    assert db.session.query(LoginFailure).count() == 6
    clock.advance(61)
    login(client, "fresh@example.com", address="192.0.2.200")
    rows = db.session.scalars(select(LoginFailure)).all()
    assert {row.key for row in rows} == {throttle.account_key("fresh@example.com"),
                                         "address:192.0.2.200"}
    assert all(row.window_ends_at == clock.now + 60 and row.failures == 1 for row in rows)


def test_wrong_current_passwords_count_as_failed_logins(client, limits):
    limits("3 per minute", "50 per minute")
    account = make_account("buyer")
    body = {"current_password": WRONG, "new_password": "rose-petals-2026"}
    statuses = [client.post("/api/v1/auth/password", json=body, headers=account.headers,
                            environ_base={"REMOTE_ADDR": OFFICE}).status_code for _ in range(4)]
    assert statuses == [403, 403, 403, 429]
    assert login(client, account.user.email, PASSWORD).status_code == 429
