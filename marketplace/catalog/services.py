"""Listing logic for suppliers: drafts, edits, the submit/archive workflow, quotes.

Who may see what: a published listing is public; any other status only to members of the
supplier that owns it and to operators; everyone else is told it does not exist (404).
Only the owner changes a listing; a visible listing of someone else answers 403.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.accounts.models import Organization, OrgKind
from marketplace.accounts.services import Principal
from marketplace.catalog import editing
from marketplace.catalog.changes import touch_listings
from marketplace.catalog.models import Listing
from marketplace.catalog.prescreen import prescreen
from marketplace.catalog.pricing import Tier, line_total, tier_errors, unit_price_for
from marketplace.catalog.vocabulary import COMMERCIAL_FIELDS, ListingStatus
from marketplace.db.clock import utcnow
from marketplace.db.ids import new_id
from marketplace.extensions import db
from marketplace.web.errors import Conflict, Forbidden, Invalid, NotFound, PreconditionFailed


def listing_changed(listing: Listing, change: str) -> None:
    """The one place every ORM change of a listing passes through, inside its transaction.

    Called for every change of content, stock, price or status of a stored listing, after
    the change is made (`change` names it: update, submit, archive, approve, reject,
    suspend, reinstate). The change is flushed, then `changes.touch_listings` applies the
    rule every listing change follows (stock changes and checkout takes too): `version`
    (the ETag) bumped, `updated_at` stamped, the search outbox row written in the same
    transaction, so the search index can never miss a committed change.
    """
    now = utcnow()
    version = touch_listings([listing.id], change, now)[listing.id]
    set_committed_value(listing, "version", version)
    set_committed_value(listing, "updated_at", now)


# --------------------------------------------------------------------------- reading


def _can_see(listing: Listing, viewer: Principal | None) -> bool:
    if listing.status == ListingStatus.PUBLISHED:
        return True
    if viewer is None:
        return False
    return viewer.is_operator or viewer.org_id == listing.supplier_id


def get_listing(listing_id: str, viewer: Principal | None) -> Listing:
    listing = db.session.get(Listing, listing_id)
    if listing is None or not _can_see(listing, viewer):
        raise NotFound("Listing not found.")
    return listing


def lock_listing(listing_id: str) -> Listing | None:
    """Load a listing for a change, row-locked until commit (PostgreSQL; SQLite serializes
    writers anyway), with fresh values even if the session already holds it."""
    stmt = (
        select(Listing)
        .where(Listing.id == listing_id)
        .with_for_update(of=Listing)
        .execution_options(populate_existing=True)
    )
    return db.session.scalar(stmt)


def _own_listing(listing_id: str, viewer: Principal) -> Listing:
    listing = lock_listing(listing_id)
    if listing is None or not _can_see(listing, viewer):
        raise NotFound("Listing not found.")
    if viewer.org_id != listing.supplier_id:
        raise Forbidden("Only the supplier that owns this listing may change it.")
    return listing


def own_listings_query(org_id: str, status: str | None = None) -> Select[tuple[Listing]]:
    """The organization's listings (any status unless filtered), newest first."""
    stmt = select(Listing).where(Listing.supplier_id == org_id)
    if status:
        stmt = stmt.where(Listing.status == status)
    return stmt.order_by(Listing.created_at.desc(), Listing.id.desc())


def quote(listing_id: str, viewer: Principal | None, quantity: Decimal) -> dict[str, Any]:
    """The unit price and subtotal for `quantity`, exactly as checkout will charge them."""
    listing = get_listing(listing_id, viewer)
    unit_price = unit_price_for(listing.tiers, quantity)
    if unit_price is None or quantity < listing.moq:
        raise Invalid.field(
            "quantity",
            f"Below the minimum order quantity of {listing.moq} {listing.unit}.",
        )
    return {
        "listing_id": listing.id,
        "quantity": quantity,
        "unit_price": unit_price,
        "subtotal": line_total(unit_price, quantity),
        "currency": listing.currency,
    }


# --------------------------------------------------------------------------- writing


def _check_tiers(moq: Decimal, tiers: Sequence[Tier]) -> None:
    problems = tier_errors(moq, tiers)
    if problems:
        raise Invalid("; ".join(problems), errors={"json": {"price_tiers": problems}})


def add_draft_listing(
    supplier: Organization, data: Mapping[str, Any], *, flush: bool = True
) -> Listing:
    """A new draft from data loaded by `ListingInputSchema`, added but not committed.

    Bulk import adds many with `flush=False` and flushes once: ids are made in Python,
    so nothing needs the database before the commit, and a flush per row would cost more
    than the whole rest of a 10,000-row import on PostgreSQL.
    """
    if supplier.kind != OrgKind.SUPPLIER:
        raise Forbidden("Only supplier organizations list ingredients.")
    values = {
        field: editing.canonical(field, value)
        for field, value in {**editing.DEFAULTS, **data}.items()
    }
    _check_tiers(values["moq"], values["price_tiers"])
    now = utcnow()
    # Version 1 and its timestamps, in the INSERT: not a change (`listing_changed`), and
    # no outbox row, since a new draft has never been in the index.
    listing = Listing(
        id=new_id("lst"), supplier=supplier, status=ListingStatus.DRAFT.value, version=1,
        created_at=now, updated_at=now, review_flags=[], changed_fields=[],
    )
    editing.apply(listing, values)
    db.session.add(listing)
    if flush:
        db.session.flush()
    return listing


def create_listing(supplier: Organization, data: Mapping[str, Any]) -> Listing:
    listing = add_draft_listing(supplier, data)
    db.session.commit()
    return listing


def _send_to_review(listing: Listing) -> None:
    listing.status = ListingStatus.PENDING_REVIEW.value
    listing.submitted_at = utcnow()
    listing.review_flags = prescreen(listing)


def update_listing(
    listing_id: str,
    viewer: Principal,
    data: Mapping[str, Any],
    *,
    if_match: Collection[int] | None = None,
) -> Listing:
    """Apply a partial update (PATCH) by the owner.

    `if_match`: the versions the caller accepts (None: any); a mismatch changes nothing
    (412). Price, stock and lead time are commercial details: changing only those keeps a
    published listing published; any other change sends it back to review.
    """
    listing = _own_listing(listing_id, viewer)
    if if_match is not None and listing.version not in if_match:
        raise PreconditionFailed(
            f"The listing has changed (version {listing.version}); reload it and retry."
        )
    if listing.status == ListingStatus.ARCHIVED:
        raise Conflict("An archived listing cannot be edited.")
    changes = editing.changes(listing, data)
    if not changes:
        return listing
    _check_tiers(changes.get("moq", listing.moq),
                 changes.get("price_tiers", listing.tiers))
    editing.apply(listing, changes)

    was_published = listing.published_at is not None
    content_changed = bool(set(changes) - COMMERCIAL_FIELDS)
    if listing.status == ListingStatus.PUBLISHED:
        if content_changed:
            listing.changed_fields = sorted(changes)
            _send_to_review(listing)
    elif listing.status in (ListingStatus.PENDING_REVIEW, ListingStatus.SUSPENDED):
        # Keep what the operator sees in step with the listing under (or awaiting) review.
        if was_published:
            listing.changed_fields = sorted(set(listing.changed_fields or []) | set(changes))
        if content_changed:
            listing.review_flags = prescreen(listing)
    elif was_published:  # rejected after a re-review: keep the record of what changed
        listing.changed_fields = sorted(set(listing.changed_fields or []) | set(changes))
    listing_changed(listing, "update")
    db.session.commit()
    return listing


def submit_listing(listing_id: str, viewer: Principal) -> Listing:
    """Send a draft (or a rejected listing) to operator review, with pre-screen flags."""
    listing = _own_listing(listing_id, viewer)
    if listing.status not in (ListingStatus.DRAFT, ListingStatus.REJECTED):
        raise Conflict(
            f"Only draft or rejected listings can be submitted; this one is {listing.status}."
        )
    _send_to_review(listing)
    listing.rejection_reason = None
    listing_changed(listing, "submit")
    db.session.commit()
    return listing


def archive_listing(listing_id: str, viewer: Principal) -> Listing:
    """Withdraw a listing for good (any status); it leaves search and cannot be edited."""
    listing = _own_listing(listing_id, viewer)
    if listing.status == ListingStatus.ARCHIVED:
        raise Conflict("The listing is already archived.")
    listing.status = ListingStatus.ARCHIVED.value
    listing_changed(listing, "archive")
    db.session.commit()
    return listing
