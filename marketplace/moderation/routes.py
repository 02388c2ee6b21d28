from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from marketplace.accounts.auth import current_principal, operator_required
from marketplace.accounts.schemas import OrganizationSchema
from marketplace.accounts.services import get_organization
from marketplace.audit import audit_log_query
from marketplace.moderation import services
from marketplace.moderation.schemas import (
    AuditLogArgs,
    AuditLogEntrySchema,
    ListingDecisionReasonSchema,
    ListingQueueArgs,
    ReviewListingSchema,
    VerificationDecisionSchema,
)
from marketplace.web.pagination import page_schema, paginate

blp = Blueprint(
    "moderation", __name__, url_prefix="/api/v1/moderation", description="Operator moderation"
)


@blp.route('/organizations/<id("org"):org_id>/verification', methods=["POST"])
@blp.response(200, OrganizationSchema)
@blp.alt_response(404, description="No such organization")
@blp.alt_response(409, description="The organization has no pending verification request")
@operator_required
@blp.arguments(VerificationDecisionSchema)
def decide_verification(data: dict[str, Any], org_id: str) -> Any:
    """Approve or reject a supplier's verification request (reason required to reject)."""
    org = get_organization(org_id)
    return services.decide_verification(
        current_principal().user, org, decision=data["decision"], reason=data["reason"]
    )


@blp.route("/audit-log", methods=["GET"])
@blp.response(200, page_schema(AuditLogEntrySchema))
@operator_required
@blp.arguments(AuditLogArgs, location="query")
def audit_log(args: dict[str, Any]) -> dict[str, Any]:
    """Every operator decision, newest first; filter by `target_id` or `action`."""
    stmt = audit_log_query(target_id=args.get("target_id"), action=args.get("action"))
    return paginate(stmt, args["page"], args["per_page"])


@blp.route("/listings", methods=["GET"])
@blp.response(200, page_schema(ReviewListingSchema))
@operator_required
@blp.arguments(ListingQueueArgs, location="query")
def listing_queue(args: dict[str, Any]) -> dict[str, Any]:
    """Listings in one status (default `pending_review`), longest waiting first, with
    pre-screen flags, changed fields and the supplier's verification status."""
    return paginate(services.listing_queue_query(args["status"]), args["page"], args["per_page"])


@blp.route('/listings/<id("lst"):listing_id>/approve', methods=["POST"])
@blp.response(200, ReviewListingSchema)
@blp.alt_response(404, description="No such listing")
@blp.alt_response(409, description="The listing is not pending review, or its supplier is "
                  "not verified")
@operator_required
def approve_listing(listing_id: str) -> Any:
    """Publish a listing under review (`pending_review` → `published`)."""
    return services.approve_listing(current_principal().user, listing_id)


@blp.route('/listings/<id("lst"):listing_id>/reject', methods=["POST"])
@blp.response(200, ReviewListingSchema)
@blp.alt_response(404, description="No such listing")
@blp.alt_response(409, description="The listing is not pending review")
@operator_required
@blp.arguments(ListingDecisionReasonSchema)
def reject_listing(data: dict[str, Any], listing_id: str) -> Any:
    """Reject a listing under review (`pending_review` → `rejected`); the supplier sees
    the reason and may edit and resubmit."""
    return services.reject_listing(current_principal().user, listing_id, data["reason"])


@blp.route('/listings/<id("lst"):listing_id>/suspend', methods=["POST"])
@blp.response(200, ReviewListingSchema)
@blp.alt_response(404, description="No such listing")
@blp.alt_response(409, description="The listing is not published")
@operator_required
@blp.arguments(ListingDecisionReasonSchema)
def suspend_listing(data: dict[str, Any], listing_id: str) -> Any:
    """Take a published listing off the market (`published` → `suspended`)."""
    return services.suspend_listing(current_principal().user, listing_id, data["reason"])


@blp.route('/listings/<id("lst"):listing_id>/reinstate', methods=["POST"])
@blp.response(200, ReviewListingSchema)
@blp.alt_response(404, description="No such listing")
@blp.alt_response(409, description="The listing is not suspended")
@operator_required
def reinstate_listing(listing_id: str) -> Any:
    """Put a suspended listing back on the market (`suspended` → `published`)."""
    return services.reinstate_listing(current_principal().user, listing_id)
