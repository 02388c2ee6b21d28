"""factory_boy factories bound to the test session (flushed, never committed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from marketplace.accounts.models import Membership, Organization, User
from marketplace.accounts.services import issue_token
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
    db.session.flush()
    return Account(user, org, issued.token)
