"""美谷原料 marketplace: the Flask application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, g, send_from_directory
from flask_smorest import Api

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
    _register_blueprints(api)
    _register_docs_assets(app)

    from marketplace.common.errors import register_error_handlers

    register_error_handlers(app)

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
    from marketplace.health import blp as health_blp
    from marketplace.moderation.routes import blp as moderation_blp

    for blp in (health_blp, accounts_blp, moderation_blp):
        api.register_blueprint(blp)


def _register_docs_assets(app: Flask) -> None:
    import swagger_ui_bundle

    @app.route("/api/docs/assets/<path:filename>")
    def swagger_ui_assets(filename: str) -> Any:
        return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename)


def _register_cli(app: Flask) -> None:
    from marketplace.accounts.cli import accounts_cli
    from marketplace.demo.cli import demo_cli

    app.cli.add_command(accounts_cli)
    app.cli.add_command(demo_cli)
