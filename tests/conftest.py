"""Test fixtures (Warehouse style): the schema is built once per database with Alembic,
and every test runs inside a transaction that is rolled back when it ends.

Every test that uses `app`/`client` runs twice: on SQLite and on PostgreSQL. PostgreSQL is
taken from MARKETPLACE_TEST_POSTGRES_URL (default: the local server on 127.0.0.1:5432); when
it cannot be reached the PostgreSQL half is skipped locally and fails under CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.engine import make_url

from marketplace.app import create_app
from marketplace.extensions import db, limiter

POSTGRES_URL = os.environ.get(
    "MARKETPLACE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _create_postgres_database(name: str) -> str:
    admin = make_url(POSTGRES_URL)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        if IN_CI:
            raise
        pytest.skip(f"PostgreSQL not reachable at {admin.host}:{admin.port}: {exc}")
    return admin.set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(name: str) -> None:
    conninfo = make_url(POSTGRES_URL).set(drivername="postgresql")
    with psycopg.connect(conninfo.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                 worker_id: str, testrun_uid: str) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    # Unique per run and worker, so concurrent runs on one server never share a database.
    name = f"marketplace_test_{testrun_uid[:10]}_{worker_id}"
    url = _create_postgres_database(name)
    yield url
    _drop_postgres_database(name)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = Path(tmp_path_factory.mktemp("instance"))
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SEARCH_INDEX_PATH": str(instance / "search.sqlite3"),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with application.app_context():
        upgrade()  # the real migrations, once per database
        yield application
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Pin all sessions to one connection whose transaction is rolled back after the test.

    Service code may commit freely: with `create_savepoint` a commit only releases a
    SAVEPOINT inside the outer transaction.
    """
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
        limiter.reset()
        # The search index is a file outside the rolled-back transaction: start empty.
        application.extensions["search_backend"].clear()
        try:
            yield
        finally:
            db.session.remove()
            db.session.configure(bind=None)
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def supplier(app: Flask) -> Any:
    from tests.factories import make_account

    return make_account("supplier", verified=True, name="平阴玫瑰测试供应商")


@pytest.fixture
def other_supplier(app: Flask) -> Any:
    from tests.factories import make_account

    return make_account("supplier", verified=True, name="另一家供应商")


@pytest.fixture
def buyer(app: Flask) -> Any:
    from tests.factories import make_account

    return make_account("buyer", name="清妍化妆品")


@pytest.fixture
def operator(app: Flask) -> Any:
    from tests.factories import make_account

    return make_account(None, operator=True)
