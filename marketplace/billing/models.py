"""The Stripe events already handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db.clock import utcnow
from marketplace.db.types import UTCDateTime
from marketplace.extensions import db


class StripeEvent(db.Model):  # type: ignore[name-defined]
    """One row per Stripe event handled, inserted in the same transaction as its effects:
    the primary key makes every event id take effect exactly once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    # processed, ignored (unknown type), unmatched (names none of our objects), stale
    outcome: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
