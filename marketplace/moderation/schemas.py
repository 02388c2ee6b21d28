from __future__ import annotations

from marshmallow import fields, validate

from marketplace.catalog.schemas import ListingSchema, SupplierRefSchema
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.web.pagination import PageArgs
from marketplace.web.schema import Schema


class VerificationDecisionSchema(Schema):
    decision = fields.String(required=True, validate=validate.OneOf(("approve", "reject")))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class AuditLogArgs(PageArgs):
    target_id = fields.String(validate=validate.Length(max=64))
    action = fields.String(validate=validate.Length(max=64))


class AuditLogEntrySchema(Schema):
    id = fields.String(required=True)
    at = fields.AwareDateTime(required=True)
    actor_id = fields.String(allow_none=True)
    action = fields.String(required=True)
    target_type = fields.String(required=True)
    target_id = fields.String(required=True)
    details = fields.Dict(required=True)


class ListingQueueArgs(PageArgs):
    status = fields.String(
        load_default=ListingStatus.PENDING_REVIEW.value,
        validate=validate.OneOf([s.value for s in ListingStatus]),
    )


class ListingDecisionReasonSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class ReviewFlagSchema(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)


class ReviewSupplierSchema(SupplierRefSchema):
    verification_status = fields.String(required=True)


class ReviewListingSchema(ListingSchema):
    """A listing as operators review it: pre-screen flags, what changed since it was last
    published, and whether the supplier is verified (approval requires it)."""

    supplier = fields.Nested(ReviewSupplierSchema, required=True)
    review_flags = fields.List(fields.Nested(ReviewFlagSchema), required=True)
    changed_fields = fields.List(fields.String(), required=True)
