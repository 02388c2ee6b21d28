from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

from search.query import SearchQuery, SearchResult, Suggestion


class SearchUnavailable(RuntimeError):
    """The backend cannot be reached; the API answers 503 and writes are kept in the outbox."""


class DocumentsRejected(SearchUnavailable):
    """A write reached the engine, which refused some listings and applied the rest.

    `failures` maps each refused listing id to the engine's reason; `permanent` holds the
    ids refused for good (the document itself is wrong for the index: retrying the same
    document fails the same way), the others were refused for a passing reason (the engine
    is overloaded) and may be retried.
    """

    def __init__(self, message: str, failures: dict[str, str],
                 permanent: frozenset[str] = frozenset()) -> None:
        super().__init__(message)
        self.failures = dict(failures)
        self.permanent = frozenset(permanent)


@runtime_checkable
class SearchBackend(Protocol):
    """What the web app needs from a search engine. Both backends implement all of it.

    Documents are the dicts made by `search.documents.listing_document`; each carries the
    listing `id` and `version`. Every method may raise `SearchUnavailable` when the engine
    cannot be reached (except `ping`, which answers False instead).
    """

    name: str

    def ping(self) -> bool:
        """True when the backend answers (used by /readyz)."""
        ...

    def upsert(self, documents: Iterable[dict[str, Any]]) -> int:
        """Index documents; answer how many were written.

        A document whose stored version is higher, or whose listing was deleted at the
        same or a higher version, is skipped (a late or repeated event never overwrites
        newer data). An equal version replaces the stored document.
        """
        ...

    def delete(self, items: Iterable[str | tuple[str, int]]) -> int:
        """Remove listings from the index; answer how many documents were removed.

        An item is `(listing_id, version)`: ignored when the stored document has a higher
        version (a late delete never removes a newer re-publish), and remembered so that
        an upsert of that version or an older one arriving later is ignored. A bare
        `listing_id` deletes unconditionally and remembers nothing.
        """
        ...

    def search(self, query: SearchQuery) -> SearchResult:
        """One page of matching listings with total, facets and highlights.

        Ranking: an exact CAS/EC match first, then relevance (titles, INCI, pinyin and
        codes weigh more than synonyms, supplier, attributes, and description), ties
        broken by listing id. Empty text matches every listing.
        """
        ...

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Completions of a typed prefix (Chinese `玫`, English `gra`, pinyin `mei`), best
        first, at most `limit`, one per distinct text."""
        ...

    def count(self) -> int:
        """Number of documents in the index."""
        ...

    def rebuild(
        self,
        documents: Iterable[dict[str, Any]],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Replace the whole index with `documents`, answering how many were loaded.

        Searches keep answering from the old index until the new one is complete, then
        switch atomically. Upserts and deletes made meanwhile reach both. `progress` is
        called with the number of documents loaded so far. On failure the old index stays.
        """
        ...

    def clear(self) -> None:
        """Remove every document (and deletion record)."""
        ...

    def close(self) -> None:
        """Release connections; the backend reconnects if used again."""
        ...
