from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Organization
from marketplace.catalog.pricing import Tier
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.db.clock import utcnow
from marketplace.db.ids import id_factory
from marketplace.db.types import Money, Quantity, UTCDateTime
from marketplace.extensions import db


class Listing(db.Model):  # type: ignore[name-defined]
    """One supplier's offer of one ingredient.

    `version` increments on every change and is the ETag. `min_unit_price` is the
    cheapest tier's price, kept in the row for search, sorting and outlier checks.
    """

    __tablename__ = "listings"
    __table_args__ = (
        Index("ix_listings_supplier_status", "supplier_id", "status"),
        Index("ix_listings_status_submitted", "status", "submitted_at"),
        Index("ix_listings_inci_name", "inci_name"),
        Index("ix_listings_cas_number", "cas_number"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("lst"))
    supplier_id: Mapped[str] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default=ListingStatus.DRAFT.value)
    version: Mapped[int] = mapped_column(Integer, default=1)

    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    inci_name: Mapped[str] = mapped_column(String(300))
    cas_number: Mapped[str | None] = mapped_column(String(16))
    ec_number: Mapped[str | None] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    botanical_name: Mapped[str | None] = mapped_column(String(200))
    plant_part: Mapped[str | None] = mapped_column(String(100))
    extraction_method: Mapped[str | None] = mapped_column(String(100))
    form: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    origin_country: Mapped[str] = mapped_column(String(2))
    origin_province: Mapped[str | None] = mapped_column(String(64))
    origin_city: Mapped[str | None] = mapped_column(String(64))
    certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    iecic_listed: Mapped[bool] = mapped_column(Boolean, default=False)
    iecic_name_zh: Mapped[str | None] = mapped_column(String(200))
    iecic_serial: Mapped[str | None] = mapped_column(String(32))
    specifications: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    unit: Mapped[str] = mapped_column(String(4))
    moq: Mapped[Decimal] = mapped_column(Quantity())
    stock_quantity: Mapped[Decimal] = mapped_column(Quantity())
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    shelf_life_months: Mapped[int | None] = mapped_column(Integer)
    packaging: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    min_unit_price: Mapped[Decimal] = mapped_column(Money())
    sample_available: Mapped[bool] = mapped_column(Boolean, default=False)
    incoterms: Mapped[list[str]] = mapped_column(JSON, default=list)

    rejection_reason: Mapped[str | None] = mapped_column(String(1000))
    suspension_reason: Mapped[str | None] = mapped_column(String(1000))
    # Set on submit: pre-screen flags for the operator, and the fields changed since the
    # listing was last published (empty for a first submission).
    review_flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    changed_fields: Mapped[list[str]] = mapped_column(JSON, default=list)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    supplier: Mapped[Organization] = relationship(lazy="joined")
    price_tiers: Mapped[list[PriceTier]] = relationship(
        back_populates="listing",
        cascade="all, delete-orphan",
        order_by="PriceTier.min_quantity",
        lazy="selectin",
    )

    @staticmethod
    def stock_covers_moq(stock: Decimal, moq: Decimal) -> bool:
        """The "in stock" of search: at least one minimum order can be filled."""
        return stock > 0 and stock >= moq

    @staticmethod
    def stock_covers_moq_sql(stock: ColumnElement[Decimal],
                             moq: ColumnElement[Decimal]) -> ColumnElement[bool]:
        """`stock_covers_moq` as SQL, for the statements that change stock (`changes.py`).
        The 0 is SQL, not a parameter, so a statement frozen into text keeps it."""
        return and_(stock > literal_column("0"), stock >= moq)

    @property
    def in_stock(self) -> bool:
        return self.stock_covers_moq(self.stock_quantity, self.moq)

    @property
    def tiers(self) -> list[Tier]:
        """The price table as pricing takes it."""
        return [Tier(t.min_quantity, t.unit_price) for t in self.price_tiers]

    @property
    def origin(self) -> dict[str, str | None]:
        return {
            "country": self.origin_country,
            "province": self.origin_province,
            "city": self.origin_city,
        }

    @property
    def iecic(self) -> dict[str, Any]:
        return {
            "listed": self.iecic_listed,
            "name_zh": self.iecic_name_zh,
            "serial": self.iecic_serial,
        }


class PriceTier(db.Model):  # type: ignore[name-defined]
    """Unit price from `min_quantity` upwards (until the next tier)."""

    __tablename__ = "listing_price_tiers"
    __table_args__ = (UniqueConstraint("listing_id", "min_quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    listing_id: Mapped[str] = mapped_column(ForeignKey("listings.id", ondelete="CASCADE"))
    min_quantity: Mapped[Decimal] = mapped_column(Quantity())
    unit_price: Mapped[Decimal] = mapped_column(Money())

    listing: Mapped[Listing] = relationship(back_populates="price_tiers")
