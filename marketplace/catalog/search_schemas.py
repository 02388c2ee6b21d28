"""Request and response schemas of the search endpoints (API.md "Search")."""

from __future__ import annotations

from marshmallow import fields, validate

from marketplace.catalog.vocabulary import CATEGORIES, CERTIFICATIONS
from marketplace.web.fields import MoneyField, QuantityField
from marketplace.web.schema import Schema
from search.query import MAX_PER_PAGE, SORTS


class SearchArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    origin_country = fields.String(validate=validate.Regexp(r"^[A-Z]{2}$"))
    origin_province = fields.String(validate=validate.Length(min=1, max=64))
    certification = fields.List(fields.String(validate=validate.OneOf(CERTIFICATIONS)),
                                load_default=list)
    min_price = MoneyField()
    max_price = MoneyField()
    max_moq = QuantityField()
    in_stock = fields.Boolean()
    sample_available = fields.Boolean()
    verified_supplier = fields.Boolean()
    sort = fields.String(load_default="relevance", validate=validate.OneOf(SORTS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class HitOriginSchema(Schema):
    country = fields.String(required=True)
    province = fields.String(allow_none=True)
    city = fields.String(allow_none=True)


class HitSupplierSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(allow_none=True)
    verified = fields.Boolean(required=True)


class SearchItemSchema(Schema):
    id = fields.String(required=True)
    title_zh = fields.String(required=True)
    title_en = fields.String(allow_none=True)
    inci_name = fields.String(required=True)
    cas_number = fields.String(allow_none=True)
    category = fields.String(required=True)
    origin = fields.Nested(HitOriginSchema, required=True)
    certifications = fields.List(fields.String(), required=True)
    unit = fields.String(required=True)
    moq = fields.String(required=True, metadata={"format": "decimal", "example": "25.000"})
    min_unit_price = fields.String(required=True,
                                   metadata={"format": "decimal", "example": "180.00"})
    currency = fields.String(required=True)
    supplier = fields.Nested(HitSupplierSchema, required=True)
    highlight = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class FacetValueSchema(Schema):
    value = fields.String(required=True)
    count = fields.Integer(required=True)


class SearchResultSchema(Schema):
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    items = fields.List(fields.Nested(SearchItemSchema), required=True)
    facets = fields.Dict(keys=fields.String(),
                         values=fields.List(fields.Nested(FacetValueSchema)), required=True)


class SuggestArgs(Schema):
    q = fields.String(required=True, validate=validate.Length(min=1, max=50))
    limit = fields.Integer(load_default=10, validate=validate.Range(min=1, max=20))


class SuggestionSchema(Schema):
    text = fields.String(required=True)
    listing_id = fields.String(required=True)


class SuggestResultSchema(Schema):
    suggestions = fields.List(fields.Nested(SuggestionSchema), required=True)
