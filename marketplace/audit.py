"""The append-only audit log: every operator decision, payment confirmation and refund.

`record` adds an entry to the caller's transaction, so the log can never disagree with the
data it describes. Nothing updates or deletes entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import JSON, ForeignKey, Index, Select, String, select
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db.clock import utcnow
from marketplace.db.ids import id_factory
from marketplace.db.types import UTCDateTime
from marketplace.extensions import db


class AuditLogEntry(db.Model):  # type: ignore[name-defined]
    """One operator (or payment) decision. Append-only: nothing updates or deletes rows."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id", "at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("aud"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Actor(Protocol):
    """Who decided (a user); None in `record` means the system (webhooks, expiry)."""

    @property
    def id(self) -> str: ...


def record(
    *,
    actor: Actor | None,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Add an audit entry to the current transaction (the caller commits)."""
    entry = AuditLogEntry(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
    )
    db.session.add(entry)
    return entry


def audit_log_query(
    *, target_id: str | None = None, action: str | None = None
) -> Select[tuple[AuditLogEntry]]:
    """Entries newest first, optionally of one target or one action."""
    stmt = select(AuditLogEntry)
    if target_id:
        stmt = stmt.where(AuditLogEntry.target_id == target_id)
    if action:
        stmt = stmt.where(AuditLogEntry.action == action)
    return stmt.order_by(AuditLogEntry.at.desc(), AuditLogEntry.id.desc())
