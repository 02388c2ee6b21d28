"""Trim Elastic's OpenAPI description of the Elasticsearch REST API to what the tests use.

Keeps the operations listed in OPERATIONS (the request bodies that
tests/contract/test_es_requests.py validates), whole, and every `components` entry reachable
from them through `$ref`, transitively. Everything else (other paths, other methods of a kept
path, unreferenced components) is dropped. The result is still an OpenAPI document: `openapi`,
`info`, `paths` and `components`, in the upstream order, so `$ref`s resolve unchanged.

    .venv/bin/python tests/contracts/trim_elasticsearch_openapi.py \\
        path/to/elasticsearch-serverless-openapi.json tests/contracts/elasticsearch-openapi.json

`--keep "METHOD /path"` (repeatable) replaces the default list of operations.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# (path, method) pairs: keep in step with the `openapi.errors(path, method, …)` calls in
# tests/contract/test_es_requests.py.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("/{index}", "put"),  # index creation: settings, mappings, aliases
    ("/{index}/_search", "post"),  # searches, suggestions, tombstone scan
    ("/{index}/_count", "post"),
    ("/_bulk", "post"),  # index/delete lines
    ("/_aliases", "post"),  # alias swap
)


def refs(node: Any) -> Iterator[str]:
    """Every `$ref` string anywhere inside `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def component(ref: str) -> tuple[str, str]:
    """`#/components/schemas/_types.query_dsl.QueryContainer` → ("schemas", "…Container")."""
    if not ref.startswith("#/components/"):
        raise ValueError(f"unsupported $ref (only local components are handled): {ref}")
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
    if len(parts) < 3:
        raise ValueError(f"$ref does not name a component: {ref}")
    return parts[1], parts[2]


def trim(document: dict[str, Any],
         operations: tuple[tuple[str, str], ...] = OPERATIONS) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, method in operations:
        try:
            operation = document["paths"][path][method]
        except KeyError:
            raise SystemExit(f"{method.upper()} {path} is not in the source document") from None
        paths.setdefault(path, {})[method] = operation
    # Path-level keys (shared `parameters`, `summary`, …) go with the path.
    for path, kept in paths.items():
        for key, value in document["paths"][path].items():
            if key not in {"get", "put", "post", "delete", "options", "head", "patch",
                           "trace"}:
                kept[key] = value

    components = document.get("components", {})
    reached: set[tuple[str, str]] = set()
    pending = list(refs(paths))
    while pending:
        kind, name = component(pending.pop())
        if (kind, name) in reached:
            continue
        if name not in components.get(kind, {}):
            raise SystemExit(f"dangling $ref: #/components/{kind}/{name}")
        reached.add((kind, name))
        pending.extend(refs(components[kind][name]))

    # Upstream order for paths, component kinds and entries: a re-run on a newer upstream
    # file gives a small diff.
    ordered_paths = {
        path: {key: paths[path][key] for key in document["paths"][path] if key in paths[path]}
        for path in document["paths"] if path in paths
    }
    kept_components = {
        kind: {name: entry for name, entry in entries.items() if (kind, name) in reached}
        for kind, entries in components.items()
    }
    trimmed = {key: value for key, value in document.items()
               if key not in {"paths", "components"}}
    trimmed["paths"] = ordered_paths
    trimmed["components"] = {kind: entries for kind, entries in kept_components.items()
                             if entries}
    # Keep the upstream key order (openapi, info, paths, components, …).
    return {key: trimmed[key] for key in document if key in trimmed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="upstream elasticsearch OpenAPI JSON file")
    parser.add_argument("destination", type=Path, help="where to write the trimmed document")
    parser.add_argument("--keep", action="append", metavar="'METHOD /path'",
                        help="an operation to keep (repeatable); default: the ones the "
                             "tests validate")
    args = parser.parse_args(argv)
    operations = OPERATIONS
    if args.keep:
        operations = tuple((path, method.lower())
                           for method, path in (k.split(maxsplit=1) for k in args.keep))
    document = json.loads(args.source.read_text(encoding="utf-8"))
    trimmed = trim(document, operations)
    text = json.dumps(trimmed, indent=2, ensure_ascii=False) + "\n"
    args.destination.write_text(text, encoding="utf-8")
    counts = ", ".join(f"{len(v)} {k}" for k, v in trimmed["components"].items())
    print(f"{args.destination}: {len(text.encode()):,} bytes; "
          f"{sum(len(m) for m in trimmed['paths'].values())} operations; {counts}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
