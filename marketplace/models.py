"""Imports every model module so the metadata is complete (Alembic, create_all)."""

from marketplace.accounts.models import ApiToken, Membership, Organization, User
from marketplace.catalog.models import Listing, PriceTier
from marketplace.moderation.models import AuditLogEntry

__all__ = [
    "ApiToken", "AuditLogEntry", "Listing", "Membership", "Organization", "PriceTier", "User",
]
