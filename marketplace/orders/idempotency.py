"""`Idempotency-Key` for `POST /checkouts`.

A key is scoped to the buyer organization. The first successful answer (status and JSON
body) is stored in the same transaction as the checkout; a repeat with the same key and an
equal body (same canonical JSON of the validated input) gets that answer back and creates
nothing; a repeat with a different body is refused (422). Failed attempts (4xx) store
nothing, so a client may retry them with the same key. Records are kept at least
`RETENTION` and purged by `flask orders expire` afterwards.

A card checkout is answered only once its payment intent exists, after the checkout itself
committed (`card_payment`): until then its record is committed without an answer, and a
repeat gets 409 (still being placed) rather than a second checkout. If the payment cannot
start, the checkout is cancelled and the record deleted (`release`), so the same key may be
retried. The stored answer never holds the card payment's client secret; a replay fetches it
again for the buyer (`checkout.place_checkout`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, delete, select, update

from marketplace.db.clock import utcnow
from marketplace.db.sql import insert_unless_conflict
from marketplace.extensions import db
from marketplace.orders.models import IdempotencyRecord
from marketplace.web.errors import Conflict, Invalid

RETENTION = timedelta(hours=24)

Replay = tuple[int, dict[str, Any]]
_TABLE: Table = IdempotencyRecord.__table__


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
    if record.response_status is None or record.response_body is None:
        raise still_placing()
    return record.response_status, record.response_body


def still_placing() -> Conflict:
    return Conflict("A checkout with this Idempotency-Key is still being placed; retry in a "
                    "moment to get its answer.")


def reserve_key(buyer_org_id: str, key: str, digest: str) -> bool:
    """Insert the record first; False when a concurrent request with the key committed it.

    On PostgreSQL the insert waits on the unique index for a concurrent transaction with
    the same key, so only one of them ever creates a checkout.
    """
    return insert_unless_conflict(_TABLE, {
        "buyer_org_id": buyer_org_id, "key": key, "request_hash": digest,
        "created_at": utcnow(),
    }, unique=("buyer_org_id", "key"))


def record_answer(buyer_org_id: str, key: str, *, status: int, body: dict[str, Any],
                  checkout_id: str) -> None:
    """Store the answer to replay, in the transaction that created the checkout."""
    db.session.execute(
        update(_TABLE)
        .where(_TABLE.c.buyer_org_id == buyer_org_id, _TABLE.c.key == key)
        .values(response_status=status, response_body=body, checkout_id=checkout_id)
    )


def link(buyer_org_id: str, key: str, checkout_id: str) -> None:
    """Name the checkout of a claimed key before it is answered (card checkouts), in the
    transaction that created the checkout."""
    db.session.execute(
        update(_TABLE)
        .where(_TABLE.c.buyer_org_id == buyer_org_id, _TABLE.c.key == key)
        .values(checkout_id=checkout_id)
    )


def release(buyer_org_id: str, checkout_id: str) -> int:
    """Forget the unanswered key of a checkout that never got its answer (its card payment
    could not start): the client may use the key again."""
    result = db.session.execute(
        delete(_TABLE).where(_TABLE.c.buyer_org_id == buyer_org_id,
                             _TABLE.c.checkout_id == checkout_id,
                             _TABLE.c.response_status.is_(None)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def purge(now: datetime) -> int:
    result = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - RETENTION)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
