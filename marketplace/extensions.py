"""Flask extensions, created unbound and attached in `create_app` (flaskr style)."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from werkzeug.middleware.proxy_fix import ProxyFix

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Session(FlaskSession):
    """Honours an explicit `bind` (a Connection) before Flask-SQLAlchemy's engine lookup.

    The test suite pins every session to one connection inside an outer transaction
    that is rolled back after each test; production never passes `bind`.
    """

    def get_bind(
        self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any
    ) -> Any:
        if bind is None and self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
migrate = Migrate()
# Keyed by `request.remote_addr`: the client's address, read from X-Forwarded-For only
# through MARKETPLACE_TRUSTED_PROXIES proxies (werkzeug's ProxyFix, in `create_app`).
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: Endpoints that declare a Flask-Limiter limit. Every other request skips the limiter's
#: per-request limit resolution (a few percent of a checkout's CPU). None today: failed
#: logins are counted by `accounts.throttle`, in the database or Redis, shared by every
#: worker; add an endpoint here when you give it a `@limiter.limit`.
RATE_LIMITED_ENDPOINTS: frozenset[str] = frozenset()


@limiter.request_filter
def _not_rate_limited() -> bool:
    return request.endpoint not in RATE_LIMITED_ENDPOINTS


def trust_proxies(app: Flask) -> None:
    """Take the client address (`request.remote_addr`, and nothing else: not the scheme,
    host or prefix) from X-Forwarded-For, through the MARKETPLACE_TRUSTED_PROXIES reverse
    proxies in front of the app: each appends the address it received from, so the entry
    that many places from the end is the one the outermost trusted proxy saw. With 0, the
    default, the header is ignored: any client can write it."""
    app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
        app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"], x_proto=0, x_host=0, x_port=0,
        x_prefix=0)
