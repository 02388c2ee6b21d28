"""Operator actions on checkouts and orders: confirm a bank transfer, refund an order, send
a refused supplier transfer again."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from marketplace.accounts.auth import current_principal, operator_required
from marketplace.billing import refunds
from marketplace.billing.payments import mark_paid
from marketplace.billing.settlement import retry_transfer
from marketplace.orders import queries
from marketplace.orders.routes import gateways
from marketplace.orders.schemas import (
    CheckoutSchema,
    CheckoutSearchArgs,
    MarkPaidSchema,
    OrderSchema,
    ReasonSchema,
)
from marketplace.web.errors import Conflict
from marketplace.web.pagination import page_schema, paginate
from payments.interface import card_gateway

blp = Blueprint("orders_moderation", __name__, url_prefix="/api/v1/moderation",
                description="Operator payment confirmation and refunds")


@blp.route("/checkouts", methods=["GET"])
@blp.response(200, page_schema(CheckoutSchema))
@operator_required
@blp.arguments(CheckoutSearchArgs, location="query")
def search_checkouts(args: dict[str, Any]) -> dict[str, Any]:
    """Find checkouts by transfer reference (as read on the bank statement) or status."""
    stmt = queries.checkouts_query(reference=args.get("reference"), status=args.get("status"))
    return paginate(stmt, args["page"], args["per_page"])


@blp.route('/checkouts/<id("chk"):checkout_id>/mark-paid', methods=["POST"])
@blp.response(200, CheckoutSchema)
@blp.alt_response(404, description="No such checkout")
@blp.alt_response(409, description="The checkout is expired, cancelled or already paid")
@operator_required
@blp.arguments(MarkPaidSchema)
def mark_checkout_paid(data: dict[str, str], checkout_id: str) -> Any:
    """The bank transfer arrived: the checkout and all its orders become `paid` (audit-logged)."""
    principal = current_principal()
    checkout = queries.get_checkout(principal, checkout_id)
    return mark_paid(checkout, principal.user, bank_reference=data["bank_reference"])


@blp.route('/orders/<id("ord"):order_id>/refund', methods=["POST"])
@blp.response(200, OrderSchema)
@blp.alt_response(404, description="No such order")
@blp.alt_response(409, description="Only a paid, shipped or delivered order can be refunded")
@blp.alt_response(502, description="Card payments: Stripe refused the refund; nothing changed")
@blp.alt_response(503, description="Card payments: Stripe is unavailable; nothing changed, "
                  "retry (the retry cannot refund twice)")
@operator_required
@blp.arguments(ReasonSchema)
def refund_order(data: dict[str, str], order_id: str) -> Any:
    """Refund a whole order through its payment gateway (audit-logged).

    Card payments: the order's amount goes back to the card and the supplier's transfer is
    reversed."""
    principal = current_principal()
    order = queries.get_order(principal, order_id)
    return refunds.refund(order, principal.user, reason=data["reason"], gateways=gateways())


@blp.route('/orders/<id("ord"):order_id>/transfer', methods=["POST"])
@blp.response(200, OrderSchema)
@blp.alt_response(404, description="No such order")
@blp.alt_response(409, description="Not a paid card order without a transfer, or card "
                  "payments are off")
@blp.alt_response(502, description="Stripe refused the transfer again (audit-logged)")
@blp.alt_response(503, description="Stripe is unavailable; nothing changed, retry")
@operator_required
def retry_order_transfer(order_id: str) -> Any:
    """Card payments: send the supplier's share again after Stripe refused the transfer
    (`order.transfer_failed` in the audit log), e.g. once the supplier has replaced a closed
    payout account. Audit-logged."""
    principal = current_principal()
    order = queries.get_order(principal, order_id)
    card = card_gateway(gateways())
    if card is None:
        raise Conflict("Card payments are not enabled.")
    return retry_transfer(order, principal.user, card)
