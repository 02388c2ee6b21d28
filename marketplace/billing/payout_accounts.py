"""Supplier payout accounts: onboarding, status, and keeping them in sync with the card
provider (Stripe Connect)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Organization, PayoutAccount
from marketplace.audit import record
from marketplace.db.clock import utcnow
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.web.errors import NotFound
from payments.interface import AccountState, CardGateway, PaymentGateway, card_gateway

logger = logging.getLogger(__name__)


def required_card_gateway(gateways: Mapping[str, PaymentGateway]) -> CardGateway:
    """The card gateway, or 404 when this marketplace does not take card payments."""
    gateway = card_gateway(gateways)
    if gateway is None:
        raise NotFound("Card payments (Stripe) are not enabled on this marketplace.")
    return gateway


def account_of(organization_id: str) -> PayoutAccount | None:
    return db.session.scalar(
        select(PayoutAccount).where(PayoutAccount.organization_id == organization_id))


def payout_status(org: Organization) -> dict[str, Any]:
    account = account_of(org.id)
    if account is None:
        return {"status": "not_started", "charges_enabled": False, "payouts_enabled": False,
                "details_submitted": False, "account_id": None}
    return {"status": account.status, "charges_enabled": account.charges_enabled,
            "payouts_enabled": account.payouts_enabled,
            "details_submitted": account.details_submitted, "account_id": account.account_id}


def start_onboarding(org: Organization, gateway: CardGateway, *, return_url: str,
                     refresh_url: str) -> str:
    """Create the organization's connected account once, then answer a fresh onboarding
    link. The account is stored (and committed) before the link is asked for, so a failed
    link leaves nothing to redo but the link."""
    account = account_of(org.id)
    if account is None:
        account = _create_account(org, gateway)
    return gateway.account_link(account.account_id, refresh_url=refresh_url,
                                return_url=return_url)


def _create_account(org: Organization, gateway: CardGateway) -> PayoutAccount:
    # Two requests at once get the same account from Stripe (same idempotency key); the
    # unique organization_id lets exactly one of them store it.
    state = gateway.create_account(organization_id=org.id, country=org.country, name=org.name)
    begin_write()
    now = utcnow()
    account = PayoutAccount(organization_id=org.id, provider=gateway.name, account_id=state.id,
                            created_at=now, updated_at=now)
    _apply(account, state)
    try:
        with db.session.begin_nested():
            db.session.add(account)
            record(actor=None, action="organization.payout_account.created",
                   target_type="organization", target_id=org.id,
                   details={"provider": gateway.name, "account_id": state.id})
    except IntegrityError:
        existing = account_of(org.id)
        if existing is None:
            raise
        return existing
    db.session.commit()
    return account


def _apply(account: PayoutAccount, state: AccountState) -> None:
    account.charges_enabled = state.charges_enabled
    account.payouts_enabled = state.payouts_enabled
    account.details_submitted = state.details_submitted
    account.disabled_reason = state.disabled_reason
    account.updated_at = utcnow()


def apply_account_event(data: dict[str, Any], event_created: int) -> str:
    """`account.updated`: keep the flags; an event older than the last one applied is
    skipped. Returns the webhook outcome."""
    state = AccountState.from_object(data)
    account = db.session.scalar(
        select(PayoutAccount).where(PayoutAccount.account_id == state.id)
        .with_for_update())
    if account is None:
        logger.info("account.updated for %s, which is none of our suppliers; ignored",
                    state.id)
        return "unmatched"
    if account.synced_event_created is not None and event_created < account.synced_event_created:
        return "stale"
    before = (account.charges_enabled, account.payouts_enabled)
    _apply(account, state)
    account.synced_event_created = event_created
    if before != (account.charges_enabled, account.payouts_enabled):
        record(actor=None, action="organization.payout_account.updated",
               target_type="organization", target_id=account.organization_id,
               details={"account_id": account.account_id,
                        "charges_enabled": account.charges_enabled,
                        "payouts_enabled": account.payouts_enabled,
                        "disabled_reason": account.disabled_reason})
    return "processed"



def destinations(supplier_ids: Iterable[str]) -> dict[str, str]:
    """Supplier organization id → its connected account id."""
    rows = db.session.execute(
        select(PayoutAccount.organization_id, PayoutAccount.account_id)
        .where(PayoutAccount.organization_id.in_(set(supplier_ids))))
    return {org_id: account_id for org_id, account_id in rows}
