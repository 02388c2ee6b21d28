"""Transaction helpers shared by the order services."""

from __future__ import annotations

from sqlalchemy import text

from marketplace.extensions import db


def begin_write() -> None:
    """Make the transaction a writer before it reads anything it will act on.

    PostgreSQL needs nothing: conditional updates and row locks do the work. SQLite in WAL
    mode refuses (at once, without waiting) to turn a read transaction into a write one if
    another connection committed since its first read. So on SQLite the read transaction
    the request started (authentication) is ended, and a no-op UPDATE takes the write lock
    first, waiting up to `busy_timeout` for other writers.
    """
    if db.session.get_bind().dialect.name != "sqlite":
        return
    db.session.commit()
    db.session.execute(text("UPDATE listings SET version = version WHERE 0 = 1"))
