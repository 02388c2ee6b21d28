"""SQL that differs by dialect, behind one function each."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import CursorResult, Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from marketplace.db.transactions import note_if_write
from marketplace.extensions import db


def run(statement: Executable, params: Any = None) -> CursorResult[*tuple[Any, ...]]:
    """Execute a Core statement in the session's transaction, returning plain rows.

    Like `db.session.execute` (pending ORM changes are flushed first), without the ORM's
    execution layer, which costs as much CPU as the rest of a short statement: `run` is
    for the statements of hot paths (token check, checkout) whose rows nobody needs as
    ORM objects. Measured by instructions per checkout in bench/README.md."""
    db.session.flush()  # nothing to do, and cheap, when the session holds no changes
    note_if_write(statement)
    return db.session.connection().execute(statement, params)


def insert_unless_conflict(table: Table, values: dict[str, Any], *,
                           unique: Sequence[str]) -> bool:
    """INSERT one row unless a row with the same `unique` columns exists; True if inserted.

    `ON CONFLICT (…) DO NOTHING` instead of catching the IntegrityError: on PostgreSQL a
    failed statement aborts the whole transaction, so catching needs a SAVEPOINT (two more
    round trips on every call). A row being inserted by a concurrent transaction makes
    this wait for that transaction and then skip (it committed) or insert (it rolled back).
    Conflicts on other unique columns still raise.
    """
    stmt = _insert_unless_conflict(db.session.get_bind().dialect.name, table, tuple(unique))
    return run(stmt, values).first() is not None


@cache
def _insert_unless_conflict(dialect: str, table: Table, unique: tuple[str, ...]) -> Insert:
    # Built once per table: checkout runs this on every request, and building the
    # statement costs more than executing it. The columns come from the parameters.
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (builder(table).on_conflict_do_nothing(index_elements=list(unique))
            .returning(table.c[unique[0]]))
