from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.common.pagination import PageArgs


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
