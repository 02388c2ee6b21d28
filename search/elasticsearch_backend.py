"""The Elasticsearch backend (official `elasticsearch` 9 client, injected).

* **Indices**: versioned indices `<prefix>-<UTC timestamp with microseconds>` behind the
  alias `<prefix>`; searches read the alias. `ensure_index` creates the first index with the
  alias (on first use). The mapping and analysis are in `search.es_mapping`, the Query DSL
  in `search.es_query`.
* **Writes** go through `helpers.streaming_bulk` (per-item results, `429` rejections retried
  with back-off) to the alias — and, while a rebuild runs, also to the alias
  `<prefix>-rebuilding` naming the index being built — with `require_alias` so a write
  never auto-creates an index. Refresh is never forced: changes become visible with the
  index's refresh interval (1 s by default). Version conflicts (`409`) are expected and
  skipped; any other failed item is raised after the batch as `BulkWriteError`, naming the
  listings.
* **Versions**: every document is written with `version_type=external_gte`. Why *gte* and
  not *external*: a listing change that does not bump the listing's version (its
  supplier's name or verification changed) re-sends the same version, and that must
  replace the stored copy; a repeated event is harmless either way. A lower version is
  refused by Elasticsearch itself, so a late or repeated event never overwrites newer data.
* **Deletes**: Elasticsearch forgets a deleted document's version after `index.gc_deletes`
  (60 s), after which an older upsert arriving late would resurrect the listing; and with
  *gte* an upsert of the very version that was deleted would win. So a versioned delete
  writes a **tombstone** document instead (`tombstone: true`, excluded from every search,
  count and suggestion), and versions are doubled: a listing document at version `v` has
  external version `2v`, a tombstone `2v + 1`. Then `external_gte` gives exactly the
  interface's rules: a delete wins over the same version, an upsert needs a strictly
  newer version to replace a tombstone, and a delete older than the stored document is
  refused. Tombstones are kept across rebuilds (copied into the new index) and removed by
  `clear`. A bare `listing_id` is a real delete (nothing is remembered beyond
  Elasticsearch's own `gc_deletes` window).
* **Rebuild** (zero downtime): create a new index (with the `-rebuilding` alias), copy the
  tombstones, bulk-load the documents, refresh it once, then one `update_aliases` call
  removes the alias from the old index(es), adds it to the new one and drops the
  rebuilding alias; the old index is deleted only after that. If anything fails before
  the swap, the new index is deleted and the alias is untouched.
* **Errors**: connection errors, timeouts, `5xx`, `429`, `401/403`, a missing index and a
  server that is not Elasticsearch raise `SearchUnavailable` with what was being done
  (the API answers 503); other API errors (a `400` is a bug here) propagate.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from elastic_transport import ObjectApiResponse
from elasticsearch import (
    ApiError,
    Elasticsearch,
    NotFoundError,
    TransportError,
    UnsupportedProductError,
)
from elasticsearch.helpers import streaming_bulk

from search import es_mapping
from search.es_query import COUNT_QUERY, SearchRequest, SuggestRequest
from search.interface import DocumentsRejected, SearchUnavailable
from search.query import SearchQuery, SearchResult, Suggestion
from search.synonyms import SynonymTable, default_table

log = logging.getLogger(__name__)

UNAVAILABLE_STATUSES = frozenset({401, 403, 404, 429})
TOMBSTONE_PAGE = 1000
Action = dict[str, Any]


class BulkWriteError(DocumentsRejected):
    """Some documents were refused (other than by a version conflict); the rest applied.

    `failures` maps listing ids to Elasticsearch's reason. An item refused with 429 or a
    5xx is retried later by the outbox; any other 4xx (a mapping or parsing error) is
    `permanent` and its outbox row is parked instead of blocking the rows behind it.
    """

    def __init__(self, what: str, failures: dict[str, str],
                 permanent: frozenset[str] = frozenset()) -> None:
        shown = "; ".join(f"{key}: {reason}" for key, reason in list(failures.items())[:10])
        more = f" (and {len(failures) - 10} more)" if len(failures) > 10 else ""
        super().__init__(
            f"Elasticsearch refused {len(failures)} listing(s) while {what}: {shown}{more}",
            failures, permanent,
        )


@contextmanager
def unavailable(what: str) -> Iterator[None]:
    """Turn Elasticsearch's transport and server errors into `SearchUnavailable`."""
    try:
        yield
    except UnsupportedProductError as exc:
        raise SearchUnavailable(
            f"search unavailable while {what}: the server is not Elasticsearch ({exc})"
        ) from exc
    except ApiError as exc:
        status = exc.meta.status
        if status >= 500 or status in UNAVAILABLE_STATUSES:
            raise SearchUnavailable(
                f"search unavailable while {what}: Elasticsearch answered {status} ({exc})"
            ) from exc
        raise
    except TransportError as exc:
        raise SearchUnavailable(
            f"search unavailable while {what}: cannot reach Elasticsearch ({exc})"
        ) from exc


def _reason(info: dict[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        text = f"{error.get('type', 'error')}: {error.get('reason', '')}"
    else:
        text = str(error or "failed")
    return f"HTTP {info.get('status', '?')} {text}".strip()


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(
        self,
        client: Elasticsearch,
        index_prefix: str = "listings",
        *,
        synonyms: SynonymTable | None = None,
        request_timeout: float = 10.0,
        bulk_timeout: float = 120.0,
        chunk_size: int = 500,
        max_retries: int = 3,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        connect: Callable[[], Elasticsearch] | None = None,
    ) -> None:
        self.alias = index_prefix
        self.rebuilding_alias = f"{index_prefix}-rebuilding"
        self.synonyms = synonyms or default_table()
        self.chunk_size = chunk_size
        self.max_retries = max_retries
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.request_timeout = request_timeout
        self.bulk_timeout = bulk_timeout
        self._connect = connect
        self._closed = False
        self._use(client)
        self._ready = False

    def _use(self, client: Elasticsearch) -> None:
        self._client = client
        # Timeouts go through options(): passing request_timeout to API methods is deprecated.
        self._search_client = client.options(request_timeout=self.request_timeout)
        self._bulk_client = client.options(request_timeout=self.bulk_timeout)

    def _open(self) -> None:
        if self._closed:
            if self._connect is None:
                raise SearchUnavailable("the Elasticsearch backend was closed")
            self._use(self._connect())
            self._closed = False

    @property
    def _es(self) -> Elasticsearch:
        self._open()
        return self._search_client

    @property
    def _bulk_es(self) -> Elasticsearch:
        self._open()
        return self._bulk_client

    def __repr__(self) -> str:
        return f"ElasticsearchBackend(alias={self.alias!r})"

    # --- indices and aliases --------------------------------------------------------------

    def index_body(self) -> dict[str, Any]:
        return es_mapping.index_body(self.synonyms)

    def new_index_name(self) -> str:
        return f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"

    def _create(self, name: str, alias: str) -> None:
        body = self.index_body()
        with unavailable(f"creating index {name}"):
            self._es.indices.create(
                index=name, aliases={alias: {}}, mappings=body["mappings"],
                settings=body["settings"],
            )

    def _versioned(self) -> dict[str, set[str]]:
        """This prefix's versioned indices and their aliases."""
        pattern = re.compile(re.escape(self.alias) + r"-\d{20}")
        with unavailable("reading the index aliases"):
            found = self._es.indices.get_alias(index=f"{self.alias}-*").body
        return {
            index: set((info or {}).get("aliases") or {})
            for index, info in found.items()
            if pattern.fullmatch(index)
        }

    def indices(self) -> tuple[list[str], list[str]]:
        """(indices behind the alias, indices being rebuilt), by name."""
        current, building = [], []
        for index, aliases in sorted(self._versioned().items()):
            if self.alias in aliases:
                current.append(index)
            elif self.rebuilding_alias in aliases:
                building.append(index)
        return current, building

    def ensure_index(self) -> str:
        """The index behind the alias, creating the first one (with the alias) if none."""
        current, _ = self.indices()
        if current:
            self._ready = True
            return current[0]
        return self._create_first()

    def _create_first(self) -> str:
        name = self.new_index_name()
        self._create(name, self.alias)
        log.info("created search index %s behind alias %s", name, self.alias)
        self._ready = True
        return name

    def _ensure_ready(self) -> None:
        if not self._ready:
            self.ensure_index()

    def _read(
        self, what: str, call: Callable[[Elasticsearch], ObjectApiResponse[Any]]
    ) -> dict[str, Any]:
        """A read on the alias (created on first use); if the index has gone missing, the
        next call checks again (and a write recreates it)."""
        self._ensure_ready()
        try:
            with unavailable(what):
                return dict(call(self._es).body)
        except SearchUnavailable as exc:
            if isinstance(exc.__cause__, NotFoundError):
                self._ready = False
            raise

    def _targets(self) -> tuple[list[str], set[str]]:
        """Aliases a write goes to, and the indices that are only being rebuilt."""
        current, building = self.indices()
        if not current:
            self._create_first()
        targets = [self.alias]
        if building:
            targets.append(self.rebuilding_alias)
        return targets, set(building)

    def refresh(self) -> None:
        """Make every write visible now (tests and the CLI; normal writes never force it)."""
        self._ensure_ready()
        with unavailable("refreshing the index"):
            self._es.indices.refresh(index=self.alias)

    # --- bulk writes ----------------------------------------------------------------------

    def _bulk(
        self,
        actions: Iterable[Action],
        what: str,
        counted: frozenset[str],
        skip: Collection[str] = (),
        on_item: Callable[[], None] | None = None,
        **params: Any,
    ) -> int:
        """Run actions; answer how many items outside `skip` indices ended as `counted`."""
        applied = 0
        failures: dict[str, str] = {}
        permanent: set[str] = set()
        with unavailable(what):
            for ok, item in streaming_bulk(
                self._bulk_es,
                actions,
                chunk_size=self.chunk_size,
                raise_on_error=False,
                # A failed request (not an item) is raised: it means the cluster is in trouble.
                raise_on_exception=True,
                max_retries=self.max_retries,
                initial_backoff=self.initial_backoff,
                max_backoff=self.max_backoff,
                **params,
            ):
                op, info = next(iter(item.items()))
                status = int(info.get("status", 500))
                if ok:
                    if info.get("result") in counted and info.get("_index") not in skip:
                        applied += 1
                elif status == 409:
                    pass  # version conflict: the index already holds newer data
                elif op == "delete" and status == 404 and "error" not in info:
                    pass  # nothing to delete
                else:
                    failures[str(info.get("_id"))] = _reason(info)
                    if status < 500 and status not in UNAVAILABLE_STATUSES:
                        permanent.add(str(info.get("_id")))
                if on_item is not None:
                    on_item()
        if failures:
            raise BulkWriteError(what, failures, frozenset(permanent))
        return applied

    @staticmethod
    def _index_action(index: str, doc: dict[str, Any]) -> Action:
        return {
            "_op_type": "index",
            "_index": index,
            "_id": str(doc["id"]),
            "version": es_mapping.external_version(int(doc["version"])),
            "version_type": "external_gte",
            "_source": es_mapping.source(doc),
        }

    @staticmethod
    def _tombstone_action(index: str, listing_id: str, version: int) -> Action:
        return {
            "_op_type": "index",
            "_index": index,
            "_id": listing_id,
            "version": es_mapping.external_version(version, deleted=True),
            "version_type": "external_gte",
            "_source": es_mapping.tombstone(listing_id, version),
        }

    # --- the SearchBackend interface ------------------------------------------------------

    def ping(self) -> bool:
        try:
            return bool(self._es.ping())
        except Exception:  # ping answers, it never raises
            return False

    def upsert(self, documents: Iterable[dict[str, Any]]) -> int:
        targets, building = self._targets()
        actions = (
            self._index_action(target, doc) for doc in documents for target in targets
        )
        return self._bulk(
            actions, "indexing listings", frozenset({"created", "updated"}), building,
            require_alias=True,
        )

    def delete(self, items: Iterable[str | tuple[str, int]]) -> int:
        refs = [(i, None) if isinstance(i, str) else (str(i[0]), int(i[1])) for i in items]
        if not refs:
            return 0
        targets, building = self._targets()
        actions: list[Action] = []
        for listing_id, version in refs:
            for target in targets:
                if version is None:
                    actions.append({"_op_type": "delete", "_index": target, "_id": listing_id})
                else:
                    actions.append(self._tombstone_action(target, listing_id, version))
        # A tombstone that replaced something ("updated") removed a listing; one that was
        # "created" found nothing. (A repeated versioned delete counts again: the stored
        # document was then a tombstone, which Elasticsearch cannot tell us cheaply.)
        return self._bulk(
            actions, "deleting listings", frozenset({"updated", "deleted"}), building,
            require_alias=True,
        )

    def search(self, query: SearchQuery) -> SearchResult:
        request = SearchRequest(query, self.synonyms)
        body = request.body()
        return request.result(
            self._read("searching", lambda es: es.search(index=self.alias, body=body))
        )

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        request = SuggestRequest(prefix, limit)
        body = request.body()
        if body is None:
            return []
        return request.result(
            self._read("suggesting", lambda es: es.search(index=self.alias, body=body))
        )

    def count(self) -> int:
        found = self._read(
            "counting documents", lambda es: es.count(index=self.alias, query=COUNT_QUERY)
        )
        return int(found["count"])

    def rebuild(
        self,
        documents: Iterable[dict[str, Any]],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        return self._replace(documents, progress, keep_tombstones=True)

    def clear(self) -> None:
        """A new empty index behind the alias: no documents, no tombstones."""
        self._replace((), None, keep_tombstones=False)

    def close(self) -> None:
        """Close the client's connections. Used again, the backend reconnects with
        `connect` (a function making a new client), when it was given one."""
        if not self._closed:
            self._client.close()
            self._closed = True
        self._ready = False

    def drop(self) -> None:
        """Delete every versioned index of this prefix (tests on a real cluster clean up)."""
        names = sorted(self._versioned())
        if names:
            with unavailable("deleting indices"):
                self._es.indices.delete(index=names)
        self._ready = False

    # --- rebuild --------------------------------------------------------------------------

    def _replace(
        self,
        documents: Iterable[dict[str, Any]],
        progress: Callable[[int], None] | None,
        *,
        keep_tombstones: bool,
    ) -> int:
        name = self.new_index_name()
        self._create(name, self.rebuilding_alias)
        try:
            if keep_tombstones:
                self._copy_tombstones(name)
            loaded = self._load(name, documents, progress)
            with unavailable(f"refreshing index {name}"):
                self._es.indices.refresh(index=name)
            old = self._swap(name)
        except BaseException:
            self._delete_quietly([name], "a failed rebuild left it")
            raise
        self._ready = True
        self._delete_quietly(old, "the alias moved to the new index")
        log.info("search index %s now behind alias %s (%d documents)", name, self.alias, loaded)
        return loaded

    def _copy_tombstones(self, new_index: str) -> None:
        """Deletion records of the current index → the new one (an older upsert arriving
        after the rebuild must stay refused)."""
        current, _ = self.indices()
        if not current:
            return
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": {"term": {"tombstone": {"value": True}}},
                "sort": [{"id": {"order": "asc"}}],
                "size": TOMBSTONE_PAGE,
                "_source": {"includes": ["id", "version"]},
            }
            if after is not None:
                body["search_after"] = after
            with unavailable("reading deletion records"):
                hits = self._es.search(index=self.alias, body=body).body["hits"]["hits"]
            if not hits:
                return
            actions = [
                self._tombstone_action(new_index, str(h["_source"]["id"]),
                                       int(h["_source"]["version"]))
                for h in hits
            ]
            self._bulk(actions, "copying deletion records", frozenset())
            if len(hits) < TOMBSTONE_PAGE:
                return
            after = hits[-1]["sort"]

    def _load(
        self,
        index: str,
        documents: Iterable[dict[str, Any]],
        progress: Callable[[int], None] | None,
    ) -> int:
        done = 0

        def count() -> None:
            nonlocal done
            done += 1
            if progress is not None and done % self.chunk_size == 0:
                progress(done)

        actions = (self._index_action(index, doc) for doc in documents)
        self._bulk(actions, f"loading index {index}", frozenset(), on_item=count)
        if progress is not None and done % self.chunk_size:
            progress(done)
        return done

    def _swap(self, new_index: str) -> list[str]:
        """Point the alias at the new index in one atomic call; answer the old indices."""
        current, _ = self.indices()
        old = [index for index in current if index != new_index]
        actions: list[dict[str, Any]] = [
            {"remove": {"index": index, "alias": self.alias, "must_exist": True}}
            for index in old
        ]
        actions.append({"add": {"index": new_index, "alias": self.alias}})
        actions.append({"remove": {"index": new_index, "alias": self.rebuilding_alias}})
        with unavailable("switching the alias to the new index"):
            self._es.indices.update_aliases(actions=actions)
        return old

    def _delete_quietly(self, names: list[str], why: str) -> None:
        if not names:
            return
        try:
            with unavailable(f"deleting index {', '.join(names)}"):
                self._es.indices.delete(index=names)
        except Exception as exc:  # the rebuild's outcome stands; the index is only garbage
            log.warning("could not delete search index %s (%s): %s", names, why, exc)
