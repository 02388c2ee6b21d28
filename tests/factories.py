"""factory_boy factories bound to the test session (flushed, never committed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from marketplace.accounts.models import Membership, Organization, User
from marketplace.accounts.services import issue_token
from marketplace.catalog.models import Listing
from marketplace.db.clock import utcnow
from marketplace.extensions import db

PASSWORD = "correct horse battery"
# Hashing is deliberately slow; hash once for every factory-made user.
_PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")


class _Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganizationFactory(_Base):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试原料公司 {n}")
    kind = "supplier"
    country = "CN"
    province = "山东"
    verification_status = "unverified"


class UserFactory(_Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    display_name = factory.Sequence(lambda n: f"User {n}")
    password_hash = _PASSWORD_HASH
    is_operator = False


class MembershipFactory(_Base):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = "owner"


@dataclass
class Account:
    user: User
    org: Organization | None
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_account(kind: str | None, *, verified: bool = False, role: str = "owner",
                 operator: bool = False, **org_fields: object) -> Account:
    """A user with a token; `kind=None` makes an organization-less user (operators)."""
    user = UserFactory(is_operator=operator)
    org = None
    if kind is not None:
        status = "verified" if verified else "unverified"
        org = OrganizationFactory(kind=kind, verification_status=status, **org_fields)
        MembershipFactory(user=user, organization=org, role=role)
    issued = issue_token(user, timedelta(hours=1))
    db.session.commit()  # like data an earlier request wrote (the test still rolls it back)
    return Account(user, org, issued.token)


# --------------------------------------------------------------------------- listings


def listing_body(**overrides: Any) -> dict[str, Any]:
    """A valid `POST /api/v1/listings` body (平阴玫瑰 extract); keyword overrides replace
    top-level fields."""
    body: dict[str, Any] = {
        "title_zh": "平阴重瓣玫瑰花提取物",
        "title_en": "Pingyin Double-Petal Rose Flower Extract",
        "inci_name": "Rosa Rugosa Flower Extract",
        "cas_number": "84696-47-9",
        "category": "plant_extract",
        "botanical_name": "Rosa rugosa Thunb.",
        "plant_part": "flower",
        "extraction_method": "water-glycerin extraction",
        "form": "liquid",
        "description": "山东平阴重瓣玫瑰，水-甘油提取。",
        "origin": {"country": "CN", "province": "山东", "city": "济南"},
        "certifications": ["GI", "ISO_22716"],
        "iecic": {"listed": True, "name_zh": "玫瑰（ROSA RUGOSA）花提取物"},
        "specifications": [{"parameter": "pH", "value": "4.0-6.0", "method": "GB/T 13531.1"}],
        "unit": "kg",
        "moq": "5",
        "stock_quantity": "500",
        "lead_time_days": 7,
        "shelf_life_months": 24,
        "packaging": "25 kg drum",
        "price_tiers": [
            {"min_quantity": "5", "unit_price": "180.00"},
            {"min_quantity": "50", "unit_price": "160.00"},
            {"min_quantity": "200", "unit_price": "140.00"},
        ],
        "sample_available": True,
        "incoterms": ["EXW", "FOB"],
    }
    body.update(overrides)
    return body


def make_listing(owner: Account | Organization, *, status: str = "draft",
                 **overrides: Any) -> Listing:
    """A listing of `owner` in `status`, created through the service like a real one."""
    from marketplace.catalog.schemas import ListingInputSchema
    from marketplace.catalog.services import add_draft_listing

    org = owner.org if isinstance(owner, Account) else owner
    assert org is not None
    listing = add_draft_listing(org, ListingInputSchema().load(listing_body(**overrides)))
    now = utcnow()
    if status != "draft":
        listing.status = status
        listing.submitted_at = now
    if status in ("published", "suspended"):
        listing.published_at = now
    db.session.commit()  # like data an earlier request wrote (the test still rolls it back)
    return listing


# --------------------------------------------------------------------------- checkout


SHIPPING_ADDRESS = {
    "recipient": "王经理", "phone": "+86 531 8888 6666", "country": "CN", "province": "上海",
    "city": "上海", "line1": "浦东新区张江路 88 号 3 号楼", "postal_code": "201203",
}


def checkout_body(*items: tuple[Any, Any], **overrides: Any) -> dict[str, Any]:
    """A `POST /api/v1/checkouts` body from (listing or listing id, quantity) pairs."""
    body: dict[str, Any] = {
        "items": [
            {"listing_id": getattr(listing, "id", listing), "quantity": str(quantity)}
            for listing, quantity in items
        ],
        "shipping_address": SHIPPING_ADDRESS,
        "payment_method": "bank_transfer",
    }
    body.update(overrides)
    return body


def publish_via_api(client: Any, supplier: Account, operator: Account, **fields: Any) -> str:
    """Create, submit and approve a listing over HTTP (the outbox path a real one takes)."""
    created = client.post("/api/v1/listings", json=listing_body(**fields),
                          headers=supplier.headers)
    assert created.status_code == 201, created.json
    listing_id: str = created.json["id"]
    submitted = client.post(f"/api/v1/listings/{listing_id}/submit", headers=supplier.headers)
    assert submitted.status_code == 200, submitted.json
    approved = client.post(f"/api/v1/moderation/listings/{listing_id}/approve",
                           headers=operator.headers)
    assert approved.status_code == 200, approved.json
    return listing_id
