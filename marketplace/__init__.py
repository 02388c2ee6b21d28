"""美谷原料 marketplace: the Flask application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g, send_from_directory
from flask_smorest import Api

from marketplace.common.ids import OpaqueIdConverter, opaque_id_param_schema
from marketplace.common.sessions import NoCookieSessions
from marketplace.common.sqlite import configure_sqlite_engine
from marketplace.config import load_settings
from marketplace.extensions import db, limiter, migrate

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "migrations")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then `config` overrides (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_settings(app.instance_path))
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese text as-is
    app.session_interface = NoCookieSessions()

    db.init_app(app)
    with app.app_context():
        configure_sqlite_engine(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    limiter.init_app(app)

    api = Api(app)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "Opaque API token"}
    )
    app.extensions["smorest_api"] = api
    app.url_map.converters["id"] = OpaqueIdConverter
    api.register_converter(OpaqueIdConverter, opaque_id_param_schema)
    from payments import build_gateways
    from search import build_backend

    app.extensions["payment_gateways"] = build_gateways(app.config)
    app.extensions["search_backend"] = build_backend(app.config)
    _register_blueprints(api)
    _register_docs_assets(app)

    from marketplace.common.errors import register_error_handlers

    register_error_handlers(app)
    _register_search_sync(app)

    @app.before_request
    def _forget_previous_caller() -> None:
        # `g` lives as long as the app context, which a test may keep across requests.
        g.pop("principal", None)

    _register_cli(app)
    return app


def _register_blueprints(api: Api) -> None:
    # Models must be imported before anything touches the metadata (Alembic autogenerate too).
    from marketplace import models  # noqa: F401
    from marketplace.accounts.routes import blp as accounts_blp
    from marketplace.catalog.import_routes import blp as listing_import_blp
    from marketplace.catalog.routes import blp as catalog_blp
    from marketplace.health import blp as health_blp
    from marketplace.moderation.routes import blp as moderation_blp
    from marketplace.orders.moderation_routes import blp as orders_moderation_blp
    from marketplace.orders.routes import blp as orders_blp
    from marketplace.orders.sample_routes import blp as samples_blp
    from marketplace.payouts.routes import blp as payouts_blp
    from search.routes import blp as search_blp

    for blp in (health_blp, accounts_blp, catalog_blp, moderation_blp, listing_import_blp,
                search_blp, orders_blp, orders_moderation_blp, samples_blp, payouts_blp):
        api.register_blueprint(blp)


def _register_search_sync(app: Flask) -> None:
    """After a request that changed listings has committed, push the changes to search
    (the fast path of the outbox; `flask search sync` drains whatever this misses)."""
    from search.outbox import PENDING_FLAG
    from search.sync import drain

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
    import swagger_ui_bundle

    @app.route("/api/docs/assets/<path:filename>")
    def swagger_ui_assets(filename: str) -> Any:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


def _register_cli(app: Flask) -> None:
    from marketplace.accounts.cli import accounts_cli
    from marketplace.demo.cli import demo_cli
    from marketplace.orders.cli import orders_cli
    from search.cli import search_cli

    app.cli.add_command(accounts_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(orders_cli)
    app.cli.add_command(search_cli)
