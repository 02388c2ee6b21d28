"""Builds the demo data set from `data.py`. Idempotent: running it twice adds nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from marketplace.accounts.models import (
    Membership,
    Organization,
    OrgKind,
    Role,
    User,
    VerificationStatus,
)
from marketplace.accounts.services import PASSWORD_METHOD
from marketplace.db.clock import utcnow
from marketplace.demo import data
from marketplace.demo.listings_seed import seed_listings
from marketplace.extensions import db
from marketplace.web.validators import uscc_check_character


def demo_uscc(region: str, seq: int) -> str:
    first17 = f"91{region}MA3{seq:06d}"
    return first17 + uscc_check_character(first17)


def _user(email: str, name: str, password_hash: str, *, operator: bool = False) -> User:
    return User(email=email, display_name=name, password_hash=password_hash, is_operator=operator)


def seed(progress: Callable[[str], Any] = lambda _msg: None) -> dict[str, Organization]:
    """Create operator, suppliers, buyers and listings, skipping what exists."""
    password_hash = generate_password_hash(data.DEMO_PASSWORD, method=PASSWORD_METHOD)
    existing = set(db.session.scalars(select(User.email)))
    if data.OPERATOR["email"] not in existing:
        db.session.add(_user(data.OPERATOR["email"], data.OPERATOR["display_name"],
                             password_hash, operator=True))

    orgs: dict[str, Organization] = {}
    for seq, spec in enumerate(data.SUPPLIERS + data.BUYERS, start=1):
        kind = OrgKind.SUPPLIER if spec in data.SUPPLIERS else OrgKind.BUYER
        membership = db.session.scalar(
            select(Membership).join(User).where(User.email == spec["email"])
        )
        if membership is not None:
            orgs[spec["key"]] = membership.organization
            continue
        org = Organization(
            name=spec["name"], kind=kind.value, country=spec.get("country", "CN"),
            province=spec.get("province"), city=spec.get("city"),
        )
        if kind is OrgKind.SUPPLIER:
            org.legal_name = spec["name"]
            org.uscc = demo_uscc(spec["region"], seq)
            org.verification_submitted_at = utcnow()
            status = spec.get("verification", VerificationStatus.VERIFIED.value)
            org.verification_status = status
            if status == VerificationStatus.VERIFIED:
                org.verified_at = utcnow()
        user = _user(spec["email"], spec["contact"], password_hash)
        db.session.add_all([org, user])
        db.session.flush()
        db.session.add(Membership(user_id=user.id, organization_id=org.id, role=Role.OWNER.value))
        orgs[spec["key"]] = org
        progress(f"{kind.value:8} {spec['name']}")
    db.session.commit()

    seed_listings(orgs, progress)
    return orgs
