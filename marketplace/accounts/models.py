from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db.clock import utcnow
from marketplace.db.ids import id_factory
from marketplace.db.types import UTCDateTime
from marketplace.extensions import db


class OrgKind(enum.StrEnum):
    SUPPLIER = "supplier"
    BUYER = "buyer"


class Role(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"


class VerificationStatus(enum.StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Organization(db.Model):  # type: ignore[name-defined]
    __tablename__ = "organizations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("org"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2), default="CN")
    province: Mapped[str | None] = mapped_column(String(64))
    city: Mapped[str | None] = mapped_column(String(64))
    verification_status: Mapped[str] = mapped_column(
        String(16), default=VerificationStatus.UNVERIFIED.value
    )
    legal_name: Mapped[str | None] = mapped_column(String(200))
    # Unique: two organizations cannot both claim one legal entity's 统一社会信用代码.
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    verification_reason: Mapped[str | None] = mapped_column(String(1000))
    verification_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organization")

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED


class User(db.Model):  # type: ignore[name-defined]
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("usr"))
    # Stored normalized (NFKC, lower case: `accounts.emails`), so look-ups ignore case and
    # character width on every database.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    membership: Mapped[Membership | None] = relationship(back_populates="user", uselist=False)


class Membership(db.Model):  # type: ignore[name-defined]
    """A user's place in an organization. One organization per user (today's product)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("mem"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organization_id: Mapped[str] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="membership")
    organization: Mapped[Organization] = relationship(back_populates="memberships")


class ApiToken(db.Model):  # type: ignore[name-defined]
    """An opaque bearer token. Only its SHA-256 is stored; the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=id_factory("tok"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


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


class LoginFailure(db.Model):  # type: ignore[name-defined]
    """Failed logins counted per key (`account:<sha256 of the e-mail>`, `address:<ip>`) in
    one fixed window per limit period, starting at the first failure (`accounts.throttle`).

    Shared by every worker and host through the database; a row whose window has ended is
    reset by the next failure or deleted by a later attempt."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    period: Mapped[int] = mapped_column(Integer, primary_key=True)  # seconds
    failures: Mapped[int] = mapped_column(Integer)
    window_ends_at: Mapped[int] = mapped_column(BigInteger, index=True)  # Unix seconds
