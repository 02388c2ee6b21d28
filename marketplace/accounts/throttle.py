"""Failed-login throttling per account and per client address, shared by every worker and host.

Every login attempt is counted as a failure *before* its password is checked, in one window
per limit and key: `account:<sha256 of the normalized e-mail>` (known or not, so a limit
tells nothing about which accounts exist; hashed, so a password typed into the e-mail field
is never stored) and `address:<client ip>` (an IPv6 client by its /64, which one host can
fill). An attempt that would go over any limit is taken back at once and refused with 429
and the seconds until the blocking window ends; a correct password gives its address count
back and clears the account's counts. Counting first makes the limit exact under any
concurrency (no two workers both check a count of 4 and let a sixth guess through) and
means a refused attempt costs its account and address nothing: a locked account does not
use up the address's allowance for the other accounts behind the same address (an office
behind one NAT, or the reverse proxy when `MARKETPLACE_TRUSTED_PROXIES` is wrong).

A window starts at a key's first failure and lasts the limit's period (a fixed window per
key, not aligned to the clock). The counts live in the database (`login_failures`, updated
with single atomic statements) unless `MARKETPLACE_RATELIMIT_STORAGE_URL` names Redis,
where they are counters with an expiry (Flask-Limiter's storage library, `limits`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from flask import Flask
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import Storage, storage_from_string
from sqlalchemy import BigInteger, bindparam, case, delete, select, tuple_, update

from marketplace.accounts.emails import normalize_email
from marketplace.accounts.models import LoginFailure
from marketplace.db.sql import insert_unless_conflict, run
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.web.errors import DomainError, ServiceUnavailable

ACCOUNT = "account:"
ADDRESS = "address:"
_EXTENSION = "login_failure_counter"
# Expired rows deleted by one attempt at most: the cost of an attempt stays bounded.
_PURGE_BATCH = 100


class TooManyFailures(DomainError):
    """Too many failed logins for the account or from the address (429 + Retry-After)."""

    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Too many failed logins for this account or from this address; "
            f"retry in {retry_after} seconds.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Window:
    key: str
    period: int  # seconds
    limit: int  # failures allowed in one window


@dataclass(frozen=True)
class Count:
    window: Window
    failures: int  # including the attempt being made
    ends_at: float | None  # Unix seconds; None when the store did not need to read it


class FailureCounter(Protocol):
    """Where failures are counted. `count` adds one failure to each window; the throttle
    then either `keep`s them or `discard`s them (the attempt was refused)."""

    def count(self, windows: Sequence[Window], now: int) -> list[Count]: ...

    def keep(self) -> None: ...

    def discard(self, counts: Sequence[Count]) -> None: ...

    def give_back(self, counts: Sequence[Count]) -> None:
        """Take this attempt's failure out of `counts` (its password was right)."""

    def clear(self, windows: Sequence[Window]) -> None: ...


def _now() -> int:
    return int(time.time())


def account_key(email: str) -> str:
    return ACCOUNT + hashlib.sha256(normalize_email(email).encode()).hexdigest()


def address_key(address: str | None) -> str:
    """The client address as counted: an IPv4 address, an IPv6 client's /64."""
    text = (address or "unknown").strip()
    try:
        ip = ipaddress.ip_address(text)
        if isinstance(ip, ipaddress.IPv6Address):
            if ip.ipv4_mapped is not None:
                return ADDRESS + str(ip.ipv4_mapped)
            return ADDRESS + str(ipaddress.IPv6Network((ip.exploded, 64), strict=False))
        return ADDRESS + str(ip)
    except ValueError:
        return ADDRESS + text[:64]


@dataclass(frozen=True)
class Attempt:
    """A login attempt that was let through, already counted as a failure."""

    counts: tuple[Count, ...]


class LoginThrottle:
    def __init__(self, counter: FailureCounter, account_limits: Sequence[RateLimitItem],
                 address_limits: Sequence[RateLimitItem]) -> None:
        self.counter = counter
        self.account_limits = account_limits
        self.address_limits = address_limits

    def windows(self, email: str, address: str | None) -> list[Window]:
        account, client = account_key(email), address_key(address)
        return sorted(
            [Window(account, item.get_expiry(), item.amount) for item in self.account_limits]
            + [Window(client, item.get_expiry(), item.amount) for item in self.address_limits],
            key=lambda window: (window.key, window.period))

    def attempt(self, email: str, address: str | None) -> Attempt:
        """Count an attempt as failed before its password is checked; raise TooManyFailures
        (counting nothing) if that would go over a limit. Ends the session's transaction
        with the database store."""
        now = _now()
        counts = self.counter.count(self.windows(email, address), now)
        over = [count for count in counts if count.failures > count.window.limit]
        if over:
            self.counter.discard(counts)
            ends = max((count.ends_at or now + count.window.period) for count in over)
            raise TooManyFailures(max(1, math.ceil(ends - now)))
        self.counter.keep()
        return Attempt(tuple(counts))

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the address gets its count back, the account starts
        afresh. With the database store this joins the caller's transaction."""
        self.counter.give_back(
            [count for count in attempt.counts if count.window.key.startswith(ADDRESS)])
        self.counter.clear(
            [count.window for count in attempt.counts if count.window.key.startswith(ACCOUNT)])


@cache
def parse_limits(text: str) -> tuple[RateLimitItem, ...]:
    """`5 per minute;20 per hour` (Flask-Limiter's notation)."""
    return tuple(parse_many(text))


def login_throttle(app: Flask) -> LoginThrottle:
    """The app's throttle, with its limits as configured now."""
    url = str(app.config["RATELIMIT_STORAGE_URI"])
    built = app.extensions.get(_EXTENSION)
    if built is None or built[0] != url:
        built = app.extensions[_EXTENSION] = (url, build_counter(url))
    return LoginThrottle(built[1], parse_limits(str(app.config["LOGIN_ACCOUNT_LIMIT"])),
                         parse_limits(str(app.config["LOGIN_ADDRESS_LIMIT"])))


def build_counter(storage_url: str) -> FailureCounter:
    """Redis when the rate-limit storage is Redis, else the database (`memory://`, the
    default, is per process and would let every worker count on its own)."""
    if storage_url.split(":", 1)[0].startswith("redis"):
        storage = storage_from_string(storage_url, wrap_exceptions=True)
        assert isinstance(storage, Storage)  # a synchronous one: the scheme is not async+…
        return StorageCounter(storage)
    return DatabaseCounter()


class DatabaseCounter:
    """Counts in `login_failures`: one row per key and period, updated in place."""

    _table = LoginFailure.__table__
    _live = LoginFailure.window_ends_at > bindparam("now", type_=BigInteger)
    _add = (
        update(LoginFailure)
        .where(tuple_(LoginFailure.key, LoginFailure.period)
               .in_(bindparam("windows", expanding=True)))
        .values(failures=case((_live, LoginFailure.failures + 1), else_=1),
                window_ends_at=case((_live, LoginFailure.window_ends_at),
                                    else_=bindparam("now", type_=BigInteger)
                                    + LoginFailure.period))
        .returning(LoginFailure.key, LoginFailure.period, LoginFailure.failures,
                   LoginFailure.window_ends_at)
    )
    # SKIP LOCKED (PostgreSQL; SQLite has one writer anyway): the purge never waits for a
    # row another attempt holds, so it can take part in no deadlock.
    _purge = delete(LoginFailure).where(
        tuple_(LoginFailure.key, LoginFailure.period).in_(
            select(LoginFailure.key, LoginFailure.period)
            .where(LoginFailure.window_ends_at <= bindparam("now", type_=BigInteger))
            .order_by(LoginFailure.window_ends_at)
            .limit(_PURGE_BATCH)
            .with_for_update(skip_locked=True)))
    _give_back = (
        update(LoginFailure)
        .where(LoginFailure.key == bindparam("k"), LoginFailure.period == bindparam("p"),
               LoginFailure.window_ends_at == bindparam("ends_at", type_=BigInteger),
               LoginFailure.failures > 0)
        .values(failures=LoginFailure.failures - 1)
    )

    def count(self, windows: Sequence[Window], now: int) -> list[Count]:
        begin_write()  # SQLite: take the write lock first (an attempt always writes)
        found = self._update(windows, now)
        for window in windows:
            if (window.key, window.period) in found:
                continue
            row = {"key": window.key, "period": window.period, "failures": 1,
                   "window_ends_at": now + window.period}
            if insert_unless_conflict(self._table, row, unique=("key", "period")):
                found[window.key, window.period] = (1, now + window.period)
            else:  # a concurrent first failure inserted it: count on top of that one
                found.update(self._update([window], now))
        run(self._purge, {"now": now})
        return [Count(window, *found[window.key, window.period]) for window in windows]

    def _update(self, windows: Sequence[Window],
                now: int) -> dict[tuple[str, int], tuple[int, int]]:
        params: dict[str, Any] = {
            "now": now, "windows": [(window.key, window.period) for window in windows]}
        return {(key, period): (failures, ends_at)
                for key, period, failures, ends_at in run(self._add, params)}

    def keep(self) -> None:
        db.session.commit()

    def discard(self, counts: Sequence[Count]) -> None:
        db.session.rollback()

    def give_back(self, counts: Sequence[Count]) -> None:
        for count in counts:
            run(self._give_back, {"k": count.window.key, "p": count.window.period,
                                  "ends_at": count.ends_at})

    def clear(self, windows: Sequence[Window]) -> None:
        keys = {window.key for window in windows}
        if keys:
            run(delete(LoginFailure).where(LoginFailure.key.in_(keys)))


class StorageCounter:
    """Counts in a `limits` storage (Redis): one counter per key and period, expiring at
    the end of its window. Each step is atomic; the store is down → 503, never a login
    without a limit."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @staticmethod
    def _name(window: Window) -> str:
        return f"login_failures/{window.key}/{window.period}"

    def count(self, windows: Sequence[Window], now: int) -> list[Count]:
        counts = []
        with _unavailable_on_error():
            for window in windows:
                name = self._name(window)
                failures = self.storage.incr(name, window.period)
                ends_at = self.storage.get_expiry(name) if failures > window.limit else None
                counts.append(Count(window, failures, ends_at))
        return counts

    def keep(self) -> None:
        pass

    def discard(self, counts: Sequence[Count]) -> None:
        self.give_back(counts)

    def give_back(self, counts: Sequence[Count]) -> None:
        with _unavailable_on_error():
            for count in counts:
                self.storage.incr(self._name(count.window), count.window.period, amount=-1)

    def clear(self, windows: Sequence[Window]) -> None:
        with _unavailable_on_error():
            for window in windows:
                self.storage.clear(self._name(window))


@contextmanager
def _unavailable_on_error() -> Iterator[None]:
    try:
        yield
    except StorageError as exc:
        raise ServiceUnavailable(
            "Logins are temporarily unavailable (the rate-limit store cannot be reached); "
            "please retry shortly.") from exc
