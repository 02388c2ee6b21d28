"""A small fake Elasticsearch 9 server over real HTTP, for tests without a cluster.

The real `elasticsearch.Elasticsearch` client talks to it. It answers like Elasticsearch
9 for what the search backend uses — `GET /` (with the `X-Elastic-Product: Elasticsearch`
header the client insists on, sent on every response), index create / exists / delete,
`GET {pattern}/_alias`, `POST /_aliases`, `_bulk` (NDJSON, per-item results, external
versions, `require_alias`, the index's strict mapping), `_search`, `_count`, `_refresh` —
and records every request (method, path, query string, body) for assertions.

`_search` answers what the test scripted (`search_responses`, a queue, or
`search_handler`), by default no hits; `_count` counts the stored documents that are not
tombstones. With `evaluate=True` it runs searches itself (`Evaluator`): the subset of the
Query DSL the search backend sends, over text analysed by whitespace only (the token
fields), without highlighting — a simulation for running the contract suite without a
cluster, not a substitute for one. Failures are scripted too: `item_failures` (an item fails
permanently), `item_rejections` (an item is answered `429` so many times), `fail(...)`
(whole requests answered with an error status so many times).

    with FakeElasticsearch() as fake:
        client = Elasticsearch(fake.url)
"""

from __future__ import annotations

import fnmatch
import functools
import json
import math
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

VERSION = "9.1.4"
CONTENT_TYPE = "application/vnd.elasticsearch+json;compatible-with=9"
PRODUCT_HEADERS = {"X-Elastic-Product": "Elasticsearch"}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes

    @property
    def body(self) -> Any:
        """The JSON body (a list of lines for NDJSON), or None."""
        if not self.raw:
            return None
        text = self.raw.decode("utf-8")
        if "ndjson" in self.headers.get("content-type", ""):
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        return json.loads(text)

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class FakeIndex:
    name: str
    mappings: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    aliases: set[str] = field(default_factory=set)
    docs: dict[str, tuple[int | None, dict[str, Any]]] = field(default_factory=dict)
    refreshes: int = 0


@dataclass
class _Failure:
    method: str
    path: re.Pattern[str]
    status: int
    times: int
    error_type: str


class ApiFailure(Exception):
    def __init__(self, status: int, error_type: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.error_type, self.reason = status, error_type, reason


def error_body(status: int, error_type: str, reason: str, **extra: Any) -> dict[str, Any]:
    cause = {"type": error_type, "reason": reason, **extra}
    return {"error": {"root_cause": [cause], **cause}, "status": status}


def hits_response(
    documents: list[dict[str, Any]],
    *,
    total: int | None = None,
    aggregations: dict[str, Any] | None = None,
    highlights: dict[str, dict[str, list[str]]] | None = None,
    index: str = "listings-00000000000000000000",
) -> dict[str, Any]:
    """A `_search` response with these `_source`s as hits (in order)."""
    hits = []
    for position, doc in enumerate(documents):
        hit: dict[str, Any] = {
            "_index": index, "_id": str(doc.get("id")), "_score": None, "_source": doc,
            "sort": [position],
        }
        if highlights and str(doc.get("id")) in highlights:
            hit["highlight"] = highlights[str(doc.get("id"))]
        hits.append(hit)
    response: dict[str, Any] = {
        "took": 1,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {
            "total": {"value": len(documents) if total is None else total, "relation": "eq"},
            "max_score": None,
            "hits": hits,
        },
    }
    if aggregations is not None:
        response["aggregations"] = aggregations
    return response


def terms_aggregation(counts: dict[str, int]) -> dict[str, Any]:
    """A facet as the backend asks for it: a `filter` aggregation around `terms`."""
    buckets = [{"key": k, "doc_count": n} for k, n in sorted(counts.items(), key=lambda i: -i[1])]
    return {
        "doc_count": sum(counts.values()),
        "values": {"doc_count_error_upper_bound": 0, "sum_other_doc_count": 0,
                   "buckets": buckets},
    }


class FakeElasticsearch:
    def __init__(self, *, evaluate: bool = False) -> None:
        self.evaluate = evaluate
        self.requests: list[Request] = []
        self.indices: dict[str, FakeIndex] = {}
        self.search_responses: list[dict[str, Any]] = []
        self.search_handler: Callable[[list[str], dict[str, Any]], dict[str, Any]] | None = None
        self.item_failures: dict[str, tuple[int, str, str]] = {}
        self.item_rejections: dict[str, int] = {}
        self._failures: list[_Failure] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeElasticsearch:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeElasticsearch:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # --- scripting and assertions ---------------------------------------------------------

    def fail(self, method: str, path: str, status: int, *, times: int = 1,
             error_type: str = "es_rejected_execution_exception") -> None:
        """Answer the next `times` requests matching (method, path regex) with `status`."""
        self._failures.append(_Failure(method, re.compile(path), status, times, error_type))

    def calls(self, method: str | None = None, path: str | None = None) -> list[Request]:
        """Recorded requests, optionally only those with this method / matching path regex."""
        with self._lock:
            found = list(self.requests)
        return [
            r for r in found
            if (method is None or r.method == method)
            and (path is None or re.fullmatch(path, r.path))
        ]

    def endpoints(self) -> list[str]:
        """`METHOD /path` of every request, in order (HEAD/GET of `/` left out)."""
        return [r.endpoint for r in self.calls() if r.path != "/"]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def alias_indices(self, alias: str) -> list[str]:
        with self._lock:
            return sorted(i.name for i in self.indices.values() if alias in i.aliases)

    # --- request handling -----------------------------------------------------------------

    def handle(self, request: Request) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(request)
            for failure in self._failures:
                if (failure.times > 0 and failure.method == request.method
                        and failure.path.fullmatch(request.path)):
                    failure.times -= 1
                    reason = f"scripted failure of {request.endpoint}"
                    return failure.status, error_body(failure.status, failure.error_type, reason)
            try:
                return self._route(request)
            except ApiFailure as exc:
                return exc.status, error_body(exc.status, exc.error_type, exc.reason)

    def _route(self, r: Request) -> tuple[int, Any]:
        parts = [unquote(p) for p in r.path.strip("/").split("/") if p]
        m = r.method
        if not parts:
            return 200, self._info()
        if parts == ["_bulk"]:
            return self._bulk(r, None)
        if parts == ["_aliases"] and m == "POST":
            return self._update_aliases(r.body or {})
        if len(parts) == 2 and parts[0] == "_alias":
            return self._get_alias_by_name(parts[1])
        target = parts[0]
        if len(parts) == 1:
            if m == "PUT":
                return self._create(target, r.body or {})
            if m == "HEAD":
                return (200 if self._resolve(target, must_exist=False) else 404), None
            if m == "DELETE":
                return self._delete(target)
            if m == "GET":
                return 200, {
                    i: {"aliases": {a: {} for a in sorted(self.indices[i].aliases)},
                        "mappings": self.indices[i].mappings,
                        "settings": {"index": self.indices[i].settings}}
                    for i in self._resolve(target)
                }
        if len(parts) == 2:
            action = parts[1]
            if action == "_alias" and m == "GET":
                return 200, {
                    i: {"aliases": {a: {} for a in sorted(self.indices[i].aliases)}}
                    for i in self._resolve(target, must_exist=False)
                }
            if action == "_bulk":
                return self._bulk(r, target)
            if action == "_search":
                return self._search(target, r.body or {})
            if action == "_count":
                return self._count(target)
            if action == "_refresh":
                indices = self._resolve(target)
                for name in indices:
                    self.indices[name].refreshes += 1
                shards = {"total": len(indices), "successful": len(indices), "failed": 0}
                return 200, {"_shards": shards}
        raise ApiFailure(400, "illegal_argument_exception",
                         f"the fake has no endpoint {r.method} {r.path}")

    def _info(self) -> dict[str, Any]:
        return {
            "name": "fake-node",
            "cluster_name": "fake",
            "cluster_uuid": "fakefakefakefakefake00",
            "version": {
                "number": VERSION,
                "build_flavor": "default",
                "build_type": "docker",
                "lucene_version": "10.2.2",
                "minimum_wire_compatibility_version": "8.19.0",
                "minimum_index_compatibility_version": "8.0.0",
            },
            "tagline": "You Know, for Search",
        }

    def _resolve(self, target: str, *, must_exist: bool = True) -> list[str]:
        """Index names for a comma-separated list of indices, aliases and wildcards."""
        found: list[str] = []
        for expression in target.split(","):
            names = [
                i.name for i in self.indices.values()
                if fnmatch.fnmatchcase(i.name, expression)
                or any(fnmatch.fnmatchcase(a, expression) for a in i.aliases)
            ]
            if not names and must_exist and "*" not in expression:
                raise ApiFailure(404, "index_not_found_exception", f"no such index [{expression}]")
            found.extend(n for n in sorted(names) if n not in found)
        return found

    def _create(self, name: str, body: dict[str, Any]) -> tuple[int, Any]:
        if name in self.indices:
            raise ApiFailure(400, "resource_already_exists_exception",
                             f"index [{name}] already exists")
        if name != name.lower() or name.startswith(("_", "-")):
            raise ApiFailure(400, "invalid_index_name_exception", f"Invalid index name [{name}]")
        self.indices[name] = FakeIndex(
            name=name,
            mappings=body.get("mappings") or {},
            settings=body.get("settings") or {},
            aliases=set(body.get("aliases") or {}),
        )
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}

    def _delete(self, target: str) -> tuple[int, Any]:
        for name in target.split(","):
            if name not in self.indices:
                raise ApiFailure(404, "index_not_found_exception", f"no such index [{name}]")
        for name in target.split(","):
            del self.indices[name]
        return 200, {"acknowledged": True}

    def _get_alias_by_name(self, alias: str) -> tuple[int, Any]:
        found = {
            i.name: {"aliases": {alias: {}}}
            for i in self.indices.values() if alias in i.aliases
        }
        if not found:
            return 404, {"error": f"alias [{alias}] missing", "status": 404}
        return 200, found

    def _update_aliases(self, body: dict[str, Any]) -> tuple[int, Any]:
        changes: list[tuple[str, str, str]] = []
        for action in body.get("actions") or []:
            (kind, spec), = action.items()
            indices = [spec["index"]] if "index" in spec else list(spec.get("indices") or [])
            aliases = [spec["alias"]] if "alias" in spec else list(spec.get("aliases") or [])
            for index in indices:
                if index not in self.indices:
                    raise ApiFailure(404, "index_not_found_exception", f"no such index [{index}]")
                for alias in aliases:
                    present = alias in self.indices[index].aliases
                    if kind == "remove" and not present and spec.get("must_exist"):
                        raise ApiFailure(404, "aliases_not_found_exception",
                                         f"aliases [{alias}] missing")
                    changes.append((kind, index, alias))
        for kind, index, alias in changes:  # all or nothing, like Elasticsearch
            if kind == "add":
                self.indices[index].aliases.add(alias)
            elif kind == "remove":
                self.indices[index].aliases.discard(alias)
        return 200, {"acknowledged": True}

    def _write_index(self, target: str, require_alias: bool) -> str:
        aliased = [i.name for i in self.indices.values() if target in i.aliases]
        if aliased:
            if len(aliased) > 1:
                raise ApiFailure(400, "illegal_argument_exception",
                                 f"no write index is defined for alias [{target}]")
            return aliased[0]
        if require_alias:
            raise ApiFailure(404, "index_not_found_exception",
                             f"no such index [{target}] and [require_alias] request flag is "
                             f"[true] and [{target}] is not an alias")
        if target not in self.indices:
            self.indices[target] = FakeIndex(name=target)  # auto-created, as Elasticsearch does
        return target

    def _bulk(self, r: Request, default_index: str | None) -> tuple[int, Any]:
        lines = r.body or []
        require_alias = r.query.get("require_alias") == "true"
        items: list[dict[str, Any]] = []
        i = 0
        while i < len(lines):
            (op, meta), = lines[i].items()
            source = lines[i + 1] if op in ("index", "create", "update") else None
            i += 2 if source is not None else 1
            items.append({op: self._bulk_item(op, meta, source, default_index, require_alias)})
        errors = any("error" in next(iter(item.values())) for item in items)
        return 200, {"took": 1, "errors": errors, "items": items}

    def _bulk_item(self, op: str, meta: dict[str, Any], source: dict[str, Any] | None,
                   default_index: str | None, require_alias: bool) -> dict[str, Any]:
        target = str(meta.get("_index") or default_index)
        doc_id = str(meta.get("_id"))
        base: dict[str, Any] = {"_index": target, "_id": doc_id}
        try:
            if self.item_rejections.get(doc_id, 0) > 0:
                self.item_rejections[doc_id] -= 1
                raise ApiFailure(429, "es_rejected_execution_exception",
                                 "rejected execution of coordinating operation")
            if doc_id in self.item_failures:
                raise ApiFailure(*self.item_failures[doc_id])
            index = self.indices[self._write_index(target, require_alias
                                                   or bool(meta.get("require_alias")))]
            base["_index"] = index.name
            stored = index.docs.get(doc_id)
            version = meta.get("version")
            if version is not None and stored is not None and stored[0] is not None:
                strict = meta.get("version_type") == "external"
                if version < stored[0] or (strict and version == stored[0]):
                    raise ApiFailure(
                        409, "version_conflict_engine_exception",
                        f"[{doc_id}]: version conflict, current version [{stored[0]}] is "
                        f"higher or equal to the one provided [{version}]",
                    )
            if op == "delete":
                if stored is None:
                    return {**base, "_version": version or 1, "result": "not_found",
                            "status": 404}
                del index.docs[doc_id]
                return {**base, "_version": version or 1, "result": "deleted", "status": 200}
            assert source is not None
            _check_strict(index.mappings, source, "")
            index.docs[doc_id] = (version, source)
            result = "updated" if stored is not None else "created"
            return {**base, "_version": version or 1, "result": result,
                    "status": 200 if stored is not None else 201,
                    "_shards": {"total": 1, "successful": 1, "failed": 0}}
        except ApiFailure as exc:
            return {**base, "status": exc.status,
                    "error": {"type": exc.error_type, "reason": exc.reason}}

    def _search(self, target: str, body: dict[str, Any]) -> tuple[int, Any]:
        indices = self._resolve(target)
        if self.search_responses:
            return 200, self.search_responses.pop(0)
        if self.search_handler is not None:
            return 200, self.search_handler(indices, body)
        if self.evaluate:
            return 200, Evaluator(self, indices).search(body)
        return 200, hits_response([])

    def _count(self, target: str) -> tuple[int, Any]:
        indices = self._resolve(target)
        n = sum(
            1 for name in indices for _, source in self.indices[name].docs.values()
            if not source.get("tombstone")
        )
        shards = {"total": len(indices), "successful": len(indices), "skipped": 0, "failed": 0}
        return 200, {"count": n, "_shards": shards}


def _check_strict(mapping: dict[str, Any], source: dict[str, Any], prefix: str) -> None:
    """Reject fields a `dynamic: strict` mapping does not know (types are not checked)."""
    if mapping.get("dynamic") not in ("strict", "false", False) and prefix == "":
        return
    properties = mapping.get("properties") or {}
    for key, value in source.items():
        if key not in properties:
            raise ApiFailure(400, "strict_dynamic_mapping_exception",
                             f"[1:1] mapping set to strict, dynamic introduction of [{key}] "
                             f"within [{prefix or '_doc'}] is not allowed")
        child = properties[key]
        if "properties" in child and isinstance(value, dict):
            _check_strict({"dynamic": "strict", **child}, value, f"{prefix}{key}.")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeElasticsearch"

    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every request.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=raw,
        )
        fake: FakeElasticsearch = self.server.fake  # type: ignore[attr-defined]
        status, payload = fake.handle(request)
        data = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        for name, value in PRODUCT_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", "0" if self.command == "HEAD" else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve


def free_port() -> int:
    """A port nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def running() -> Iterator[FakeElasticsearch]:
    """A pytest fixture body: `fake = pytest.fixture(running)`."""
    with FakeElasticsearch() as fake:
        yield fake


class Evaluator:
    """Runs a search body over stored documents: `bool`, `constant_score`, `match_all`,
    `match_none`, `term`, `terms`, `range`, `multi_match` (`best_fields`, `bool_prefix`,
    `phrase`, `phrase_prefix`) on whitespace-separated tokens; `post_filter`; `filter` and
    `terms` aggregations; `sort`; `from`/`size`; `_source` includes and the mapping's
    excludes. Scores are the sum of matching `should` clauses' constant boosts."""

    def __init__(self, fake: FakeElasticsearch, indices: list[str]) -> None:
        self.fake = fake
        self.docs = [
            (doc_id, source, fake.indices[name])
            for name in indices for doc_id, (_, source) in sorted(fake.indices[name].docs.items())
        ]

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        query = body.get("query") or {"match_all": {}}
        matched = []
        for doc_id, source, index in self.docs:
            score = self.score(query, source)
            if score is not None:
                matched.append((doc_id, source, index, score))
        aggregations = {
            name: self.aggregate(spec, [m[1] for m in matched])
            for name, spec in (body.get("aggregations") or {}).items()
        }
        post = body.get("post_filter")
        if post is not None:
            matched = [m for m in matched if self.score(post, m[1]) is not None]
        matched.sort(key=functools.cmp_to_key(self._comparator(body.get("sort") or [])))
        start, size = int(body.get("from", 0)), int(body.get("size", 10))
        hits = []
        for doc_id, source, index, score in matched[start:start + size]:
            hits.append({"_index": index.name, "_id": doc_id, "_score": score,
                         "_source": self._source(source, index, body.get("_source")),
                         "sort": [self._sort_value(spec, source, score)
                                  for spec in body.get("sort") or []]})
        response = hits_response([])
        response["hits"]["hits"] = hits
        response["hits"]["total"] = {"value": len(matched), "relation": "eq"}
        if aggregations:
            response["aggregations"] = aggregations
        return response

    # --- queries --------------------------------------------------------------------------

    def score(self, query: dict[str, Any], source: dict[str, Any]) -> float | None:
        """The score of a matching document, None when it does not match."""
        (kind, spec), = query.items()
        if kind == "match_all":
            return 0.0
        if kind == "match_none":
            return None
        if kind == "bool":
            return self._bool(spec, source)
        if kind == "constant_score":
            matched = self.score(spec["filter"], source) is not None
            return float(spec.get("boost", 1.0)) if matched else None
        if kind == "term":
            (field_name, value), = spec.items()
            value = value["value"] if isinstance(value, dict) else value
            return 0.0 if value in _values(source, field_name) else None
        if kind == "terms":
            (field_name, wanted), = spec.items()
            found = _values(source, field_name)
            return 0.0 if any(w in found for w in wanted) else None
        if kind == "range":
            (field_name, bounds), = spec.items()
            return 0.0 if self._in_range(source, field_name, bounds) else None
        if kind == "multi_match":
            return 0.0 if any(self._match(spec, source, f) for f in spec["fields"]) else None
        raise ApiFailure(400, "parsing_exception", f"the fake cannot evaluate [{kind}]")

    def _bool(self, spec: dict[str, Any], source: dict[str, Any]) -> float | None:
        total = 0.0
        for clause in _list(spec.get("filter")) + _list(spec.get("must")):
            score = self.score(clause, source)
            if score is None:
                return None
            total += score
        if any(self.score(c, source) is not None for c in _list(spec.get("must_not"))):
            return None
        should = [self.score(c, source) for c in _list(spec.get("should"))]
        hits = [s for s in should if s is not None]
        required = spec.get("minimum_should_match")
        if required is None:
            required = 0 if (spec.get("filter") or spec.get("must")) else (1 if should else 0)
        if len(hits) < int(required):
            return None
        return total + sum(hits)

    def _match(self, spec: dict[str, Any], source: dict[str, Any], field_name: str) -> bool:
        words = str(spec["query"]).split()
        kind = spec.get("type", "best_fields")
        for value in _values(source, field_name):
            tokens = str(value).split()
            if kind == "best_fields" and all(w in tokens for w in words):
                return True
            if kind == "bool_prefix" and all(w in tokens for w in words[:-1]) and any(
                t.startswith(words[-1]) for t in tokens
            ):
                return True
            if kind in ("phrase", "phrase_prefix"):
                for start in range(len(tokens) - len(words) + 1):
                    window = tokens[start:start + len(words)]
                    if window[:-1] == words[:-1] and (
                        window[-1] == words[-1]
                        or (kind == "phrase_prefix" and window[-1].startswith(words[-1]))
                    ):
                        return True
        return False

    def _in_range(self, source: dict[str, Any], field_name: str, bounds: dict[str, Any]) -> bool:
        factor = {"min_unit_price": 100, "moq": 1000}.get(field_name, 1)
        for value in _values(source, field_name):
            stored = (Decimal(str(value)) * factor).to_integral_value(ROUND_HALF_UP)
            if "gte" in bounds and stored < math.ceil(Decimal(str(bounds["gte"])) * factor):
                continue
            if "lte" in bounds and stored > math.floor(Decimal(str(bounds["lte"])) * factor):
                continue
            return True
        return False

    # --- aggregations, sorting, source ----------------------------------------------------

    def aggregate(self, spec: dict[str, Any], sources: list[dict[str, Any]]) -> dict[str, Any]:
        if "filter" in spec:
            kept = [s for s in sources if self.score(spec["filter"], s) is not None]
            out: dict[str, Any] = {"doc_count": len(kept)}
            for name, child in (spec.get("aggregations") or {}).items():
                out[name] = self.aggregate(child, kept)
            return out
        if "terms" in spec:
            counts: dict[Any, int] = {}
            for source in sources:
                for value in set(_values(source, spec["terms"]["field"])):
                    counts[value] = counts.get(value, 0) + 1
            ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            size = int(spec["terms"].get("size", 10))
            return {"doc_count_error_upper_bound": 0,
                    "sum_other_doc_count": sum(n for _, n in ordered[size:]),
                    "buckets": [{"key": k, "doc_count": n} for k, n in ordered[:size]]}
        raise ApiFailure(400, "parsing_exception", f"the fake cannot aggregate {list(spec)}")

    @staticmethod
    def _sort_value(spec: dict[str, Any], source: dict[str, Any], score: float) -> Any:
        (field_name, _), = spec.items()
        if field_name == "_score":
            return score
        values = _values(source, field_name)
        return values[0] if values else None

    def _comparator(self, sort: list[dict[str, Any]]) -> Callable[[Any, Any], int]:
        def key(spec: dict[str, Any], item: Any) -> Any:
            value = self._sort_value(spec, item[1], item[3])
            (field_name, _), = spec.items()
            if value is None:
                return None
            if field_name in ("min_unit_price", "moq"):
                return Decimal(str(value))
            if field_name.endswith("_at"):
                return datetime.fromisoformat(str(value))
            return value

        def compare(a: Any, b: Any) -> int:
            for spec in sort:
                (_, options), = spec.items()
                order = options.get("order", "asc") if isinstance(options, dict) else options
                x, y = key(spec, a), key(spec, b)
                if x == y:
                    continue
                if x is None or y is None:  # missing values last, whatever the order
                    return 1 if x is None else -1
                result = -1 if x < y else 1
                return -result if order == "desc" else result
            return 0

        return compare

    @staticmethod
    def _source(source: dict[str, Any], index: FakeIndex, wanted: Any) -> dict[str, Any]:
        excluded = set(((index.mappings.get("_source") or {}).get("excludes")) or ())
        out = {k: v for k, v in source.items() if k not in excluded}
        if isinstance(wanted, dict) and wanted.get("includes"):
            out = {k: v for k, v in out.items() if k in wanted["includes"]}
        return out


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _values(source: dict[str, Any], path: str) -> list[Any]:
    """The values of a dotted field (a list field gives each of its values)."""
    value: Any = source
    for part in path.split("."):
        if not isinstance(value, dict):
            return []
        value = value.get(part)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
