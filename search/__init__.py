"""Search: the `SearchBackend` interface and its implementations.

The backend is chosen by MARKETPLACE_SEARCH_BACKEND and built once in `create_app`
(see `search.backends.build_backend`).
"""

from search.interface import SearchBackend, SearchUnavailable

__all__ = ["SearchBackend", "SearchUnavailable"]
