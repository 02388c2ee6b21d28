"""Moving listing changes from the database to the search backend.

* `drain` empties the outbox (fast path after each request, and `flask search sync`).
* `published_documents` streams every published listing for `flask search reindex`
  (`reindex`): rows are read in the calling process with one SELECT per batch, and the
  documents are built in a pool of worker processes (jieba and pypinyin are CPU-bound
  Python), in order.
A backend outage never fails a listing write: rows stay in the outbox until a drain
succeeds, and nothing is lost.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, select, type_coerce, update
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Organization, VerificationStatus
from marketplace.catalog.indexing.outbox import PENDING_FLAG, SearchOutboxEntry
from marketplace.catalog.models import Listing, PriceTier
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.db.clock import utcnow
from marketplace.db.types import Money
from marketplace.extensions import db
from search.documents import LISTING_DATA_COLUMNS, ListingData, SupplierData, listing_document
from search.interface import DocumentsRejected, SearchBackend, SearchUnavailable
from search.text import warm_up

log = logging.getLogger(__name__)


@dataclass
class DrainResult:
    upserted: int = 0
    deleted: int = 0
    rows: int = 0
    parked: int = 0
    error: str | None = None


def drain(backend: SearchBackend, *, batch_size: int = 500,
          max_batches: int | None = None) -> DrainResult:
    """Apply outbox rows to the backend in id order; delete each batch once applied.

    Concurrent drains are safe: documents carry versions, so applying a change twice is
    harmless, and a change committed after a batch was read has a newer row.

    When the backend applies a batch but refuses some listings (`DocumentsRejected`), the
    applied rows are deleted; rows of listings refused for good are parked with the reason
    (they would fail the same way forever and hold up every row behind them); rows refused
    for a passing reason stay, and draining stops until the next attempt.
    """
    result = DrainResult()
    db.session.info.pop(PENDING_FLAG, None)
    batches = 0
    while max_batches is None or batches < max_batches:
        rows = db.session.execute(
            select(SearchOutboxEntry.id, SearchOutboxEntry.listing_id)
            .where(SearchOutboxEntry.parked_at.is_(None))
            .order_by(SearchOutboxEntry.id).limit(batch_size)
        ).all()
        if not rows:
            break
        try:
            upserted, deleted = _apply(backend, sorted({listing_id for _, listing_id in rows}))
        except DocumentsRejected as exc:
            retry = set(exc.failures) - exc.permanent
            done = [rid for rid, listing_id in rows if listing_id not in exc.failures]
            parked = _park(rows, exc)
            db.session.execute(delete(SearchOutboxEntry).where(SearchOutboxEntry.id.in_(done)))
            db.session.commit()
            result.rows += len(done)
            result.parked += parked
            log.error("search backend refused %d listing(s); %d outbox row(s) parked: %s",
                      len(exc.failures), parked, exc)
            if retry:
                result.error = str(exc)
                break
            batches += 1
            continue
        except SearchUnavailable as exc:
            db.session.rollback()
            result.error = str(exc)
            log.warning("search backend unavailable; %d outbox rows kept: %s", len(rows), exc)
            break
        result.upserted += upserted
        result.deleted += deleted
        db.session.execute(
            delete(SearchOutboxEntry).where(SearchOutboxEntry.id.in_([rid for rid, _ in rows]))
        )
        db.session.commit()
        result.rows += len(rows)
        batches += 1
    return result


def _apply(backend: SearchBackend, listing_ids: list[str]) -> tuple[int, int]:
    """Upsert the published listings among `listing_ids`, remove the others."""
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
    # Both writes are attempted even if the first refuses some listings: the caller deletes
    # the rows of every listing not named as refused, so each must really have been applied.
    upserted = deleted = 0
    rejected: list[DocumentsRejected] = []
    if documents:
        try:
            upserted = backend.upsert(documents)
        except DocumentsRejected as exc:
            rejected.append(exc)
    if removals:
        try:
            deleted = backend.delete(removals)
        except DocumentsRejected as exc:
            rejected.append(exc)
    if rejected:
        raise DocumentsRejected(
            "; ".join(str(exc) for exc in rejected),
            {key: reason for exc in rejected for key, reason in exc.failures.items()},
            frozenset().union(*(exc.permanent for exc in rejected)),
        )
    return upserted, deleted


def _park(rows: Sequence[Any], rejected: DocumentsRejected) -> int:
    """Park the rows of listings refused for good, each with its reason."""
    now = utcnow()
    parked = 0
    for rid, listing_id in rows:
        if listing_id in rejected.permanent:
            db.session.execute(
                update(SearchOutboxEntry).where(SearchOutboxEntry.id == rid)
                .values(parked_at=now, last_error=rejected.failures[listing_id][:2000])
            )
            parked += 1
    return parked


def retry_parked() -> int:
    """Put parked rows back in line (after the cause was fixed); answers how many."""
    result = db.session.execute(
        update(SearchOutboxEntry).where(SearchOutboxEntry.parked_at.is_not(None))
        .values(parked_at=None, last_error=None)
    )
    db.session.commit()
    return int(result.rowcount)  # type: ignore[attr-defined]


def parked() -> list[SearchOutboxEntry]:
    return list(db.session.scalars(
        select(SearchOutboxEntry).where(SearchOutboxEntry.parked_at.is_not(None))
        .order_by(SearchOutboxEntry.id)
    ))


def backlog() -> int:
    """Rows waiting to be drained (parked rows not included)."""
    return db.session.scalar(select(func.count()).select_from(SearchOutboxEntry)
                             .where(SearchOutboxEntry.parked_at.is_(None))) or 0


def published_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Listing).where(Listing.status == ListingStatus.PUBLISHED)
    ) or 0


def default_workers() -> int:
    """Processes that build documents during a reindex: one per CPU, at most 4; 1 means
    they are built in the calling process."""
    return max(1, min(4, os.cpu_count() or 1))


def reindex(
    backend: SearchBackend,
    progress: Callable[[int], None] | None = None,
    *,
    workers: int | None = None,
    batch_size: int = 1000,
) -> int:
    """Rebuild the backend's index from every published listing (`flask search reindex`).

    A backend with a `prepare_document` function (the embedded one) has it applied in the
    worker processes too, so the loading process only writes."""
    prepare = getattr(backend, "prepare_document", None)
    documents = _documents(batch_size, workers, prepare if callable(prepare) else None)
    return backend.rebuild(documents, progress=progress)


def published_documents(
    batch_size: int = 1000, *, workers: int | None = None
) -> Iterator[dict[str, Any]]:
    """Every published listing's document, shortest Chinese title first, then by id (the
    order search results tie-break in: the embedded index is laid out in it).

    Rows are read batch by batch as plain values (`ListingData`); with `workers` > 1
    (default: one per CPU, at most 4) the documents are built by that many worker
    processes, a few batches ahead of the consumer, and yielded in order.
    """
    return _documents(batch_size, workers, None)


def _documents(
    batch_size: int, workers: int | None, prepare: Callable[[dict[str, Any]], Any] | None
) -> Iterator[Any]:
    workers = default_workers() if workers is None else max(1, int(workers))
    batches = _listing_batches(batch_size)
    first = next(batches, None)
    if first is None:
        return
    if workers == 1 or len(first) < batch_size:  # one batch: not worth starting processes
        yield from build_documents(first, prepare)
        for batch in batches:
            yield from build_documents(batch, prepare)
        return
    methods = multiprocessing.get_all_start_methods()
    # fork: workers inherit the loaded jieba dictionary and synonym table. A worker that
    # dies makes the pool broken: `result()` raises instead of waiting forever.
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_warm_up_worker) as pool:
        pending: deque[Future[list[Any]]] = deque()
        try:
            for batch in itertools.chain([first], batches):
                pending.append(pool.submit(build_documents, batch, prepare))
                while len(pending) > 2 * workers:
                    yield from pending.popleft().result()
            while pending:
                yield from pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


def build_documents(
    batch: Sequence[ListingData], prepare: Callable[[dict[str, Any]], Any] | None = None
) -> list[Any]:
    documents = [listing_document(listing) for listing in batch]
    return documents if prepare is None else [prepare(doc) for doc in documents]


def _warm_up_worker() -> None:
    warm_up()


def _listing_batches(batch_size: int) -> Iterator[list[ListingData]]:
    """Published listings with their supplier, `batch_size` at a time, shortest Chinese
    title first, then by id.

    The ids (and title lengths) come first, in one narrow query sorted in Python, then
    each batch by primary key: no query re-scans the listings already read, whatever
    index the planner prefers."""
    lowest_tier = (
        select(func.min(PriceTier.unit_price))
        .where(PriceTier.listing_id == Listing.id)
        .scalar_subquery()
    )
    columns = [
        type_coerce(func.coalesce(Listing.min_unit_price, lowest_tier), Money())
        if name == "min_unit_price" else getattr(Listing, name)
        for name in LISTING_DATA_COLUMNS
    ]
    # The status is checked on each row (a listing may change in between), not in SQL:
    # without table statistics SQLite would pick the status index over the primary key.
    statement = (
        select(*columns, Organization.id, Organization.name, Organization.verification_status,
               Listing.status)
        .outerjoin(Organization, Organization.id == Listing.supplier_id)
    )
    width = len(LISTING_DATA_COLUMNS)
    verified = VerificationStatus.VERIFIED.value
    published = ListingStatus.PUBLISHED.value
    keys = sorted(
        (len(title or ""), listing_id) for listing_id, title in db.session.execute(
            select(Listing.id, Listing.title_zh).where(Listing.status == ListingStatus.PUBLISHED)
        )
    )
    for start in range(0, len(keys), batch_size):
        chunk = [listing_id for _, listing_id in keys[start : start + batch_size]]
        found = {
            row[0]: row for row in db.session.execute(statement.where(Listing.id.in_(chunk)))
        }
        rows = [found[listing_id] for listing_id in chunk if listing_id in found]
        yield [_listing_data(row, width, verified) for row in rows if row[width + 3] == published]


def _listing_data(row: Any, width: int, verified: str) -> ListingData:
    values = dict(zip(LISTING_DATA_COLUMNS, row[:width], strict=True))
    return ListingData(
        **values,
        supplier=None if row[width] is None
        else SupplierData(row[width], row[width + 1], row[width + 2] == verified),
        in_stock=Listing.stock_covers_moq(values["stock_quantity"] or Decimal(0),
                                          values["moq"] or Decimal(0)),
    )
