"""`db.transactions.begin_write` on a real SQLite file (its own app: these tests commit).

A write transaction takes SQLite's write lock when it begins (BEGIN IMMEDIATE), so a
second writer waits instead of failing later; it never commits what came before it, and it
refuses to start after the transaction has already written.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from marketplace.accounts.models import Organization
from marketplace.app import create_app
from marketplace.db.sql import run
from marketplace.db.transactions import WriteAfterWrite, begin_write
from marketplace.extensions import db


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    instance = Path(tmp_path_factory.mktemp("write-tx"))
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'db.sqlite3'}",
        "SEARCH_INDEX_PATH": str(instance / "search.sqlite3"),
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def _other_writer_is_locked_out(app: Flask) -> bool:
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


def test_a_write_transaction_holds_the_write_lock_from_its_start(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        db.session.scalar(select(func.count()).select_from(Organization))  # a read first
        assert not _other_writer_is_locked_out(sqlite_app)
        begin_write()
        assert _other_writer_is_locked_out(sqlite_app)  # before this transaction wrote
        db.session.rollback()
        assert not _other_writer_is_locked_out(sqlite_app)


def test_begin_write_never_commits_and_refuses_after_a_write(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        db.session.add(Organization(name="未提交的供应商", kind="supplier"))
        db.session.flush()
        with pytest.raises(WriteAfterWrite):
            begin_write()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).where(
            Organization.name == "未提交的供应商")) == 0

        begin_write()
        run(text("INSERT INTO organizations (id, name, kind, country, verification_status,"
                 " created_at) VALUES ('org_x', 'x', 'buyer', 'CN', 'unverified',"
                 " CURRENT_TIMESTAMP)"))
        with pytest.raises(WriteAfterWrite):  # a Core write counts as well
            begin_write()
        db.session.rollback()
        begin_write()  # a new transaction may write again
        db.session.rollback()
