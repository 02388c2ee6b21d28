"""Prints the package dependency graph, the modules of each package, and the project files
one `POST /api/v1/checkouts` runs code from (bank transfer, SQLite, in process).

    .venv/bin/python scripts/architecture.py [--postgres-url postgresql+psycopg://…/db]

The graph is read from the source with grimp (import-linter's engine), so it is the graph
that the contracts in pyproject.toml check.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
ROOT_PACKAGES = ("marketplace", "search", "payments")


def package_of(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "marketplace" or len(parts) == 1:
        return parts[0]
    return ".".join(parts[:2])


def dependency_graph() -> tuple[dict[str, set[str]], dict[str, int]]:
    graph = grimp.build_graph(*ROOT_PACKAGES)
    edges: dict[str, set[str]] = defaultdict(set)
    modules: dict[str, int] = defaultdict(int)
    for module in graph.modules:
        source = package_of(module)
        modules[source] += 1
        for imported in graph.find_modules_directly_imported_by(module):
            target = package_of(imported)
            if target != source:
                edges[source].add(target)
    return edges, modules


def files_of_one_checkout(database_url: str | None) -> list[str]:
    from marketplace.app import create_app
    from marketplace.extensions import db
    from tests.factories import checkout_body, make_account, make_listing

    with tempfile.TemporaryDirectory() as instance:
        app = create_app({
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{instance}/db.sqlite3",
            "SEARCH_INDEX_PATH": f"{instance}/search.sqlite3",
        })
        with app.app_context():
            db.create_all()
            supplier = make_account("supplier", verified=True)
            listing = make_listing(supplier, status="published")
            buyer = make_account("buyer")
            body = checkout_body((listing, "10"))
            client = app.test_client()
            client.post("/api/v1/checkouts", json=body, headers=buyer.headers)  # warm
            seen: set[str] = set()

            def profile(frame, event, _arg):  # type: ignore[no-untyped-def]
                if event == "call":
                    seen.add(frame.f_code.co_filename)

            sys.setprofile(profile)
            try:
                response = client.post("/api/v1/checkouts", json=body, headers=buyer.headers)
            finally:
                sys.setprofile(None)
            assert response.status_code == 201, response.json
            if database_url:
                db.drop_all()
    roots = tuple(str(ROOT / package) + "/" for package in ROOT_PACKAGES)
    return sorted(str(Path(f).relative_to(ROOT)) for f in seen if f.startswith(roots))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", help="trace the checkout on this PostgreSQL database")
    args = parser.parse_args()
    edges, modules = dependency_graph()
    print("Package dependency graph (package -> packages it imports):")
    for package in sorted(modules):
        print(f"  {package:28} -> {', '.join(sorted(edges[package])) or '—'}")
    print("\nModules per package:")
    for package in sorted(modules):
        print(f"  {package:28} {modules[package]}")
    files = files_of_one_checkout(args.postgres_url)
    packages = sorted({package_of(".".join(Path(f).with_suffix('').parts)) for f in files})
    print(f"\nPOST /api/v1/checkouts runs code from {len(files)} project files "
          f"in {len(packages)} packages ({', '.join(packages)}):")
    for f in files:
        print(f"  {f}")


if __name__ == "__main__":
    main()
