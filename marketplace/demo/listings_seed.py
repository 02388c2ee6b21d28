"""Seeds the demo listings of `listings.py` through the catalog service, so every rule
(validation, tiers, pre-screen) applies to demo data as to real data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from marketplace.accounts.models import Organization
from marketplace.catalog.models import Listing
from marketplace.catalog.schemas import ListingInputSchema
from marketplace.catalog.services import add_draft_listing, listing_changed
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.db.clock import utcnow
from marketplace.demo.listings import LISTINGS
from marketplace.extensions import db

_META_KEYS = ("supplier", "status")


def seed_listings(
    orgs: dict[str, Organization], progress: Callable[[str], Any] = lambda _msg: None
) -> int:
    """Add each demo listing its supplier does not have yet (matched by title); returns
    how many were added. Published ones get staggered publish dates for `newest` sorting."""
    schema = ListingInputSchema()
    added = 0
    now = utcnow()
    for index, spec in enumerate(LISTINGS):
        supplier = orgs[spec["supplier"]]
        exists = db.session.scalar(
            select(Listing.id).where(
                Listing.supplier_id == supplier.id, Listing.title_zh == spec["title_zh"]
            )
        )
        if exists:
            continue
        data = schema.load({k: v for k, v in spec.items() if k not in _META_KEYS})
        listing = add_draft_listing(supplier, data)
        status = spec.get("status", ListingStatus.PUBLISHED.value)
        if status != ListingStatus.DRAFT:
            listing.status = status
            listing.submitted_at = now - timedelta(hours=len(LISTINGS) - index)
            if status == ListingStatus.PUBLISHED:
                listing.published_at = listing.submitted_at + timedelta(minutes=30)
            listing_changed(listing, status)
        added += 1
        progress(f"listing  {spec['title_zh']} ({status})")
    db.session.commit()
    return added
