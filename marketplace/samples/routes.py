"""Sample requests over HTTP: thin views over `marketplace.samples.services`."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from marketplace.accounts.auth import current_principal, login_required, org_kind_required
from marketplace.samples import services as samples
from marketplace.samples.schemas import (
    DeclineSchema,
    SampleListArgs,
    SampleRequestInputSchema,
    SampleRequestSchema,
)
from marketplace.web.pagination import page_schema, paginate
from marketplace.web.shipping import ShipmentSchema

blp = Blueprint("samples", __name__, url_prefix="/api/v1", description="Sample requests")


def _principal_org() -> Any:
    org = current_principal().organization
    assert org is not None
    return org


@blp.route('/listings/<id("lst"):listing_id>/sample-requests', methods=["POST"])
@blp.response(201, SampleRequestSchema)
@blp.alt_response(404, description="No published listing with this id")
@blp.alt_response(409, description="An open request for this listing already exists")
@org_kind_required("buyer")
@blp.arguments(SampleRequestInputSchema)
def request_sample(data: dict[str, Any], listing_id: str) -> Any:
    """Ask the supplier for a sample (the listing must offer samples, else 422)."""
    return samples.request_sample(
        listing_id, _principal_org(), current_principal().user,
        quantity=data.get("quantity"), note=data.get("note"),
        shipping_address=data["shipping_address"],
    )


@blp.route("/sample-requests", methods=["GET"])
@blp.response(200, page_schema(SampleRequestSchema))
@login_required
@blp.arguments(SampleListArgs, location="query")
def list_samples(args: dict[str, Any]) -> dict[str, Any]:
    """Buyers: their requests; suppliers: requests for their listings. Newest first."""
    stmt = samples.samples_query(current_principal(), args.get("status"))
    return paginate(stmt, args["page"], args["per_page"])


@blp.route('/sample-requests/<id("smp"):sample_id>', methods=["GET"])
@blp.response(200, SampleRequestSchema)
@blp.alt_response(404, description="No such sample request (or not yours)")
@login_required
def get_sample(sample_id: str) -> Any:
    return samples.get_sample(current_principal(), sample_id)


@blp.route('/sample-requests/<id("smp"):sample_id>/accept', methods=["POST"])
@blp.response(200, SampleRequestSchema)
@blp.alt_response(404, description="No such sample request (or not yours)")
@blp.alt_response(409, description="The request is not awaiting an answer")
@org_kind_required("supplier")
def accept_sample(sample_id: str) -> Any:
    """Supplier: `requested` → `accepted`."""
    principal = current_principal()
    return samples.act(samples.get_sample(principal, sample_id), principal, "accept")


@blp.route('/sample-requests/<id("smp"):sample_id>/decline', methods=["POST"])
@blp.response(200, SampleRequestSchema)
@blp.alt_response(404, description="No such sample request (or not yours)")
@blp.alt_response(409, description="The request was already declined or shipped")
@org_kind_required("supplier")
@blp.arguments(DeclineSchema)
def decline_sample(data: dict[str, str], sample_id: str) -> Any:
    """Supplier: `requested`/`accepted` → `declined`, with a reason the buyer sees."""
    principal = current_principal()
    return samples.act(samples.get_sample(principal, sample_id), principal, "decline",
                       reason=data["reason"])


@blp.route('/sample-requests/<id("smp"):sample_id>/ship', methods=["POST"])
@blp.response(200, SampleRequestSchema)
@blp.alt_response(404, description="No such sample request (or not yours)")
@blp.alt_response(409, description="The request was already declined or shipped")
@org_kind_required("supplier")
@blp.arguments(ShipmentSchema)
def ship_sample(data: dict[str, str], sample_id: str) -> Any:
    """Supplier: `requested`/`accepted` → `shipped` with carrier and tracking number."""
    principal = current_principal()
    return samples.act(samples.get_sample(principal, sample_id), principal, "ship",
                       carrier=data["carrier"], tracking_number=data["tracking_number"])
