"""Checkouts and orders over HTTP: thin views over the order services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, jsonify
from flask_smorest import Blueprint

from marketplace.accounts.auth import current_principal, login_required, org_kind_required
from marketplace.orders import queries, services
from marketplace.orders.checkout import place_checkout
from marketplace.orders.client_secret import buyer_client_secret
from marketplace.orders.schemas import (
    CheckoutRequestSchema,
    CheckoutSchema,
    IdempotencyHeaderSchema,
    OrderListArgs,
    OrderSchema,
    checkout_answer,
)
from marketplace.web.pagination import page_schema, paginate
from marketplace.web.shipping import ShipmentSchema

blp = Blueprint("orders", __name__, url_prefix="/api/v1", description="Checkout and orders")


def gateways() -> Any:
    return current_app.extensions["payment_gateways"]


REPLAYED_HEADER = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the stored answer to an earlier request with the "
                       "same Idempotency-Key (nothing new was created).",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


@blp.route("/checkouts", methods=["POST"])
@blp.response(201, CheckoutSchema, headers=REPLAYED_HEADER)
@blp.alt_response(409, description="Not enough stock for some lines; nothing was reserved. "
                  "`errors.json.items.<line>.quantity` and `errors.short` "
                  "[{line, listing_id, requested, available}] name them. Also: a request "
                  "with the same Idempotency-Key is still being placed (retry shortly).")
@blp.alt_response(402, description="Card payments: the card was declined; the checkout is "
                  "cancelled and nothing stays reserved")
@blp.alt_response(502, description="Card payments: Stripe refused the request; the checkout "
                  "is cancelled and nothing stays reserved")
@blp.alt_response(503, description="Card payments: Stripe is unavailable; the checkout is "
                  "cancelled and nothing stays reserved; retry (with the same "
                  "Idempotency-Key)")
@org_kind_required("buyer")
# Schema instances, not classes: webargs would build a schema (and its nested ones) per request.
@blp.arguments(IdempotencyHeaderSchema(), location="headers")
@blp.arguments(CheckoutRequestSchema())
def create_checkout(headers: dict[str, str], data: dict[str, Any]) -> Any:
    """Buy from any number of suppliers at once: one order per supplier.

    Every line is priced by its listing's tier for that quantity (as quoted) and all stock
    is reserved or none. A line that cannot be ordered (unknown/unpublished listing, below
    MOQ, repeated listing, other currency) answers 422 with `errors.json.items.<line>`.
    Unpaid checkouts expire after `expires_at`. With an `Idempotency-Key` header a retry
    returns the first answer unchanged and reserves nothing more.
    """
    principal = current_principal()
    assert principal.org_id is not None  # org_kind_required("buyer")
    status, body, replayed = place_checkout(
        buyer_id=principal.org_id, user_id=principal.user_id, data=data, gateways=gateways(),
        ttl=timedelta(minutes=current_app.config["CHECKOUT_TTL_MINUTES"]),
        idempotency_key=headers.get("idempotency_key"),
    )
    response = jsonify(body)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@blp.route('/checkouts/<id("chk"):checkout_id>', methods=["GET"])
@blp.response(200, CheckoutSchema)
@blp.alt_response(404, description="No such checkout (or not yours)")
@login_required
def get_checkout(checkout_id: str) -> Any:
    """The buyer's checkout with its orders and payment instructions.

    Card checkouts awaiting payment carry `payment.client_secret` for their buyer (fetched
    from Stripe on each read, never stored; left out if Stripe cannot be reached).
    """
    principal = current_principal()
    checkout = queries.get_checkout(principal, checkout_id)
    secret = buyer_client_secret(checkout, viewer_org_id=principal.org_id, gateways=gateways())
    return jsonify(checkout_answer(checkout, secret))


@blp.route("/orders", methods=["GET"])
@blp.response(200, page_schema(OrderSchema))
@login_required
@blp.arguments(OrderListArgs, location="query")
def list_orders(args: dict[str, Any]) -> dict[str, Any]:
    """Buyers: their orders; suppliers: the orders for their listings. Newest first."""
    stmt = queries.orders_query(current_principal(), args.get("status"))
    return paginate(stmt, args["page"], args["per_page"])


@blp.route('/orders/<id("ord"):order_id>', methods=["GET"])
@blp.response(200, OrderSchema)
@blp.alt_response(404, description="No such order (or not yours)")
@login_required
def get_order(order_id: str) -> Any:
    """One order with its lines and status history (`events`)."""
    return queries.get_order(current_principal(), order_id)


@blp.route('/orders/<id("ord"):order_id>/cancel', methods=["POST"])
@blp.response(200, OrderSchema)
@blp.alt_response(404, description="No such order (or not yours)")
@blp.alt_response(409, description="Only an order awaiting payment can be cancelled")
@org_kind_required("buyer")
def cancel_order(order_id: str) -> Any:
    """Buyer: cancel an unpaid order; its stock returns."""
    principal = current_principal()
    return services.cancel(queries.get_order(principal, order_id), principal.user,
                              gateways())


@blp.route('/orders/<id("ord"):order_id>/ship', methods=["POST"])
@blp.response(200, OrderSchema)
@blp.alt_response(404, description="No such order (or not yours)")
@blp.alt_response(409, description="Only a paid order can be shipped")
@org_kind_required("supplier")
@blp.arguments(ShipmentSchema)
def ship_order(data: dict[str, str], order_id: str) -> Any:
    """Supplier: ship a paid order with carrier and tracking number."""
    principal = current_principal()
    return services.ship(queries.get_order(principal, order_id), principal.user,
                            carrier=data["carrier"], tracking_number=data["tracking_number"])


@blp.route('/orders/<id("ord"):order_id>/confirm-delivery', methods=["POST"])
@blp.response(200, OrderSchema)
@blp.alt_response(404, description="No such order (or not yours)")
@blp.alt_response(409, description="Only a shipped order can be confirmed as delivered")
@org_kind_required("buyer")
def confirm_delivery(order_id: str) -> Any:
    """Buyer: the goods arrived."""
    principal = current_principal()
    return services.confirm_delivery(queries.get_order(principal, order_id), principal.user)
