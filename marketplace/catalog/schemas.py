"""Listing request/response schemas. Field names and vocabularies follow API.md."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from marketplace.catalog.pricing import Tier, tier_errors
from marketplace.catalog.vocabulary import (
    CATEGORIES,
    CERTIFICATIONS,
    CURRENCIES,
    INCOTERMS,
    UNITS,
    ListingStatus,
)
from marketplace.web.countries import COUNTRIES
from marketplace.web.fields import MoneyField, QuantityField
from marketplace.web.pagination import PageArgs
from marketplace.web.schema import Schema
from marketplace.web.validators import validate_cas, validate_ec


def _one_of(choices: tuple[str, ...] | frozenset[str], what: str) -> validate.OneOf:
    message = f"Unknown {what} {{input!r}}; allowed: {{choices}}."
    return validate.OneOf(sorted(choices), error=message)


def _unique(values: list[Any]) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Values must not repeat.")


def _text(max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


class OriginSchema(Schema):
    country = fields.String(
        required=True,
        validate=validate.OneOf(  # sorted: the OpenAPI enum is the same on every start
            sorted(COUNTRIES),
            error="Unknown country {input!r}; use an ISO 3166-1 alpha-2 code like CN.",
        ),
    )
    province = _text(64, allow_none=True)
    city = _text(64, allow_none=True)


class IecicSchema(Schema):
    """China's Inventory of Existing Cosmetic Ingredients (IECIC 2021)."""

    listed = fields.Boolean(required=True)
    name_zh = _text(200, allow_none=True)
    serial = _text(32, allow_none=True)


class SpecificationSchema(Schema):
    parameter = fields.String(required=True, validate=validate.Length(min=1, max=100))
    value = fields.String(required=True, validate=validate.Length(min=1, max=100))
    method = _text(100, allow_none=True)


class PriceTierSchema(Schema):
    min_quantity = QuantityField(required=True, positive=True)
    unit_price = MoneyField(required=True, positive=True)


class ListingInputSchema(Schema):
    """POST body; PATCH loads it with partial=True and re-checks tiers against the merge."""

    title_zh = fields.String(required=True, validate=validate.Length(min=1, max=200))
    title_en = _text(200, allow_none=True)
    inci_name = fields.String(required=True, validate=validate.Length(min=2, max=300))
    cas_number = fields.String(allow_none=True, validate=validate_cas)
    ec_number = fields.String(allow_none=True, validate=validate_ec)
    category = fields.String(required=True, validate=_one_of(CATEGORIES, "category"))
    botanical_name = _text(200, allow_none=True)
    plant_part = _text(100, allow_none=True)
    extraction_method = _text(100, allow_none=True)
    form = _text(100, allow_none=True)
    description = _text(5000, allow_none=True)
    origin = fields.Nested(OriginSchema, required=True)
    certifications = fields.List(
        fields.String(validate=_one_of(CERTIFICATIONS, "certification")),
        validate=[validate.Length(max=len(CERTIFICATIONS)), _unique],
    )
    iecic = fields.Nested(IecicSchema)
    specifications = fields.List(fields.Nested(SpecificationSchema),
                                 validate=validate.Length(max=50))
    unit = fields.String(required=True, validate=_one_of(UNITS, "unit"))
    moq = QuantityField(required=True, positive=True)
    stock_quantity = QuantityField(required=True)
    lead_time_days = fields.Integer(allow_none=True, validate=validate.Range(min=0, max=365))
    shelf_life_months = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=120))
    packaging = _text(200, allow_none=True)
    currency = fields.String(validate=_one_of(CURRENCIES, "currency"))
    price_tiers = fields.List(fields.Nested(PriceTierSchema), required=True,
                              validate=validate.Length(min=1, max=10))
    sample_available = fields.Boolean()
    incoterms = fields.List(fields.String(validate=_one_of(INCOTERMS, "incoterm")),
                            validate=[validate.Length(max=len(INCOTERMS)), _unique])

    @validates_schema
    def _check_tiers(self, data: dict[str, Any], **_: Any) -> None:
        # With partial=True (PATCH) the service re-checks against the stored values.
        if "price_tiers" in data and "moq" in data:
            tiers = [Tier(t["min_quantity"], t["unit_price"]) for t in data["price_tiers"]]
            problems = tier_errors(data["moq"], tiers)
            if problems:
                raise ValidationError(problems, field_name="price_tiers")


class ListingPatchSchema(ListingInputSchema):
    """PATCH body: any subset of the listing fields.

    Partial at the top level only: a nested object (`origin`, `iecic`) or list
    (`price_tiers`, `specifications`) that is sent replaces the stored one whole, so it
    must be complete.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("partial", tuple(ListingInputSchema._declared_fields))
        super().__init__(**kwargs)


class IfMatchHeaderSchema(Schema):
    if_match = fields.String(
        data_key="If-Match",
        metadata={
            "description": 'Only update if the listing still has this version (its ETag, '
            'e.g. `"3"`; `3` is accepted too). Otherwise 412 and nothing changes.',
        },
    )


class SupplierRefSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    verified = fields.Boolean(required=True, attribute="is_verified")


class ListingSchema(ListingInputSchema):
    id = fields.String(required=True)
    supplier = fields.Nested(SupplierRefSchema, required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in ListingStatus]))
    version = fields.Integer(required=True)
    min_unit_price = MoneyField(required=True)
    currency = fields.String(required=True)
    certifications = fields.List(fields.String(), required=True)
    incoterms = fields.List(fields.String(), required=True)
    specifications = fields.List(fields.Nested(SpecificationSchema), required=True)
    iecic = fields.Nested(IecicSchema, required=True)
    sample_available = fields.Boolean(required=True)
    rejection_reason = fields.String(allow_none=True)
    suspension_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    published_at = fields.AwareDateTime(allow_none=True)


class MyListingsArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in ListingStatus]))


class QuoteArgs(Schema):
    quantity = QuantityField(required=True, positive=True)


class QuoteSchema(Schema):
    listing_id = fields.String(required=True)
    quantity = QuantityField(required=True)
    unit_price = MoneyField(required=True)
    # quantity x unit price may exceed the 10 integer digits of a single amount.
    subtotal = MoneyField(required=True, metadata={"pattern": r"^\d{1,20}\.\d{2}$"})
    currency = fields.String(required=True)
