"""Sample requests and their statuses."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.catalog.models import Listing
from marketplace.db.clock import utcnow
from marketplace.db.ids import id_factory
from marketplace.db.types import Quantity, UTCDateTime
from marketplace.extensions import db


class SampleStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SHIPPED = "shipped"


OPEN_SAMPLE_STATUSES = (SampleStatus.REQUESTED.value, SampleStatus.ACCEPTED.value)

SAMPLE_TRANSITIONS: dict[str, frozenset[SampleStatus]] = {
    "accept": frozenset({SampleStatus.REQUESTED}),
    "decline": frozenset({SampleStatus.REQUESTED, SampleStatus.ACCEPTED}),
    # Shipping implies acceptance: a supplier may ship straight away.
    "ship": frozenset({SampleStatus.REQUESTED, SampleStatus.ACCEPTED}),
}


class SampleRequest(db.Model):  # type: ignore[name-defined]
    """A buyer asking a supplier for a sample of one listing.

    At most one open (requested/accepted) request per buyer organization and listing,
    enforced by a partial unique index so two simultaneous requests cannot both get in.
    """

    __tablename__ = "sample_requests"
    __table_args__ = (
        Index(
            "uq_sample_requests_open",
            "listing_id",
            "buyer_org_id",
            unique=True,
            sqlite_where=text("status IN ('requested', 'accepted')"),
            postgresql_where=text("status IN ('requested', 'accepted')"),
        ),
        Index("ix_sample_requests_buyer", "buyer_org_id", "created_at"),
        Index("ix_sample_requests_supplier", "supplier_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("smp"))
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    buyer_org_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    supplier_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    requested_by_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(16), default=SampleStatus.REQUESTED.value)
    quantity: Mapped[Decimal | None] = mapped_column(Quantity())
    unit: Mapped[str] = mapped_column(String(4))
    note: Mapped[str | None] = mapped_column(String(2000))
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    decline_reason: Mapped[str | None] = mapped_column(String(1000))
    carrier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    listing: Mapped[Listing] = relationship(lazy="joined")
