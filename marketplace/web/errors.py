"""Domain errors raised by services and translated to the one HTTP error shape.

Services never import Flask; they raise these. `register_error_handlers` maps them to
flask-smorest's `{"code", "status", "message", "errors"}` body.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.http import HTTP_STATUS_CODES

from marketplace.extensions import db
from payments.interface import PaymentDeclined, PaymentError, PaymentUnavailable
from search.interface import SearchUnavailable


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


class NotFound(DomainError):
    """The object does not exist or the caller may not see it (same answer for both)."""

    status_code = 404


class Forbidden(DomainError):
    status_code = 403


class Conflict(DomainError):
    """Invalid state transition, duplicate, insufficient stock."""

    status_code = 409


class PreconditionFailed(DomainError):
    status_code = 412


class Invalid(DomainError):
    """Validation that needs the database or several fields; `errors` names the fields."""

    status_code = 422

    @classmethod
    def field(cls, field: str, message: str) -> Invalid:
        return cls(message, errors={"json": {field: [message]}})


class Unauthorized(DomainError):
    status_code = 401


class ServiceUnavailable(DomainError):
    status_code = 503


def error_body(status_code: int, message: str | None = None,
               errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """flask-smorest's error shape, for errors raised outside webargs/abort."""
    body: dict[str, Any] = {"code": status_code, "status": HTTP_STATUS_CODES[status_code]}
    if message:
        body["message"] = message
    if errors:
        body["errors"] = errors
    return body


def register_error_handlers(app: Flask) -> None:
    """Map domain and gateway errors to the error shape. A refused request ends its
    transaction with a rollback here, whatever it had written before it was refused, so
    nothing later in the request (the search outbox drain) can commit half of it."""

    def handle_domain_error(exc: DomainError) -> tuple[dict[str, Any], int]:
        db.session.rollback()
        return error_body(exc.status_code, exc.message, exc.errors), exc.status_code

    def handle_method_not_allowed(exc: MethodNotAllowed) -> Any:
        # RFC 9110: a 405 lists the allowed methods (smorest's generic handler drops it).
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() == "allow"]
        return error_body(405), 405, headers

    def handle_search_unavailable(exc: Exception) -> tuple[dict[str, Any], int]:
        app.logger.warning("search backend unavailable: %s", exc)
        return error_body(503, "Search is temporarily unavailable; please retry shortly."), 503

    def handle_payment_error(exc: PaymentError) -> tuple[dict[str, Any], int]:
        db.session.rollback()  # the gateway raised before anything was recorded
        status = (402 if isinstance(exc, PaymentDeclined)
                  else 503 if isinstance(exc, PaymentUnavailable) else 502)
        return error_body(status, str(exc)), status

    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(PaymentError, handle_payment_error)
    app.register_error_handler(SearchUnavailable, handle_search_unavailable)
    app.register_error_handler(MethodNotAllowed, handle_method_not_allowed)
