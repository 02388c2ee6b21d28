"""Operator decisions. Every decision writes exactly one audit-log entry in the same
transaction as its effect, so the log can never disagree with the data."""

from __future__ import annotations

from sqlalchemy import Select, select

from marketplace.accounts.models import Organization, User, VerificationStatus
from marketplace.audit import record
from marketplace.catalog.models import Listing
from marketplace.catalog.services import listing_changed, lock_listing
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.db.clock import utcnow
from marketplace.extensions import db
from marketplace.web.errors import Conflict, Invalid, NotFound


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




# --------------------------------------------------------------------------- listings


def listing_queue_query(status: str = ListingStatus.PENDING_REVIEW.value) -> Select[tuple[Listing]]:
    """Listings in `status`, the longest-waiting first (oldest submission)."""
    return (
        select(Listing)
        .where(Listing.status == status)
        .order_by(Listing.submitted_at.asc().nulls_last(), Listing.created_at.asc(), Listing.id)
    )


def _listing_in(listing_id: str, status: ListingStatus, action: str) -> Listing:
    """The listing, row-locked, if it is in the status `action` starts from."""
    listing = lock_listing(listing_id)
    if listing is None:
        raise NotFound("Listing not found.")
    if listing.status != status:
        raise Conflict(
            f"Cannot {action} a listing that is {listing.status}; only {status.value} "
            "listings can be."
        )
    return listing


def _transition(
    operator: User, listing: Listing, action: str, to: ListingStatus, reason: str | None = None
) -> None:
    """Move the listing to `to` and log the decision, in the caller's transaction (the
    caller finishes the change and calls `listing_changed`)."""
    before = listing.status
    listing.status = to.value
    record(
        actor=operator,
        action=f"listing.{action}",
        target_type="listing",
        target_id=listing.id,
        details={"before": before, "after": listing.status, "reason": reason},
    )


def _required_reason(reason: str | None, action: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise Invalid.field("reason", f"A reason is required to {action} a listing.")
    return text


def approve_listing(operator: User, listing_id: str) -> Listing:
    """Publish a listing under review; its supplier must be verified."""
    listing = _listing_in(listing_id, ListingStatus.PENDING_REVIEW, "approve")
    if not listing.supplier.is_verified:
        raise Conflict(
            "The supplier is not verified; approve its verification before its listings."
        )
    _transition(operator, listing, "approve", ListingStatus.PUBLISHED)
    listing.published_at = utcnow()
    listing.changed_fields = []
    listing.rejection_reason = None
    listing_changed(listing, "approve")
    db.session.commit()
    return listing


def reject_listing(operator: User, listing_id: str, reason: str | None) -> Listing:
    """Send a listing under review back to its supplier, with the reason they will see."""
    text = _required_reason(reason, "reject")
    listing = _listing_in(listing_id, ListingStatus.PENDING_REVIEW, "reject")
    _transition(operator, listing, "reject", ListingStatus.REJECTED, text)
    listing.rejection_reason = text
    listing_changed(listing, "reject")
    db.session.commit()
    return listing


def suspend_listing(operator: User, listing_id: str, reason: str | None) -> Listing:
    """Take a published listing off the market until an operator reinstates it."""
    text = _required_reason(reason, "suspend")
    listing = _listing_in(listing_id, ListingStatus.PUBLISHED, "suspend")
    _transition(operator, listing, "suspend", ListingStatus.SUSPENDED, text)
    listing.suspension_reason = text
    listing_changed(listing, "suspend")
    db.session.commit()
    return listing


def reinstate_listing(operator: User, listing_id: str) -> Listing:
    """Put a suspended listing back on the market."""
    listing = _listing_in(listing_id, ListingStatus.SUSPENDED, "reinstate")
    _transition(operator, listing, "reinstate", ListingStatus.PUBLISHED)
    listing.suspension_reason = None
    listing_changed(listing, "reinstate")
    db.session.commit()
    return listing
