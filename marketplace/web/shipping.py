"""Where goods go and how they travel: the address and shipment shapes orders and sample
requests share."""

from __future__ import annotations

from marshmallow import fields, validate

from marketplace.web.countries import COUNTRIES
from marketplace.web.schema import Schema, text


class AddressSchema(Schema):
    recipient = text(100, required=True)
    phone = fields.String(
        required=True,
        validate=validate.Regexp(r"^\+?[0-9][0-9 ()-]{4,31}$",
                                 error="Phone number: digits, spaces, ( ) - and a leading +."),
    )
    country = fields.String(
        required=True,
        validate=validate.OneOf(sorted(COUNTRIES),
                                error="Unknown country {input!r}; use ISO 3166-1 alpha-2 (CN)."),
    )
    province = text(64, required=True)
    city = text(64, required=True)
    line1 = text(300, required=True)
    line2 = text(300, allow_none=True)
    postal_code = fields.String(allow_none=True, validate=validate.Regexp(r"^[A-Za-z0-9 -]{2,16}$"))


class ShipmentSchema(Schema):
    carrier = text(100, required=True)
    tracking_number = text(100, required=True)
