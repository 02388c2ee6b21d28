"""SQLite engine settings that make the embedded default behave like a real database.

* pysqlite's own transaction handling is switched off and SQLAlchemy emits BEGIN itself,
  so SAVEPOINTs work (the test suite and nested service transactions rely on them); a
  transaction started by `db.transactions.begin_write` begins with BEGIN IMMEDIATE.
* WAL lets several gunicorn workers read while one writes; busy_timeout waits (up to 30 s)
  for a lock instead of failing at once; foreign keys are enforced as on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from marketplace.db.transactions import BEGIN_IMMEDIATE


def configure_sqlite_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # `db.transactions.begin_write` asks for the write lock up front.
        immediate = conn.get_execution_options().get(BEGIN_IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
