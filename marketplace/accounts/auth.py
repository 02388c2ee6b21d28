"""Bearer-token authentication and the permission decorators every route uses.

`login_required`, `org_kind_required(kind)` and `operator_required` put the caller's
`Principal` in `flask.g.principal` and document the bearer scheme (and 401/403) in OpenAPI.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_smorest import Blueprint

from marketplace.accounts.services import Principal, authenticate_token
from marketplace.web.errors import Forbidden, Unauthorized

F = TypeVar("F", bound=Callable[..., Any])

BEARER_SCHEME = "bearerAuth"




def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_principal() -> Principal:
    """The authenticated caller; only valid inside a route guarded by `login_required`."""
    return g.principal


def optional_principal() -> Principal | None:
    """The caller if a valid token was sent, else None (for routes open to everyone)."""
    if "principal" not in g:
        token = _bearer_token()
        g.principal = authenticate_token(token) if token else None
    return g.principal


def _authenticate() -> Principal:
    token = _bearer_token()
    if token is None:
        raise Unauthorized("Missing bearer token (Authorization: Bearer <token>).")
    principal = authenticate_token(token)
    if principal is None:
        raise Unauthorized("Invalid, expired or revoked token.")
    g.principal = principal
    return principal


def _documented(func: Callable[..., Any], *, forbidden: bool) -> Any:
    responses: dict[int, Any] = {401: {"description": "Missing, invalid, expired or revoked token"}}
    if forbidden:
        responses[403] = {"description": "The caller's role does not allow this action"}
    return Blueprint.doc(security=[{BEARER_SCHEME: []}], responses=responses)(func)


def login_required(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _authenticate()
        return func(*args, **kwargs)

    return _documented(wrapper, forbidden=False)


def org_kind_required(kind: str, *, owner: bool = False) -> Callable[[F], F]:
    """Only members (or, with owner=True, owners) of an organization of `kind`."""

    def decorator(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticate()
            if principal.org_kind != kind:
                raise Forbidden(f"Only {kind} organizations may do this.")
            if owner and not principal.is_owner:
                raise Forbidden("Only an owner of the organization may do this.")
            return func(*args, **kwargs)

        return _documented(wrapper, forbidden=True)

    return decorator


def operator_required(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        principal = _authenticate()
        if not principal.is_operator:
            raise Forbidden("Only platform operators may do this.")
        return func(*args, **kwargs)

    return _documented(wrapper, forbidden=True)
