from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from marketplace.accounts import services
from marketplace.accounts.auth import (
    _bearer_token,
    current_principal,
    login_required,
    org_kind_required,
)
from marketplace.accounts.schemas import (
    LoginSchema,
    MeSchema,
    OrganizationSchema,
    PasswordChangeSchema,
    RegisterResultSchema,
    RegisterSchema,
    TokenSchema,
    VerificationRequestSchema,
)
from marketplace.accounts.throttle import LoginThrottle, TooManyFailures, login_throttle
from marketplace.web.errors import Unauthorized, error_body

blp = Blueprint(
    "accounts", __name__, url_prefix="/api/v1", description="Accounts and organizations"
)


# Responses that carry a token are never stored by a browser or a proxy cache.
NO_STORE = {"Cache-Control": "no-store"}
_NO_STORE_HEADER = {"Cache-Control": {"description": "`no-store`: the body holds a token",
                                      "schema": {"type": "string"}}}


def _token_ttl() -> timedelta:
    return timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])


@blp.route("/auth/register")
class Register(MethodView):
    @blp.arguments(RegisterSchema)
    @blp.response(201, RegisterResultSchema, headers=_NO_STORE_HEADER)
    @blp.alt_response(409, description="An account with this e-mail already exists")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a user and the organization they own; returns a first token."""
        org = data["organization"]
        user, organization, issued = services.register(
            email=data["email"],
            password=data["password"],
            display_name=data["display_name"],
            org_name=org["name"],
            org_kind=org["kind"],
            country=org["country"],
            token_ttl=_token_ttl(),
        )
        return {
            "user": user,
            "organization": organization,
            "token": issued.token,
            "expires_at": issued.expires_at,
        }, NO_STORE


def _throttle() -> LoginThrottle:
    return login_throttle(current_app)


@blp.errorhandler(TooManyFailures)
def _too_many_failures(exc: TooManyFailures) -> tuple[dict[str, Any], int, dict[str, str]]:
    # The error shape of every other refusal, with the seconds to wait.
    return error_body(429, exc.message), 429, {"Retry-After": str(exc.retry_after)}


_RETRY_AFTER = {"Retry-After": {"description": "Seconds until the blocking window ends",
                                "schema": {"type": "integer"}}}


@blp.route("/auth/tokens", methods=["POST"])
@blp.arguments(LoginSchema)
@blp.response(201, TokenSchema, headers=_NO_STORE_HEADER)
@blp.alt_response(401, description="Wrong e-mail or password")
@blp.alt_response(429, description="Too many failed logins for this account or from this "
                                   "address; retry later", headers=_RETRY_AFTER)
def create_token(data: dict[str, str]) -> Any:
    """Log in: exchange e-mail and password for a bearer token.

    Failed logins are limited per account (MARKETPLACE_LOGIN_ACCOUNT_LIMIT) and, more
    loosely, per client address (MARKETPLACE_LOGIN_ADDRESS_LIMIT); a limited account does
    not block the other accounts used from the same address.
    """
    issued = services.login(data["email"], data["password"], _token_ttl(),
                            throttle=_throttle(), address=request.remote_addr)
    if issued is None:
        raise Unauthorized("Wrong e-mail or password.")
    return {"token": issued.token, "expires_at": issued.expires_at}, NO_STORE


@blp.route("/auth/tokens", methods=["DELETE"])
@blp.response(204)
@login_required
def revoke_all_tokens() -> None:
    """Log out everywhere: every token of the caller stops working, this one included."""
    services.revoke_all_tokens(current_principal().user_id)


@blp.route("/auth/tokens/current", methods=["DELETE"])
@blp.response(204)
@login_required
def revoke_current_token() -> None:
    """Log out: the token used for this request stops working."""
    token = _bearer_token()
    assert token is not None  # login_required guarantees it
    services.revoke_token(token)


@blp.route("/auth/password", methods=["POST"])
@blp.response(204)
@blp.alt_response(403, description="The current password is wrong")
@blp.alt_response(429, description="Too many wrong passwords for this account or from this "
                                   "address; retry later", headers=_RETRY_AFTER)
@login_required
@blp.arguments(PasswordChangeSchema)
def change_password(data: dict[str, str]) -> None:
    """Change the caller's password; every other token of theirs stops working.

    A wrong current password counts as a failed login of the account.
    """
    token = _bearer_token()
    assert token is not None  # login_required guarantees it
    services.change_password(
        current_principal().user_id, current_token=token,
        current_password=data["current_password"], new_password=data["new_password"],
        throttle=_throttle(), address=request.remote_addr)


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
@login_required
def me() -> dict[str, Any]:
    """The caller, their organization and whether they are a platform operator."""
    principal = current_principal()
    return {
        "user": principal.user,
        "organization": principal.organization,
        "role": principal.role,
        "is_operator": principal.is_operator,
    }


@blp.route("/organizations/me/verification", methods=["POST"])
@blp.response(202, OrganizationSchema)
@blp.alt_response(409, description="Verification already pending or granted, or USCC taken")
@org_kind_required("supplier", owner=True)
@blp.arguments(VerificationRequestSchema)
def request_verification(data: dict[str, str]) -> Any:
    """Submit the business licence (legal name + 统一社会信用代码) for operator review."""
    org = current_principal().organization
    assert org is not None
    return services.request_verification(org, legal_name=data["legal_name"], uscc=data["uscc"])
