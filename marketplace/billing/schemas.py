"""Payout and webhook response schemas (API.md "Payments (Stripe)")."""

from __future__ import annotations

from marshmallow import fields, validate

from marketplace.web.schema import Schema

PAYOUT_STATUSES = ("not_started", "onboarding", "restricted", "enabled")


class PayoutStatusSchema(Schema):
    status = fields.String(
        required=True, validate=validate.OneOf(PAYOUT_STATUSES),
        metadata={"description": "`not_started` (no account yet), `onboarding` (details not "
                                 "submitted), `restricted` (Stripe needs more before paying "
                                 "out), `enabled` (card orders can be paid to this supplier)."})
    charges_enabled = fields.Boolean(required=True)
    payouts_enabled = fields.Boolean(required=True)
    details_submitted = fields.Boolean(required=True)
    account_id = fields.String(allow_none=True,
                               metadata={"description": "The Stripe connected account."})


class OnboardingLinkSchema(Schema):
    url = fields.String(required=True, metadata={
        "description": "Stripe's onboarding page for this supplier; send the owner there. "
                       "Valid once and for a few minutes: ask for a new one each time."})


class WebhookReceiptSchema(Schema):
    received = fields.Boolean(required=True)
    event_id = fields.String(required=True)
    type = fields.String(required=True)
    outcome = fields.String(required=True, metadata={
        "description": "processed, ignored (type not handled), unmatched (names none of our "
                       "objects), stale (older than what was applied)."})
    duplicate = fields.Boolean(required=True,
                               metadata={"description": "Already handled; nothing changed."})
