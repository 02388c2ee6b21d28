"""Every setting of the service, read from the environment in one place.

Operators and deploy scripts rely on these names (see README "Configuration").
`create_app(config)` lets tests override any key after the environment is read.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from limits import parse_many


class ConfigError(RuntimeError):
    """A required setting is missing or malformed."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _rate_limits(env: Mapping[str, str], name: str, default: str, *,
                 fallback: str | None = None) -> str:
    """A limit in Flask-Limiter's notation (`5 per minute;20 per hour`), checked now."""
    raw = env.get(name) or (env.get(fallback) if fallback else None) or default
    try:
        parse_many(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be limits such as '5 per minute;20 per hour', "
                          f"got {raw!r}") from exc
    return raw


def load_settings(instance_path: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Translate MARKETPLACE_* (and vendor) env vars into Flask config keys."""
    env = os.environ if env is None else env
    instance = Path(instance_path)
    debug = _bool(env, "MARKETPLACE_DEBUG", False)

    secret_key = env.get("MARKETPLACE_SECRET_KEY")
    if not secret_key:
        if not debug and env.get("MARKETPLACE_ENV", "development") == "production":
            raise ConfigError("MARKETPLACE_SECRET_KEY is required in production")
        # Tokens are opaque and stored hashed, so a per-process key only affects
        # anything signed with it (nothing persistent today).
        secret_key = secrets.token_hex(32)

    stripe_key = env.get("STRIPE_SECRET_KEY", "")
    default_gateways = "bank_transfer,stripe" if stripe_key else "bank_transfer"
    gateways = [
        g.strip()
        for g in env.get("MARKETPLACE_PAYMENT_GATEWAYS", default_gateways).split(",")
        if g.strip()
    ]

    trusted_proxies = _int(env, "MARKETPLACE_TRUSTED_PROXIES", 0)
    if trusted_proxies < 0:
        raise ConfigError(f"MARKETPLACE_TRUSTED_PROXIES must be 0 or more, got {trusted_proxies}")

    return {
        "ENV_NAME": env.get("MARKETPLACE_ENV", "development"),
        "DEBUG": debug,
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": env.get(
            "MARKETPLACE_DATABASE_URL", f"sqlite:///{instance / 'marketplace.sqlite3'}"
        ),
        "SEARCH_BACKEND": env.get("MARKETPLACE_SEARCH_BACKEND", "embedded"),
        "SEARCH_INDEX_PATH": env.get(
            "MARKETPLACE_SEARCH_INDEX_PATH", str(instance / "search.sqlite3")
        ),
        "ELASTICSEARCH_URL": env.get("ELASTICSEARCH_URL", ""),
        "SEARCH_INDEX_PREFIX": env.get("MARKETPLACE_SEARCH_INDEX_PREFIX", "listings"),
        "PAYMENT_GATEWAYS": gateways,
        "STRIPE_SECRET_KEY": stripe_key,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE", ""),
        "STRIPE_MAX_NETWORK_RETRIES": _int(env, "STRIPE_MAX_NETWORK_RETRIES", 2),
        # Where Stripe sends a supplier back after (or when the link expired during) onboarding.
        "PAYOUTS_RETURN_URL": env.get("MARKETPLACE_PAYOUTS_RETURN_URL",
                                      "http://localhost:3000/settings/payouts?onboarding=done"),
        "PAYOUTS_REFRESH_URL": env.get("MARKETPLACE_PAYOUTS_REFRESH_URL",
                                       "http://localhost:3000/settings/payouts?onboarding=retry"),
        "PLATFORM_FEE_BPS": _int(env, "MARKETPLACE_PLATFORM_FEE_BPS", 300),
        "CHECKOUT_TTL_MINUTES": _int(env, "MARKETPLACE_CHECKOUT_TTL_MINUTES", 60),
        "TOKEN_TTL_HOURS": _int(env, "MARKETPLACE_TOKEN_TTL_HOURS", 24 * 30),
        # Flask-Limiter's storage. Failed logins are counted there when it is Redis
        # (redis://, rediss://, redis+sentinel://, redis+cluster://), else in the database.
        "RATELIMIT_STORAGE_URI": env.get("MARKETPLACE_RATELIMIT_STORAGE_URL", "memory://"),
        # Failed logins allowed per account (e-mail) and per client address; the address
        # limit is looser, so one attacker does not lock out an office behind one NAT.
        # MARKETPLACE_LOGIN_RATE_LIMIT is the address limit's former name.
        "LOGIN_ACCOUNT_LIMIT": _rate_limits(env, "MARKETPLACE_LOGIN_ACCOUNT_LIMIT",
                                            "5 per minute;20 per hour"),
        "LOGIN_ADDRESS_LIMIT": _rate_limits(env, "MARKETPLACE_LOGIN_ADDRESS_LIMIT",
                                            "50 per minute;300 per hour",
                                            fallback="MARKETPLACE_LOGIN_RATE_LIMIT"),
        # Reverse proxies in front of the app whose X-Forwarded-For entries are believed
        # (the client address is the one the outermost trusted proxy saw); 0 ignores the
        # header, which a client can set to anything.
        "TRUSTED_PROXIES": trusted_proxies,
        "IMPORT_MAX_BYTES": _int(env, "MARKETPLACE_IMPORT_MAX_BYTES", 5 * 1024 * 1024),
        "IMPORT_MAX_ROWS": _int(env, "MARKETPLACE_IMPORT_MAX_ROWS", 10_000),
        # Bounds on the work one import file may cause, whatever it declares (an XLSX sheet
        # can claim a million rows in 2 KB): blank rows, cells read, inflated XLSX size, and
        # the compression ratio of any XLSX part of 1 MiB or more.
        "IMPORT_MAX_BLANK_ROWS": _int(env, "MARKETPLACE_IMPORT_MAX_BLANK_ROWS", 10_000),
        "IMPORT_MAX_CELLS": _int(env, "MARKETPLACE_IMPORT_MAX_CELLS", 500_000),
        "IMPORT_MAX_UNCOMPRESSED_BYTES": _int(env, "MARKETPLACE_IMPORT_MAX_UNCOMPRESSED_BYTES",
                                              50 * 1024 * 1024),
        "IMPORT_MAX_COMPRESSION_RATIO": _int(env, "MARKETPLACE_IMPORT_MAX_COMPRESSION_RATIO",
                                             100),
        "BANK_ACCOUNT_NAME": env.get("MARKETPLACE_BANK_ACCOUNT_NAME", "美谷原料科技有限公司"),
        "BANK_ACCOUNT_NUMBER": env.get("MARKETPLACE_BANK_ACCOUNT_NUMBER", "6222 0000 0000 0000"),
        "BANK_NAME": env.get("MARKETPLACE_BANK_NAME", "中国工商银行 济南分行"),
        # Flask/extension settings derived from the above.
        "SQLALCHEMY_TRACK_MODIFICATIONS": False,
        "MAX_CONTENT_LENGTH": _int(env, "MARKETPLACE_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
        + 64 * 1024,
        "JSON_SORT_KEYS": False,
        "API_TITLE": "美谷原料 Marketplace API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Swagger UI assets are served by the app itself (swagger-ui-bundle), so the
        # docs work offline and no third-party CDN sees our users.
        "OPENAPI_SWAGGER_UI_URL": "/api/docs/assets/",
        "RATELIMIT_HEADERS_ENABLED": True,
    }
