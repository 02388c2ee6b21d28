"""Moving listing changes from the database to the search backend.

* `drain` empties the outbox (fast path after each request, and `flask search sync`).
* `published_documents` streams every published listing for `flask search reindex`.
A backend outage never fails a listing write: rows stay in the outbox until a drain
succeeds, and nothing is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from marketplace.catalog.models import Listing
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.extensions import db
from search.documents import listing_document
from search.interface import SearchBackend, SearchUnavailable
from search.outbox import PENDING_FLAG, SearchOutboxEntry

log = logging.getLogger(__name__)


@dataclass
class DrainResult:
    upserted: int = 0
    deleted: int = 0
    rows: int = 0
    error: str | None = None


def drain(backend: SearchBackend, *, batch_size: int = 500,
          max_batches: int | None = None) -> DrainResult:
    """Apply outbox rows to the backend in id order; delete each batch once applied.

    Concurrent drains are safe: documents carry versions, so applying a change twice is
    harmless, and a change committed after a batch was read has a newer row.
    """
    result = DrainResult()
    db.session.info.pop(PENDING_FLAG, None)
    batches = 0
    while max_batches is None or batches < max_batches:
        rows = db.session.execute(
            select(SearchOutboxEntry.id, SearchOutboxEntry.listing_id)
            .order_by(SearchOutboxEntry.id).limit(batch_size)
        ).all()
        if not rows:
            break
        listing_ids = sorted({listing_id for _, listing_id in rows})
        listings = {
            listing.id: listing
            for listing in db.session.scalars(
                select(Listing).where(Listing.id.in_(listing_ids))
                .options(selectinload(Listing.price_tiers))
                .execution_options(populate_existing=True)
            )
        }
        documents = [listing_document(listing) for listing in listings.values()
                     if listing.status == ListingStatus.PUBLISHED]
        removals: list[str | tuple[str, int]] = [
            (listing.id, listing.version) for listing in listings.values()
            if listing.status != ListingStatus.PUBLISHED
        ]
        removals += [lid for lid in listing_ids if lid not in listings]
        try:
            result.upserted += backend.upsert(documents) if documents else 0
            result.deleted += backend.delete(removals) if removals else 0
        except SearchUnavailable as exc:
            db.session.rollback()
            result.error = str(exc)
            log.warning("search backend unavailable; %d outbox rows kept: %s", len(rows), exc)
            break
        db.session.execute(
            delete(SearchOutboxEntry).where(SearchOutboxEntry.id.in_([rid for rid, _ in rows]))
        )
        db.session.commit()
        result.rows += len(rows)
        batches += 1
    return result


def backlog() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchOutboxEntry)) or 0


def published_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Listing).where(Listing.status == ListingStatus.PUBLISHED)
    ) or 0


def published_documents(batch_size: int = 1000) -> Iterator[dict[str, Any]]:
    """Every published listing's document, read in id order, batch by batch."""
    last_id = ""
    while True:
        batch = db.session.scalars(
            select(Listing)
            .where(Listing.status == ListingStatus.PUBLISHED, Listing.id > last_id)
            .options(selectinload(Listing.price_tiers))
            .order_by(Listing.id).limit(batch_size)
        ).all()
        if not batch:
            return
        for listing in batch:
            yield listing_document(listing)
        last_id = batch[-1].id
        db.session.expunge_all()
