"""The transactional outbox: every listing change leaves a row in the same transaction
(written by `catalog.changes`, the one place a listing change is built).

A row only says "listing X changed (now at version V)". Whoever drains it reads the
listing's current state and upserts or deletes its document, so rows can be drained in
any order, twice, or late, and the index still converges on the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db.clock import utcnow
from marketplace.db.types import UTCDateTime
from marketplace.extensions import db

#: Set on the session when a row was written; the app drains after the request.
PENDING_FLAG = "search_outbox_pending"


class SearchOutboxEntry(db.Model):  # type: ignore[name-defined]
    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[str] = mapped_column(String(32), index=True)
    listing_version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the backend refused the listing's document for good (say, a mapping error):
    # the row is kept, with the reason, but no longer drained, so it cannot hold up the
    # rows behind it. `flask search sync --retry-parked` tries such rows again; a later
    # change of the listing writes a new row, which is drained normally.
    parked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_error: Mapped[str | None] = mapped_column(Text())
