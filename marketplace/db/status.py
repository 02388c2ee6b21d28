"""Compare-and-set status changes: the row moves only if it is still in the state we read.

Every status change of a checkout, order, payment or sample request goes through `set_status_if`,
so of two concurrent actors (expiry and a buyer's cancel, two `orders expire` runs, mark-paid
and expiry) exactly one wins and the other sees `False`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.extensions import db


def set_status_if(obj: Any, expected: str | Iterable[str], *conditions: Any, **values: Any) -> bool:
    """`UPDATE <table> SET **values WHERE id = obj.id AND status IN expected [AND …]`.

    On success the new values are also set on `obj` (without another write).
    """
    model = type(obj)
    allowed = [expected] if isinstance(expected, str) else list(expected)
    stmt = (
        update(model)
        .where(model.id == obj.id, model.status.in_(allowed), *conditions)
        .values(**values)
    )
    result = db.session.execute(stmt, execution_options={"synchronize_session": False})
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    for name, value in values.items():
        set_committed_value(obj, name, value)
    return True
