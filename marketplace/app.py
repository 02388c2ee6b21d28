"""The Flask application factory: settings, extensions, integrations, blueprints, CLI.

The top of the package graph: it may import every domain package, and none imports it.
"""

from __future__ import annotations

import os
from typing import Any

import swagger_ui_bundle
from flask import Flask, g, send_from_directory
from flask_smorest import Api

from marketplace import models  # noqa: F401  # the metadata is complete before any query
from marketplace.accounts.cli import accounts_cli
from marketplace.accounts.routes import blp as accounts_blp
from marketplace.billing import cli as billing_cli  # noqa: F401  # connects its signal receivers
from marketplace.billing.operator_routes import blp as billing_operator_blp
from marketplace.billing.routes import blp as payouts_blp
from marketplace.catalog.import_routes import blp as listing_import_blp
from marketplace.catalog.indexing.cli import search_cli
from marketplace.catalog.indexing.outbox import PENDING_FLAG
from marketplace.catalog.indexing.sync import drain
from marketplace.catalog.routes import blp as catalog_blp
from marketplace.catalog.search_routes import blp as search_blp
from marketplace.config import load_settings
from marketplace.db.sqlite import configure_sqlite_engine
from marketplace.demo.cli import demo_cli
from marketplace.extensions import db, limiter, migrate, trust_proxies
from marketplace.moderation.routes import blp as moderation_blp
from marketplace.orders.cli import orders_cli
from marketplace.orders.routes import blp as orders_blp
from marketplace.samples.routes import blp as samples_blp
from marketplace.web.errors import register_error_handlers
from marketplace.web.health import blp as health_blp
from marketplace.web.ids import OpaqueIdConverter, opaque_id_param_schema
from marketplace.web.json import install_json
from marketplace.web.sessions import NoCookieSessions
from payments import build_gateways
from search import build_backend

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")
BLUEPRINTS = (health_blp, accounts_blp, catalog_blp, moderation_blp, listing_import_blp,
              search_blp, orders_blp, billing_operator_blp, samples_blp, payouts_blp)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then `config` overrides (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_settings(app.instance_path))
    if config:
        app.config.update(config)
    app.session_interface = NoCookieSessions()
    trust_proxies(app)  # the client address from X-Forwarded-For (MARKETPLACE_TRUSTED_PROXIES)

    db.init_app(app)
    with app.app_context():
        configure_sqlite_engine(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    limiter.init_app(app)
    install_json(app)  # Chinese text as-is; request JSON parsed safely (after rate limits)

    api = Api(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Opaque API token"}
    )
    app.extensions["smorest_api"] = api
    app.url_map.converters["id"] = OpaqueIdConverter
    api.register_converter(OpaqueIdConverter, opaque_id_param_schema)
    app.extensions["payment_gateways"] = build_gateways(app.config)
    app.extensions["search_backend"] = build_backend(app.config)
    for blp in BLUEPRINTS:
        api.register_blueprint(blp)
    _register_docs_assets(app)
    register_error_handlers(app)
    _register_search_sync(app)

    @app.before_request
    def _forget_previous_caller() -> None:
        # `g` lives as long as the app context, which a test may keep across requests.
        g.pop("principal", None)

    for command in (accounts_cli, demo_cli, orders_cli, search_cli):
        app.cli.add_command(command)
    return app


def _register_search_sync(app: Flask) -> None:
    """After a request that changed listings has committed, push the changes to search
    (the fast path of the outbox; `flask search sync` drains whatever this misses)."""

    @app.after_request
    def _drain_search_outbox(response: Any) -> Any:
        if db.session.info.get(PENDING_FLAG):
            try:
                drain(app.extensions["search_backend"], max_batches=4)
            except Exception:  # the write has committed; the outbox keeps the change
                app.logger.exception("search outbox drain failed; `flask search sync` retries")
                db.session.rollback()
        return response


def _register_docs_assets(app: Flask) -> None:
    @app.route("/api/docs/assets/<path:filename>")
    def swagger_ui_assets(filename: str) -> Any:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)
