"""Operator decisions. Every decision writes exactly one audit-log entry in the same
transaction as its effect, so the log can never disagree with the data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from marketplace.accounts.models import Organization, User, VerificationStatus
from marketplace.common.errors import Conflict, Invalid
from marketplace.common.timeutil import utcnow
from marketplace.extensions import db
from marketplace.moderation.models import AuditLogEntry


def record(
    *,
    actor: User | None,
    action: str,
    target_type: str,
    target_id: str,
    details: dict[str, Any] | None = None,
) -> AuditLogEntry:
    """Add an audit entry to the current transaction (the caller commits)."""
    entry = AuditLogEntry(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
    )
    db.session.add(entry)
    return entry


def decide_verification(
    operator: User, org: Organization, *, decision: str, reason: str | None
) -> Organization:
    if org.verification_status != VerificationStatus.PENDING:
        raise Conflict(
            f"Organization verification is {org.verification_status}; only pending requests "
            "can be decided."
        )
    before = org.verification_status
    if decision == "approve":
        org.verification_status = VerificationStatus.VERIFIED.value
        org.verified_at = utcnow()
        org.verification_reason = reason
    else:
        if not reason or not reason.strip():
            raise Invalid.field("reason", "A reason is required to reject a verification.")
        org.verification_status = VerificationStatus.REJECTED.value
        org.verification_reason = reason.strip()
    record(
        actor=operator,
        action=f"organization.verification.{decision}",
        target_type="organization",
        target_id=org.id,
        details={
            "before": before,
            "after": org.verification_status,
            "reason": org.verification_reason,
            "uscc": org.uscc,
            "legal_name": org.legal_name,
        },
    )
    db.session.commit()
    return org


def audit_log_query(
    *, target_id: str | None = None, action: str | None = None
) -> Select[tuple[AuditLogEntry]]:
    stmt = select(AuditLogEntry)
    if target_id:
        stmt = stmt.where(AuditLogEntry.target_id == target_id)
    if action:
        stmt = stmt.where(AuditLogEntry.action == action)
    return stmt.order_by(AuditLogEntry.at.desc(), AuditLogEntry.id.desc())
