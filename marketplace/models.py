"""Imports every model module so the metadata is complete (Alembic, create_all)."""

from marketplace.accounts.models import ApiToken, Membership, Organization, User
from marketplace.moderation.models import AuditLogEntry

__all__ = ["ApiToken", "AuditLogEntry", "Membership", "Organization", "User"]
