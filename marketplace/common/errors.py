"""Domain errors raised by services and translated to the one HTTP error shape.

Services never import Flask; they raise these. `register_error_handlers` maps them to
flask-smorest's `{"code", "status", "message", "errors"}` body.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import abort


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


def register_error_handlers(app: Flask) -> None:
    def handle_domain_error(exc: DomainError):  # type: ignore[no-untyped-def]
        kwargs: dict[str, Any] = {"message": exc.message}
        if exc.errors:
            kwargs["errors"] = exc.errors
        abort(exc.status_code, **kwargs)

    app.register_error_handler(DomainError, handle_domain_error)
