"""Alembic environment (Flask-Migrate). Our custom column types are rendered as their
storage types so migration scripts never import application code."""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from flask import current_app

from marketplace.common.types import ScaledDecimal, UTCDateTime

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def render_item(type_, obj, autogen_context):
    if type_ == "type" and isinstance(obj, ScaledDecimal):
        return "sa.BigInteger()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    if isinstance(metadata_type, (ScaledDecimal, UTCDateTime)):
        metadata_type = metadata_type.impl
        return context.impl.compare_type(inspected_column, sa.Column("x", metadata_type))
    return None


def _configure_args():
    args = dict(current_app.extensions["migrate"].configure_args)
    args.setdefault("render_item", render_item)
    args.setdefault("compare_type", compare_type)

    def process_revision_directives(ctx, revision, directives):
        # No empty migrations from `flask db migrate` when nothing changed.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    args.setdefault("process_revision_directives", process_revision_directives)
    return args


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    with target_db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_db.metadata,
                          **_configure_args())
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
