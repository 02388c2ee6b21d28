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
    RegisterResultSchema,
    RegisterSchema,
    TokenSchema,
    VerificationRequestSchema,
)
from marketplace.extensions import limiter
from marketplace.web.errors import Unauthorized

blp = Blueprint(
    "accounts", __name__, url_prefix="/api/v1", description="Accounts and organizations"
)


def _token_ttl() -> timedelta:
    return timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])


@blp.route("/auth/register")
class Register(MethodView):
    @blp.arguments(RegisterSchema)
    @blp.response(201, RegisterResultSchema)
    @blp.alt_response(409, description="An account with this e-mail already exists")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
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
        }


def _login_rate_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@limiter.request_filter
def _not_a_login() -> bool:
    """Logins are the only rate-limited route; every other request skips the limiter's
    per-request limit resolution (a few percent of a checkout's CPU)."""
    return request.endpoint != f"{blp.name}.create_token"


@blp.route("/auth/tokens", methods=["POST"])
@limiter.limit(_login_rate_limit, deduct_when=lambda response: response.status_code == 401)
@blp.arguments(LoginSchema)
@blp.response(201, TokenSchema)
@blp.alt_response(401, description="Wrong e-mail or password")
@blp.alt_response(429, description="Too many failed logins from this address; retry later")
def create_token(data: dict[str, str]) -> dict[str, Any]:
    """Log in: exchange e-mail and password for a bearer token.

    Failed attempts are rate limited per client address (MARKETPLACE_LOGIN_RATE_LIMIT).
    """
    issued = services.login(data["email"], data["password"], _token_ttl())
    if issued is None:
        raise Unauthorized("Wrong e-mail or password.")
    return {"token": issued.token, "expires_at": issued.expires_at}


@blp.route("/auth/tokens/current", methods=["DELETE"])
@blp.response(204)
@login_required
def revoke_current_token() -> None:
    """Log out: the token used for this request stops working."""
    token = _bearer_token()
    assert token is not None  # login_required guarantees it
    services.revoke_token(token)


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
