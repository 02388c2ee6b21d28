from __future__ import annotations

from typing import Protocol, runtime_checkable


class SearchUnavailable(RuntimeError):
    """The backend cannot be reached; the API answers 503 and writes are kept in the outbox."""


@runtime_checkable
class SearchBackend(Protocol):
    """What the web app needs from a search engine. Both backends implement all of it."""

    name: str

    def ping(self) -> bool:
        """True when the backend answers (used by /readyz)."""
        ...
