"""Account logic: registration, password login and change, tokens, supplier verification requests.

No Flask request objects here; callers pass plain values and get models or DomainErrors.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from marketplace.accounts.emails import lookalike_problem, normalize_email
from marketplace.accounts.models import (
    ApiToken,
    Membership,
    Organization,
    OrgKind,
    PayoutAccount,
    Role,
    User,
    VerificationStatus,
)
from marketplace.accounts.passwords import weak_password_problem
from marketplace.accounts.throttle import LoginThrottle
from marketplace.db.clock import utcnow
from marketplace.db.sql import run
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.web.errors import Conflict, Forbidden, Invalid, NotFound

PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash algorithm name, not a password
# Compared against when the e-mail is unknown, so a miss costs as much as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method=PASSWORD_METHOD)


USCC_TAKEN = "This 统一社会信用代码 is already registered to another organization."


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, ttl: timedelta) -> IssuedToken:
    return _issue_token(user.id, ttl)


def _issue_token(user_id: str, ttl: timedelta) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + ttl
    db.session.add(ApiToken(user_id=user_id, token_hash=hash_token(token), expires_at=expires_at))
    return IssuedToken(token, expires_at)


def _personal_words(email: str, *names: str | None) -> list[str]:
    """What an attacker who knows the user would try first in a password."""
    return [email, *(name for name in names if name)]


def register(
    *,
    email: str,
    password: str,
    display_name: str,
    org_name: str,
    org_kind: str,
    country: str,
    token_ttl: timedelta,
) -> tuple[User, Organization, IssuedToken]:
    """Create a user, the organization they own, and a first token — all or nothing.

    A look-alike e-mail (invisible characters, mixed scripts) or a guessable password is
    refused with 422 naming each; the e-mail is stored normalized (NFKC, lower case)."""
    errors: dict[str, list[str]] = {}
    if problem := lookalike_problem(email):
        errors["email"] = [problem]
    if problem := weak_password_problem(
            password, user_inputs=_personal_words(email, display_name, org_name)):
        errors["password"] = [problem]
    if errors:
        raise Invalid("; ".join(message for found in errors.values() for message in found),
                      errors={"json": errors})
    email = normalize_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict("An account with this e-mail already exists.")
    user = User(
        email=email,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        display_name=display_name.strip(),
    )
    org = Organization(name=org_name.strip(), kind=OrgKind(org_kind).value, country=country)
    db.session.add_all([user, org])
    db.session.flush()
    db.session.add(Membership(user_id=user.id, organization_id=org.id, role=Role.OWNER.value))
    issued = issue_token(user, token_ttl)
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent registration won the race for the e-mail
        db.session.rollback()
        raise Conflict("An account with this e-mail already exists.") from exc
    return user, org, issued


def create_operator(email: str, password: str, display_name: str = "Platform operator") -> User:
    email = normalize_email(email)
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise Conflict(f"An account with e-mail {email} already exists.")
    user = User(
        email=email,
        password_hash=generate_password_hash(password, method=PASSWORD_METHOD),
        display_name=display_name,
        is_operator=True,
    )
    db.session.add(user)
    db.session.commit()
    return user


def login(email: str, password: str, token_ttl: timedelta, *, throttle: LoginThrottle,
          address: str | None) -> IssuedToken | None:
    """A new token for valid credentials, else None (the caller answers 401).

    The attempt is counted as a failure of the account and of the client `address` before
    the password is checked (`throttle`; TooManyFailures → 429 once a limit is reached)
    and given back when the password is right."""
    email = normalize_email(email)
    attempt = throttle.attempt(email, address)
    user = db.session.execute(
        select(User.id, User.password_hash, User.is_active).where(User.email == email)).first()
    if user is None or not user.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    begin_write()
    throttle.succeeded(attempt)
    issued = _issue_token(user.id, token_ttl)
    db.session.commit()
    return issued


def change_password(user_id: str, *, current_token: str, current_password: str,
                    new_password: str, throttle: LoginThrottle, address: str | None) -> None:
    """Replace the caller's password and revoke every other token of theirs.

    A guessable new password → Invalid (422 naming `new_password`); a wrong current password
    → Forbidden, counted like a failed login (a stolen token must not allow guessing the
    password, which may open other sites too)."""
    user = db.session.get(User, user_id, options=[joinedload(User.membership)])
    assert user is not None  # the caller's own account
    org = user.membership.organization if user.membership else None
    if problem := weak_password_problem(
            new_password,
            user_inputs=_personal_words(user.email, user.display_name, org and org.name)):
        raise Invalid.field("new_password", problem)
    email, password_hash = user.email, user.password_hash
    attempt = throttle.attempt(email, address)
    if not check_password_hash(password_hash, current_password):
        raise Forbidden("The current password is wrong.")
    new_hash = generate_password_hash(new_password, method=PASSWORD_METHOD)
    begin_write()
    throttle.succeeded(attempt)
    run(update(User).where(User.id == user_id).values(password_hash=new_hash))
    run(update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None),
               ApiToken.token_hash != hash_token(current_token))
        .values(revoked_at=utcnow()))
    db.session.commit()


def revoke_all_tokens(user_id: str) -> None:
    """Log out everywhere: every token of the user stops working."""
    begin_write()
    run(update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()))
    db.session.commit()


_CALLER_BY_TOKEN = (
    select(User.id, User.is_operator, Membership.organization_id, Organization.kind,
           Membership.role)
    .select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .outerjoin(Organization, Organization.id == Membership.organization_id)
    .where(
        ApiToken.token_hash == bindparam("token_hash"),
        ApiToken.revoked_at.is_(None),
        ApiToken.expires_at > bindparam("now"),
        User.is_active.is_(True),
    )
)


class Principal(NamedTuple):
    """The caller: the owner of a live token, as read with it. Scoping a query or checking
    a role uses the plain values; `user` and `organization` load the rows only for the
    routes that need them."""

    user_id: str
    is_operator: bool
    org_id: str | None
    org_kind: str | None
    role: str | None

    @property
    def user(self) -> User:
        # With its membership: order transitions read the user's organization from it.
        user = db.session.get(User, self.user_id, options=[joinedload(User.membership)])
        assert user is not None  # the token's owner: users are deactivated, never deleted
        return user

    @property
    def organization(self) -> Organization | None:
        return db.session.get(Organization, self.org_id) if self.org_id else None

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


def authenticate_token(token: str) -> Principal | None:
    """The active user owning a live token, with organization and role, as plain values.

    This runs on every authenticated request, so it is one prebuilt query returning one
    row: building ORM objects for user, membership and organization cost more than the
    query itself, and most routes need only their ids."""
    row = run(
        _CALLER_BY_TOKEN, {"token_hash": hash_token(token), "now": utcnow()}).first()
    return Principal(*row) if row is not None else None


def revoke_token(token: str) -> None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.commit()


def request_verification(org: Organization, *, legal_name: str, uscc: str) -> Organization:
    """A supplier submits its business licence details; an operator decides later."""
    if org.kind != OrgKind.SUPPLIER:
        raise Invalid("Only supplier organizations are verified.")
    if org.verification_status in (VerificationStatus.PENDING, VerificationStatus.VERIFIED):
        raise Conflict(f"Verification is already {org.verification_status}.")
    holder = db.session.scalar(
        select(Organization.id).where(Organization.uscc == uscc, Organization.id != org.id)
    )
    if holder is not None:
        raise Conflict(USCC_TAKEN)
    org.legal_name = legal_name.strip()
    org.uscc = uscc
    org.verification_status = VerificationStatus.PENDING.value
    org.verification_reason = None
    org.verification_submitted_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise Conflict(USCC_TAKEN) from exc
    return org


def get_organization(org_id: str) -> Organization:
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound("Organization not found.")
    return org


def suppliers_without_payouts(supplier_ids: Iterable[str]) -> set[str]:
    """The suppliers among `supplier_ids` that cannot receive a transfer now."""
    wanted = set(supplier_ids)
    ready = set(db.session.scalars(
        select(PayoutAccount.organization_id).where(
            PayoutAccount.organization_id.in_(wanted), PayoutAccount.payouts_enabled.is_(True))))
    return wanted - ready
