"""Sample request schemas (API.md "Samples")."""

from __future__ import annotations

from marshmallow import fields, validate

from marketplace.samples.models import SampleStatus
from marketplace.web.fields import QuantityField
from marketplace.web.pagination import PageArgs
from marketplace.web.schema import Schema, text
from marketplace.web.shipping import AddressSchema


class SampleRequestInputSchema(Schema):
    quantity = QuantityField(allow_none=True, minimum=None, positive=True,
                             metadata={"description": "In the listing's unit; at most its MOQ."})
    note = fields.String(allow_none=True, validate=validate.Length(max=2000))
    shipping_address = fields.Nested(AddressSchema, required=True)


class SampleListingSchema(Schema):
    id = fields.String(required=True)
    title_zh = fields.String(required=True)
    inci_name = fields.String(required=True)


class SampleRequestSchema(Schema):
    id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in SampleStatus]))
    listing_id = fields.String(required=True)
    listing = fields.Nested(SampleListingSchema, required=True)
    buyer_id = fields.String(required=True, attribute="buyer_org_id")
    supplier_id = fields.String(required=True)
    quantity = QuantityField(allow_none=True)
    unit = fields.String(required=True)
    note = fields.String(allow_none=True)
    shipping_address = fields.Nested(AddressSchema, required=True)
    decline_reason = fields.String(allow_none=True)
    carrier = fields.String(allow_none=True)
    tracking_number = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    accepted_at = fields.AwareDateTime(allow_none=True)
    declined_at = fields.AwareDateTime(allow_none=True)
    shipped_at = fields.AwareDateTime(allow_none=True)


class SampleListArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in SampleStatus]))


class DeclineSchema(Schema):
    reason = text(1000, required=True)
