"""Checkout and order request/response schemas (API.md "Checkout and orders")."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, post_dump, validate

from marketplace.orders.states import CheckoutStatus, OrderStatus
from marketplace.web.fields import MoneyField, QuantityField
from marketplace.web.pagination import PageArgs
from marketplace.web.schema import Schema, text
from marketplace.web.shipping import AddressSchema

MAX_CHECKOUT_ITEMS = 100
# Sums of many lines may exceed the 10 integer digits of a single amount.
TOTAL_PATTERN = {"pattern": r"^\d{1,20}\.\d{2}$"}





class CheckoutItemSchema(Schema):
    listing_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    quantity = QuantityField(required=True, minimum=None, positive=True)


class CheckoutRequestSchema(Schema):
    items = fields.List(fields.Nested(CheckoutItemSchema), required=True,
                        validate=validate.Length(min=1, max=MAX_CHECKOUT_ITEMS))
    shipping_address = fields.Nested(AddressSchema, required=True)
    payment_method = fields.String(load_default="bank_transfer",
                                   validate=validate.OneOf(("bank_transfer", "stripe")))


class IdempotencyHeaderSchema(Schema):
    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        validate=validate.Regexp(r"^[\x21-\x7e][\x20-\x7e]{0,254}$",
                                 error="1 to 255 printable ASCII characters."),
        metadata={"description": "Repeat a checkout safely: the same key and body within 24 h "
                                 "return the first answer and reserve nothing more."},
    )


class OrderLineSchema(Schema):
    listing_id = fields.String(required=True)
    title_zh = fields.String(required=True)
    inci_name = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = QuantityField(required=True)
    unit_price = MoneyField(required=True)
    line_total = MoneyField(required=True, metadata=TOTAL_PATTERN)


class OrderEventSchema(Schema):
    at = fields.AwareDateTime(required=True)
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    actor_id = fields.String(allow_none=True)
    actor_role = fields.String(required=True)
    details = fields.Dict(required=True)


class RefundSchema(Schema):
    id = fields.String(required=True)
    method = fields.String(required=True)
    status = fields.String(required=True)
    reference = fields.String(allow_none=True)
    transfer_reversal_id = fields.String(metadata={
        "description": "Card refunds only: the reversal of the supplier's transfer."})
    amount = MoneyField(required=True, metadata=TOTAL_PATTERN)
    currency = fields.String(required=True)
    reason = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)

    @post_dump
    def _card_fields_only_for_cards(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if data.get("transfer_reversal_id") is None:
            data.pop("transfer_reversal_id", None)
        return data


class OrderSummarySchema(Schema):
    id = fields.String(required=True)
    checkout_id = fields.String(required=True)
    buyer_id = fields.String(required=True, attribute="buyer_org_id")
    supplier_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in OrderStatus]))
    currency = fields.String(required=True)
    subtotal = MoneyField(required=True, metadata=TOTAL_PATTERN)
    lines = fields.List(fields.Nested(OrderLineSchema), required=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    paid_at = fields.AwareDateTime(allow_none=True)
    shipped_at = fields.AwareDateTime(allow_none=True)
    delivered_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    refunded_at = fields.AwareDateTime(allow_none=True)


class OrderSchema(OrderSummarySchema):
    shipping_address = fields.Nested(AddressSchema, required=True)
    transfer_id = fields.String(allow_none=True, metadata={
        "description": "Card payments: the transfer of the supplier's share (Stripe)."})
    platform_fee = MoneyField(allow_none=True, metadata={
        **TOTAL_PATTERN, "description": "Card payments: the platform's fee kept from the "
                                        "subtotal (the supplier receives the rest)."})
    events = fields.List(fields.Nested(OrderEventSchema), required=True)
    refunds = fields.List(fields.Nested(RefundSchema), required=True)


class BankAccountSchema(Schema):
    name = fields.String(required=True)
    number = fields.String(required=True)
    bank = fields.String(required=True)


class PaymentSchema(Schema):
    method = fields.String(required=True)
    status = fields.String(required=True)
    currency = fields.String(required=True)
    amount = MoneyField(required=True, metadata={**TOTAL_PATTERN,
                                                 "description": "Still due for live orders."})
    amount_refunded = MoneyField(required=True, metadata=TOTAL_PATTERN)
    reference = fields.String(allow_none=True,
                              metadata={"description": "Quote it on the bank transfer."})
    bank_account = fields.Nested(BankAccountSchema, allow_none=True)
    payment_intent_id = fields.String(allow_none=True)
    client_secret = fields.String(allow_none=True)
    paid_at = fields.AwareDateTime(allow_none=True)


class CheckoutSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True,
                           validate=validate.OneOf([s.value for s in CheckoutStatus]))
    buyer_id = fields.String(required=True, attribute="buyer_org_id")
    currency = fields.String(required=True)
    total = MoneyField(required=True, metadata=TOTAL_PATTERN)
    expires_at = fields.AwareDateTime(required=True)
    created_at = fields.AwareDateTime(required=True)
    paid_at = fields.AwareDateTime(allow_none=True)
    shipping_address = fields.Nested(AddressSchema, required=True)
    orders = fields.List(fields.Nested(OrderSummarySchema), required=True)
    payment = fields.Nested(PaymentSchema, required=True)


class OrderListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in OrderStatus]))



class ReasonSchema(Schema):
    reason = text(1000, required=True)


class MarkPaidSchema(Schema):
    bank_reference = text(100, required=True,
                          metadata={"description": "The bank's transaction number."})



_CHECKOUT = CheckoutSchema()


def checkout_answer(checkout: Any, client_secret: str | None = None) -> dict[str, Any]:
    """A checkout (stored, or just placed) as the API answers it; the card payment's
    `client_secret` is added only when given (to the buyer, while it awaits payment)."""
    body: dict[str, Any] = _CHECKOUT.dump(checkout)
    if client_secret:
        body["payment"]["client_secret"] = client_secret
    return body

class CheckoutSearchArgs(PageArgs):
    reference = fields.String(validate=validate.Length(max=64),
                              metadata={"description": "Transfer reference, e.g. MG-7K3Q-9XPA."})
    status = fields.String(validate=validate.OneOf([s.value for s in CheckoutStatus]))
