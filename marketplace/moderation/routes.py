from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from marketplace.accounts.auth import current_principal, operator_required
from marketplace.accounts.schemas import OrganizationSchema
from marketplace.accounts.services import get_organization
from marketplace.common.pagination import page_schema, paginate
from marketplace.moderation import services
from marketplace.moderation.schemas import (
    AuditLogArgs,
    AuditLogEntrySchema,
    VerificationDecisionSchema,
)

blp = Blueprint(
    "moderation", __name__, url_prefix="/api/v1/moderation", description="Operator moderation"
)


@blp.route("/organizations/<org_id>/verification", methods=["POST"])
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
    stmt = services.audit_log_query(target_id=args.get("target_id"), action=args.get("action"))
    return paginate(stmt, args["page"], args["per_page"])
