"""Imports every model module so the metadata is complete (Alembic, create_all)."""

from marketplace.accounts.models import ApiToken, Membership, Organization, User
from marketplace.catalog.models import Listing, PriceTier
from marketplace.moderation.models import AuditLogEntry
from marketplace.orders.models import (
    Checkout,
    IdempotencyRecord,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Refund,
    SampleRequest,
)
from marketplace.payouts.models import PayoutAccount, StripeEvent
from search.outbox import SearchOutboxEntry

__all__ = [
    "ApiToken", "AuditLogEntry", "Checkout", "IdempotencyRecord", "Listing", "Membership",
    "Order", "OrderEvent", "OrderLine", "Organization", "Payment", "PayoutAccount", "PriceTier",
    "Refund", "SampleRequest", "SearchOutboxEntry", "StripeEvent", "User",
]
