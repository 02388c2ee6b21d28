"""Write transactions: `begin_write` makes the session's transaction a writer before it
reads the rows it will act on.

PostgreSQL needs nothing: conditional updates and row locks do the work. SQLite in WAL
mode refuses (at once, without waiting) to turn a read transaction into a write one if
another connection committed since its first read, so a read-then-write service would
fail under concurrency. On SQLite `begin_write` therefore ends the read-only transaction
the request started (authentication read the token; rolling back a transaction that wrote
nothing discards nothing) and starts the next one with `BEGIN IMMEDIATE`, which takes the
write lock first, waiting up to `busy_timeout` for other writers.

It never commits: a transaction that has already written (flushed ORM changes, or a Core
statement through `db.sql.run`) is a programming error here, not something to persist
half-way, and raises.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, TextClause, event
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from marketplace.extensions import Session, db

#: Connection execution option read by the SQLite "begin" hook (`db.sqlite`).
BEGIN_IMMEDIATE = "marketplace_begin_immediate"
_WROTE = "marketplace_transaction_wrote"


class WriteAfterWrite(RuntimeError):
    """`begin_write` was called in a transaction that has already written."""


def begin_write() -> None:
    session = db.session()  # the request's own Session, not the scoped proxy
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:
        raise WriteAfterWrite(
            "begin_write() must start the transaction's writing; it has already written")
    if session.in_transaction():
        session.rollback()  # read-only so far: nothing is lost
    session.connection(execution_options={BEGIN_IMMEDIATE: True})


def note_if_write(statement: Executable) -> None:
    """Record that the current transaction wrote, if `statement` writes (`db.sql.run`)."""
    if _writes(statement):
        db.session.info[_WROTE] = True


def _writes(statement: Executable) -> bool:
    if isinstance(statement, TextClause):
        return statement.text.lstrip().split(None, 1)[0].upper() in _WRITE_KEYWORDS
    return bool(getattr(statement, "is_dml", False))


_WRITE_KEYWORDS = frozenset({"INSERT", "UPDATE", "DELETE", "WITH", "REPLACE"})


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if _writes(state.statement):
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_flush")
def _flushed(session: OrmSession, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: OrmSession, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended: nothing written now
        session.info.pop(_WROTE, None)
