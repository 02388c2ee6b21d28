"""Connected accounts of suppliers and the Stripe events already handled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.common.ids import id_factory
from marketplace.common.timeutil import utcnow
from marketplace.common.types import UTCDateTime
from marketplace.extensions import db


class PayoutAccount(db.Model):  # type: ignore[name-defined]
    """A supplier's Stripe Express account: created once, then kept in sync by
    `account.updated` webhooks. A supplier can be paid by card only while `payouts_enabled`."""

    __tablename__ = "payout_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("pac"))
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[str] = mapped_column(String(16), default="stripe")
    account_id: Mapped[str] = mapped_column(String(255), unique=True)
    charges_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    # `created` (Unix seconds) of the newest account event applied: older ones are skipped,
    # so out-of-order deliveries never roll the flags back.
    synced_event_created: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def status(self) -> str:
        if self.payouts_enabled:
            return "enabled"
        return "restricted" if self.details_submitted else "onboarding"


class StripeEvent(db.Model):  # type: ignore[name-defined]
    """One row per Stripe event handled, inserted in the same transaction as its effects:
    the primary key makes every event id take effect exactly once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    # processed, ignored (unknown type), unmatched (names none of our objects), stale
    outcome: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
