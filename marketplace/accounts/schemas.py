from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from marketplace.accounts.emails import normalize_email
from marketplace.web.schema import Schema
from marketplace.web.validators import validate_uscc

KINDS = ("supplier", "buyer")


class OrganizationInputSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    country = fields.String(
        load_default="CN",
        validate=validate.Regexp(r"^[A-Z]{2}$", error="ISO 3166-1 alpha-2 code, e.g. CN."),
    )


PASSWORD_LENGTH = validate.Length(min=10, max=200, error="Password must be 10 to 200 characters.")


class EmailAddress(fields.Email):
    """An e-mail address, validated and loaded in its normal form (NFKC, lower case), so
    one typed with a full-width keyboard layout is the plain address it looks like."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return normalize_email(super()._deserialize(value, attr, data, **kwargs))


class RegisterSchema(Schema):
    email = EmailAddress(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=PASSWORD_LENGTH)
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    organization = fields.Nested(OrganizationInputSchema, required=True)


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True,
                                     validate=validate.Length(max=200))
    new_password = fields.String(required=True, load_only=True, validate=PASSWORD_LENGTH)


class UserSchema(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    display_name = fields.String(required=True)


class OrganizationSchema(Schema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    country = fields.String(required=True)
    verification_status = fields.String(required=True)
    legal_name = fields.String(allow_none=True)
    verification_reason = fields.String(allow_none=True)


class TokenSchema(Schema):
    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class RegisterResultSchema(Schema):
    user = fields.Nested(UserSchema, required=True)
    organization = fields.Nested(OrganizationSchema, required=True)
    token = fields.String(required=True)
    expires_at = fields.AwareDateTime(required=True)


class MeSchema(Schema):
    user = fields.Nested(UserSchema, required=True)
    organization = fields.Nested(OrganizationSchema, allow_none=True)
    role = fields.String(allow_none=True)
    is_operator = fields.Boolean(required=True)


class VerificationRequestSchema(Schema):
    legal_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    uscc = fields.String(required=True, validate=validate_uscc)
