"""The embedded search backend: one SQLite file with FTS5 (not the main database).

* Connections: one per thread and process (re-opened after a fork), WAL mode and a busy
  timeout, so several gunicorn workers share the file: readers never block the writer.
* Generations: the index lives in tables suffixed with a generation number; `meta` names
  the current one. Every search reads `meta` and the tables inside one read transaction,
  so it sees one consistent generation. `rebuild` fills a new generation in batches
  (searches keep using the current one; concurrent upserts/deletes go to both), then
  switches `meta` in one transaction and drops the old tables.
* Versions: a document never replaces a stored one with a higher version; a versioned
  delete leaves a tombstone so an older upsert arriving late cannot resurrect it.
* Speed (see `embedded_sql` and `embedded_plan`): facet characters make counting a result
  set one concatenation, rank-ordered rowids make a page of text results a short walk,
  and `rebuild` writes each batch with one `executemany` per table. `rebuild` and
  `upsert` also accept rows already prepared with `prepare_document` (what
  `search reindex` does in its worker processes). An index written by an older version
  (format 1) is upgraded in place when first opened (one pass over its documents;
  pages of text results sort their matches until the next rebuild). Processes
  of the older version must not keep writing to an upgraded index — their rows would
  lack facet characters and count cells — so after a rolling deploy run `search reindex`.
* Result cache: results by (index file, generation, change count, query); the change
  count is bumped by every write in any process and read in the search's own read
  transaction, so a cached result is never older than what the search would compute.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

from search import embedded_rows as rows
from search import embedded_sql as sql
from search.embedded_plan import SearchPlan, SuggestPlan
from search.interface import SearchUnavailable
from search.query import SearchQuery, SearchResult, Suggestion
from search.synonyms import SynonymTable


class EmbeddedSearchBackend:
    name = "embedded"
    # A picklable function turning a document into what `rebuild`/`upsert` store.
    prepare_document = staticmethod(rows.prepare)

    def __init__(
        self,
        path: str,
        *,
        busy_timeout_ms: int = 5000,
        batch_size: int = 500,
        synonyms: SynonymTable | None = None,
        result_cache_size: int = 256,
    ) -> None:
        self.path = str(path)
        self.busy_timeout_ms = busy_timeout_ms
        self.batch_size = batch_size
        self.synonyms = synonyms
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._epoch = 0
        self._pid = os.getpid()
        # Results by (index uid, generation, change count, query): any write anywhere bumps
        # the count.
        self._results: OrderedDict[tuple[int, int, int, SearchQuery], SearchResult] = (
            OrderedDict()
        )
        self.result_cache_size = result_cache_size
        # Facet combinations by (index uid, generation): append-only within a generation.
        self._combos: dict[tuple[int, int], dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"EmbeddedSearchBackend({self.path!r})"

    # --- connections and transactions ---------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or local.pid != os.getpid() or local.epoch != self._epoch:
            conn = self._open()
            local.conn, local.pid, local.epoch = conn, os.getpid(), self._epoch
        return conn

    def _open(self) -> sqlite3.Connection:
        try:
            directory = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(directory, exist_ok=True)
            conn = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout_ms / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA auto_vacuum = INCREMENTAL")  # effective on a new file only
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA temp_store = MEMORY")
            conn.execute("PRAGMA cache_size = -32000")
            # Map the whole file (address space only; gunicorn workers share the pages).
            conn.execute("PRAGMA mmap_size = 4294967296")
            self._ensure_schema(conn)
        except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
            raise SearchUnavailable(f"search index {self.path} unavailable: {exc}") from exc
        with self._lock:
            if os.getpid() != self._pid:
                self._connections, self._pid = [], os.getpid()
            self._connections.append(conn)
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER)")
        if self._layout_ok(conn):
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            if not conn.execute("SELECT 1 FROM meta WHERE key = 'current'").fetchone():
                for statement in sql.schema(1):
                    conn.execute(statement)
                conn.executemany(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    [("current", 1), ("next", 2), ("format", sql.FORMAT)],
                )
            elif (self._meta(conn, "format") or 1) < sql.FORMAT:
                self._upgrade(conn)
            if self._meta(conn, "uid") is None:
                self._set_meta(conn, "uid", secrets.randbits(62))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _layout_ok(self, conn: sqlite3.Connection) -> bool:
        found = dict(conn.execute(
            "SELECT key, value FROM meta WHERE key IN ('current', 'format', 'uid')"
        ).fetchall())
        return (
            found.get("current") is not None and found.get("uid") is not None
            and (found.get("format") or 1) >= sql.FORMAT
        )

    def _upgrade(self, conn: sqlite3.Connection) -> None:
        """Format 1 → 2: facet characters and rank flags on the live generations (all rows
        unranked: pages sort their matches, as format 1 did, until the next rebuild)."""
        live = {self._meta(conn, "current"), self._meta(conn, "building")} - {None}
        for gen in sorted(g for g in live if g is not None):
            columns = {r[1] for r in conn.execute(f"PRAGMA table_info({sql.names(gen)['docs']})")}
            if not columns:
                continue
            if "facet" not in columns:
                for statement in sql.upgrade(gen):
                    conn.execute(statement)
            rows.fill_facets(conn, gen)
        self._set_meta(conn, "format", sql.FORMAT)

    @contextmanager
    def _transaction(self, mode: str) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        try:
            conn.execute(f"BEGIN {mode}")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise SearchUnavailable(f"search index {self.path}: {exc}") from exc

    def _read(self) -> Any:
        return self._transaction("DEFERRED")

    def _write(self) -> Any:
        return self._transaction("IMMEDIATE")

    @staticmethod
    def _meta(conn: sqlite3.Connection, key: str) -> int | None:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def _current(self, conn: sqlite3.Connection) -> int:
        current = self._meta(conn, "current")
        assert current is not None
        return current

    def _targets(self, conn: sqlite3.Connection) -> list[int]:
        """Generations a write goes to: the current one and the one being rebuilt."""
        building = self._meta(conn, "building")
        current = self._current(conn)
        return [current] if building in (None, current) else [current, building]

    def _set_meta(self, conn: sqlite3.Connection, key: str, value: int | None) -> None:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    @staticmethod
    def _changed(conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('changes', 1) "
            "ON CONFLICT (key) DO UPDATE SET value = value + 1"
        )

    # --- the SearchBackend interface ----------------------------------------------------

    def ping(self) -> bool:
        try:
            with self._read() as conn:
                self._current(conn)
            return True
        except SearchUnavailable:
            return False

    def count(self) -> int:
        with self._read() as conn:
            docs = sql.names(self._current(conn))["docs"]
            return int(conn.execute(f"SELECT count(*) FROM {docs}").fetchone()[0])  # noqa: S608

    def upsert(self, documents: Iterable[dict[str, Any] | rows.Row]) -> int:
        written = 0
        iterator = iter(documents)
        while batch := [rows.prepare(doc) for doc in islice(iterator, self.batch_size)]:
            with self._write() as conn:
                targets = self._targets(conn)
                writers = [rows.Writer(conn, g, preload=len(batch) > 50) for g in targets]
                for row in batch:
                    applied = [rows.upsert(conn, g, row, w) for g, w in zip(targets, writers,
                                                                             strict=True)]
                    written += int(applied[0])
                self._changed(conn)
        return written

    def delete(self, items: Iterable[str | tuple[str, int]]) -> int:
        refs = [(i, None) if isinstance(i, str) else (i[0], int(i[1])) for i in items]
        removed = 0
        with self._write() as conn:
            targets = self._targets(conn)
            for listing_id, version in refs:
                applied = [rows.delete(conn, g, listing_id, version) for g in targets]
                removed += int(applied[0])
            self._changed(conn)
        return removed

    def search(self, query: SearchQuery) -> SearchResult:
        with self._read() as conn:
            meta = dict(conn.execute(
                "SELECT key, value FROM meta WHERE key IN ('uid', 'current', 'changes')"
            ).fetchall())
            uid, gen = int(meta.get("uid") or 0), int(meta["current"])
            key = (uid, gen, int(meta.get("changes") or 0), query)
            cached = self._results.get(key)
            if cached is not None:
                return cached
            with self._lock:
                combos = self._combos.get((uid, gen))
                if combos is None:
                    self._combos = {(uid, gen): {}}  # older generations are gone
                    combos = self._combos[(uid, gen)]
            result = SearchPlan(query, self.synonyms).run(conn, gen, combos)
        if self.result_cache_size > 0:
            with self._lock:
                self._results[key] = result
                while len(self._results) > self.result_cache_size:
                    self._results.popitem(last=False)
        return result

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        plan = SuggestPlan(prefix, limit)
        if plan.match is None:
            return []
        with self._read() as conn:
            return plan.run(conn, self._current(conn))

    def clear(self) -> None:
        with self._write() as conn:
            for g in self._targets(conn):
                for name, table in sql.names(g).items():
                    # Facet combinations keep their numbers: other processes cache them.
                    if name != "combos":
                        conn.execute(f"DELETE FROM {table}")  # noqa: S608
            self._changed(conn)

    def rebuild(
        self,
        documents: Iterable[dict[str, Any] | rows.Row],
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Load a new generation and switch to it. Documents in rank order (shortest
        Chinese title, then id: what the catalogue's reindex streams) are laid out in that
        order, which makes pages of text results cheap; any order gives the same results."""
        with self._write() as conn:
            gen = self._meta(conn, "next") or self._current(conn) + 1
            stale = self._meta(conn, "building")
            if stale is not None and stale != self._current(conn):
                for statement in sql.drop(stale):  # a rebuild that died half-way
                    conn.execute(statement)
            for statement in sql.drop(gen) + sql.schema(gen):
                conn.execute(statement)
            new, old = sql.names(gen), sql.names(self._current(conn))
            conn.execute(f"INSERT INTO {new['tomb']} SELECT id, version FROM {old['tomb']}")  # noqa: S608
            self._set_meta(conn, "next", gen + 1)
            self._set_meta(conn, "building", gen)
        try:
            loaded = self._load(gen, documents, progress)
            with self._write() as conn:
                self._check_building(conn, gen)
                previous = self._current(conn)
                self._set_meta(conn, "current", gen)
                self._set_meta(conn, "building", None)
                self._changed(conn)
            with self._write() as conn:
                for statement in sql.drop(previous):
                    conn.execute(statement)
            self._connection().execute("PRAGMA incremental_vacuum")
            return loaded
        except BaseException:
            with self._write() as conn:
                if self._meta(conn, "building") == gen:
                    self._set_meta(conn, "building", None)
                    for statement in sql.drop(gen):
                        conn.execute(statement)
            raise

    def _load(
        self,
        gen: int,
        documents: Iterable[dict[str, Any] | rows.Row],
        progress: Callable[[int], None] | None,
    ) -> int:
        loaded = 0
        rank = rows.RankState()
        iterator = iter(documents)
        while batch := [rows.prepare(doc) for doc in islice(iterator, self.batch_size)]:
            with self._write() as conn:
                self._check_building(conn, gen)
                rows.load(conn, gen, batch, rank)
            loaded += len(batch)
            if progress is not None:
                progress(loaded)
        with self._write() as conn:
            self._check_building(conn, gen)
            # Merge the FTS5 segments written batch by batch into one b-tree per index:
            # every later search reads one segment instead of dozens.
            for table in ("fts", "sug"):
                name = sql.names(gen)[table]
                conn.execute(f"INSERT INTO {name} ({name}) VALUES ('optimize')")  # noqa: S608
        return loaded

    def _check_building(self, conn: sqlite3.Connection, gen: int) -> None:
        if self._meta(conn, "building") != gen:
            raise RuntimeError("another rebuild of the search index took over; this one stops")

    def close(self) -> None:
        """Close every connection this backend opened in this process."""
        with self._lock:
            connections, self._connections = self._connections, []
            self._epoch += 1
        for conn in connections:
            conn.close()
