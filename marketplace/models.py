"""Imports every model module so the metadata is complete (Alembic, create_all)."""

from marketplace.accounts.models import (
    ApiToken,
    Membership,
    Organization,
    PayoutAccount,
    User,
)
from marketplace.audit import AuditLogEntry
from marketplace.billing.models import StripeEvent
from marketplace.catalog.indexing.outbox import SearchOutboxEntry
from marketplace.catalog.models import Listing, PriceTier
from marketplace.orders.models import (
    Checkout,
    IdempotencyRecord,
    Order,
    OrderEvent,
    OrderLine,
    Payment,
    Refund,
)
from marketplace.samples.models import SampleRequest

__all__ = [
    "ApiToken", "AuditLogEntry", "Checkout", "IdempotencyRecord", "Listing", "Membership",
    "Order", "OrderEvent", "OrderLine", "Organization", "Payment", "PayoutAccount", "PriceTier",
    "Refund", "SampleRequest", "SearchOutboxEntry", "StripeEvent", "User",
]
