from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.ids import id_factory
from marketplace.common.timeutil import utcnow
from marketplace.common.types import UTCDateTime
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
