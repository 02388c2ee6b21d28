from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.accounts.auth import (
    BEARER_SCHEME,
    current_principal,
    optional_principal,
    org_kind_required,
)
from marketplace.catalog import services
from marketplace.catalog.models import Listing
from marketplace.catalog.schemas import (
    IfMatchHeaderSchema,
    ListingInputSchema,
    ListingPatchSchema,
    ListingSchema,
    MyListingsArgs,
    QuoteArgs,
    QuoteSchema,
)
from marketplace.web.etags import ETAG_HEADER_DOC, etag, if_match_versions
from marketplace.web.pagination import page_schema, paginate

blp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="Ingredient listings")

# Open to everyone; a token, if sent, lets owners and operators see unpublished listings.
OPTIONAL_AUTH: list[dict[str, list[str]]] = [{}, {BEARER_SCHEME: []}]


def _with_etag(listing: Listing) -> tuple[Listing, dict[str, str]]:
    return listing, {"ETag": etag(listing.version)}


def _supplier_id() -> str:
    org_id = current_principal().org_id
    assert org_id is not None  # org_kind_required guarantees an organization
    return org_id


@blp.route("/listings", methods=["POST"])
@blp.response(201, ListingSchema, headers=ETAG_HEADER_DOC)
@org_kind_required("supplier")
@blp.arguments(ListingInputSchema)
def create_listing(data: dict[str, Any]) -> Any:
    """Create a listing as a draft (submit it for review to publish it)."""
    organization = current_principal().organization
    assert organization is not None
    return _with_etag(services.create_listing(organization, data))


@blp.route('/listings/<id("lst"):listing_id>')
class ListingResource(MethodView):
    @blp.doc(security=OPTIONAL_AUTH)
    @blp.response(200, ListingSchema, headers=ETAG_HEADER_DOC)
    @blp.alt_response(404, description="No such listing, or not published and not yours")
    def get(self, listing_id: str) -> Any:
        """A listing: published ones to anyone, others to their supplier and operators."""
        return _with_etag(services.get_listing(listing_id, optional_principal()))

    @blp.response(200, ListingSchema, headers=ETAG_HEADER_DOC)
    @blp.alt_response(404, description="No such listing, or not published and not yours")
    @blp.alt_response(409, description="The listing is archived")
    @blp.alt_response(412, description="`If-Match` does not match the listing's version")
    @org_kind_required("supplier")
    @blp.arguments(ListingPatchSchema)
    @blp.arguments(IfMatchHeaderSchema, location="headers")
    def patch(self, data: dict[str, Any], headers: dict[str, Any], listing_id: str) -> Any:
        """Change some fields of your listing.

        Changing only `price_tiers`, `stock_quantity` or `lead_time_days` keeps a published
        listing published; any other change sends it back to review. A PATCH that changes
        nothing keeps the version.
        """
        listing = services.update_listing(
            listing_id, current_principal(), data,
            if_match=if_match_versions(headers.get("if_match")),
        )
        return _with_etag(listing)


@blp.route('/listings/<id("lst"):listing_id>/submit', methods=["POST"])
@blp.response(200, ListingSchema, headers=ETAG_HEADER_DOC)
@blp.alt_response(404, description="No such listing, or not yours")
@blp.alt_response(409, description="Only draft or rejected listings can be submitted")
@org_kind_required("supplier")
def submit_listing(listing_id: str) -> Any:
    """Send a draft or rejected listing to operator review (`pending_review`)."""
    return _with_etag(services.submit_listing(listing_id, current_principal()))


@blp.route('/listings/<id("lst"):listing_id>/archive', methods=["POST"])
@blp.response(200, ListingSchema, headers=ETAG_HEADER_DOC)
@blp.alt_response(404, description="No such listing, or not yours")
@blp.alt_response(409, description="The listing is already archived")
@org_kind_required("supplier")
def archive_listing(listing_id: str) -> Any:
    """Withdraw your listing for good (`archived`): off the market, no longer editable."""
    return _with_etag(services.archive_listing(listing_id, current_principal()))


@blp.route('/listings/<id("lst"):listing_id>/quote', methods=["GET"])
@blp.doc(security=OPTIONAL_AUTH)
@blp.response(200, QuoteSchema)
@blp.alt_response(404, description="No such listing, or not published and not yours")
@blp.arguments(QuoteArgs, location="query")
def quote_listing(args: dict[str, Any], listing_id: str) -> Any:
    """Unit price (from the price tier for `quantity`) and subtotal; below the MOQ → 422."""
    return services.quote(listing_id, optional_principal(), args["quantity"])


@blp.route("/organizations/me/listings", methods=["GET"])
@blp.response(200, page_schema(ListingSchema))
@org_kind_required("supplier")
@blp.arguments(MyListingsArgs, location="query")
def my_listings(args: dict[str, Any]) -> dict[str, Any]:
    """Your organization's listings in any status (or one `status`), newest first."""
    stmt = services.own_listings_query(_supplier_id(), args.get("status"))
    return paginate(stmt, args["page"], args["per_page"])
