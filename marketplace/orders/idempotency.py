"""`Idempotency-Key` for `POST /checkouts`.

A key is scoped to the buyer organization. The first successful answer (status and JSON
body) is stored in the same transaction as the checkout; a repeat with the same key and an
equal body (same canonical JSON of the validated input) gets that answer back and creates
nothing; a repeat with a different body is refused (422). Failed attempts (4xx) store
nothing, so a client may retry them with the same key. Records are kept at least
`RETENTION` and purged by `flask orders expire` afterwards.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from marketplace.common.errors import Invalid
from marketplace.extensions import db
from marketplace.orders.models import IdempotencyRecord

RETENTION = timedelta(hours=24)

Replay = tuple[int, dict[str, Any]]


def request_hash(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str,
                           ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def find(buyer_org_id: str, key: str) -> IdempotencyRecord | None:
    return db.session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.buyer_org_id == buyer_org_id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )


def replay(record: IdempotencyRecord, digest: str) -> Replay:
    if record.request_hash != digest:
        raise Invalid(
            "This Idempotency-Key was already used with a different request body; "
            "use a new key for a new checkout.",
            errors={"headers": {"Idempotency-Key": ["Already used with a different body."]}},
        )
    assert record.response_status is not None and record.response_body is not None
    return record.response_status, record.response_body


def claim(buyer_org_id: str, key: str, digest: str) -> IdempotencyRecord | None:
    """Insert the record first; None when a concurrent request with the key committed it.

    On PostgreSQL the insert waits on the unique index for a concurrent transaction with
    the same key, so only one of them ever creates a checkout.
    """
    record = IdempotencyRecord(buyer_org_id=buyer_org_id, key=key, request_hash=digest)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        return None
    return record


def purge(now: datetime) -> int:
    result = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - RETENTION)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
