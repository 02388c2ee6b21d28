"""Supplier payouts and the Stripe webhook over HTTP: thin views over the payout_accounts."""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_smorest import Blueprint

from marketplace.accounts.auth import current_principal, org_kind_required
from marketplace.billing import payout_accounts, webhooks
from marketplace.billing.schemas import (
    OnboardingLinkSchema,
    PayoutStatusSchema,
    WebhookReceiptSchema,
)
from marketplace.web.errors import DomainError
from payments.interface import CardGateway, WebhookRejected

blp = Blueprint("payouts", __name__, url_prefix="/api/v1",
                description="Supplier payouts (Stripe Connect) and Stripe webhooks")

PROVIDER_DOWN = "Stripe is unavailable or rate limiting; nothing changed, retry shortly"
PROVIDER_REFUSED = "Stripe refused the request; nothing changed"


class WebhookRefused(DomainError):
    status_code = 400


def _stripe() -> CardGateway:
    return payout_accounts.required_card_gateway(current_app.extensions["payment_gateways"])


@blp.route("/organizations/me/payouts/onboarding", methods=["POST"])
@blp.response(200, OnboardingLinkSchema)
@blp.alt_response(404, description="Card payments (Stripe) are not enabled")
@blp.alt_response(502, description=PROVIDER_REFUSED)
@blp.alt_response(503, description=PROVIDER_DOWN)
@org_kind_required("supplier", owner=True)
def start_onboarding() -> dict[str, str]:
    """Supplier owner: open (once) the organization's Stripe Express account and get a fresh
    onboarding link. Call again whenever the link expired or more details are due."""
    gateway = _stripe()
    org = current_principal().organization
    assert org is not None
    url = payout_accounts.start_onboarding(
        org, gateway, return_url=current_app.config["PAYOUTS_RETURN_URL"],
        refresh_url=current_app.config["PAYOUTS_REFRESH_URL"])
    return {"url": url}


@blp.route("/organizations/me/payouts", methods=["GET"])
@blp.response(200, PayoutStatusSchema)
@org_kind_required("supplier")
def payout_status() -> dict[str, Any]:
    """Supplier: can card orders be paid out to us? (`enabled` once Stripe says so.)"""
    org = current_principal().organization
    assert org is not None
    return payout_accounts.payout_status(org)


@blp.route("/payments/stripe/webhook", methods=["POST"])
@blp.doc(
    summary="Stripe webhook endpoint",
    parameters=[{"in": "header", "name": "Stripe-Signature", "required": True,
                 "schema": {"type": "string"},
                 "description": "`t=<unix time>,v1=<HMAC-SHA256 of \"<t>.<raw body>\">`"}],
    requestBody={"required": True, "content": {"application/json": {"schema": {
        "type": "object", "description": "A Stripe event, exactly as Stripe sent it."}}}},
)
@blp.response(200, WebhookReceiptSchema)
@blp.alt_response(400, description="Missing, wrong or stale Stripe-Signature, or not an event")
@blp.alt_response(404, description="Card payments (Stripe) are not enabled")
@blp.alt_response(502, description=PROVIDER_REFUSED + "; Stripe delivers the event again")
@blp.alt_response(503, description=PROVIDER_DOWN + "; Stripe delivers the event again")
def stripe_webhook() -> dict[str, Any]:
    """Stripe calls this. The signature is checked over the raw body with the endpoint's
    secret; each event id takes effect once (a repeat answers 200, `duplicate: true`)."""
    signature = request.headers.get("Stripe-Signature")
    if signature is None:
        raise WebhookRefused("Missing Stripe-Signature header: only Stripe may call this.")
    gateway = _stripe()
    try:
        event = gateway.construct_event(request.get_data(cache=True), signature)
    except WebhookRejected as exc:
        current_app.logger.warning("Stripe webhook refused: %s", exc)
        raise WebhookRefused(str(exc)) from exc
    receipt = webhooks.receive(event, gateway)
    return {"received": True, "event_id": receipt.event_id, "type": receipt.type,
            "outcome": receipt.outcome, "duplicate": receipt.duplicate}
