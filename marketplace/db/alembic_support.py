"""Hooks shared by `migrations/env.py` and the migration test, so both compare alike.

Our column types are rendered as their storage types so migration scripts never import
application code, and compared by their storage types.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from marketplace.db.types import ScaledDecimal, UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    if type_ == "type" and isinstance(obj, ScaledDecimal):
        return "sa.BigInteger()"
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context: Any, inspected_column: Any, metadata_column: Any,
                 inspected_type: Any, metadata_type: Any) -> bool | None:
    if isinstance(metadata_type, ScaledDecimal | UTCDateTime):
        return bool(context.impl.compare_type(inspected_column, sa.Column("x", metadata_type.impl)))
    return None
