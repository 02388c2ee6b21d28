"""Sample requests: a buyer asks for a sample of a listing that offers them; the supplier
accepts, declines (with a reason) or ships it (carrier + tracking number).

One open (requested/accepted) request per buyer organization and listing; a partial
unique index makes that hold under concurrency too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import Organization, User
from marketplace.accounts.services import Principal
from marketplace.catalog.models import Listing
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.db.clock import utcnow
from marketplace.db.status import set_status_if
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.samples.models import (
    OPEN_SAMPLE_STATUSES,
    SAMPLE_TRANSITIONS,
    SampleRequest,
    SampleStatus,
)
from marketplace.web.errors import Conflict, Forbidden, Invalid, NotFound

ALREADY_OPEN = "Your organization already has an open sample request for this listing."


def request_sample(listing_id: str, buyer: Organization, user: User, *,
                   quantity: Decimal | None, note: str | None,
                   shipping_address: dict[str, Any]) -> SampleRequest:
    begin_write()
    listing = db.session.get(Listing, listing_id)
    if listing is None or listing.status != ListingStatus.PUBLISHED:
        raise NotFound("Listing not found.")
    if not listing.sample_available:
        raise Invalid("This listing does not offer samples.",
                      errors={"json": {"listing_id": ["Samples are not available."]}})
    if quantity is not None and quantity > listing.moq:
        raise Invalid.field("quantity", f"A sample cannot exceed the MOQ ({listing.moq} "
                                        f"{listing.unit}); place an order instead.")
    if _open_request(listing.id, buyer.id) is not None:
        raise Conflict(ALREADY_OPEN)
    now = utcnow()
    sample = SampleRequest(
        listing_id=listing.id, buyer_org_id=buyer.id, supplier_id=listing.supplier_id,
        requested_by_id=user.id, quantity=quantity, unit=listing.unit,
        note=note.strip() if note else None, shipping_address=shipping_address,
        created_at=now, updated_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(sample)
    except IntegrityError as exc:  # a concurrent request got in first
        raise Conflict(ALREADY_OPEN) from exc
    db.session.commit()
    return sample


def _open_request(listing_id: str, buyer_org_id: str) -> str | None:
    return db.session.scalar(select(SampleRequest.id).where(
        SampleRequest.listing_id == listing_id, SampleRequest.buyer_org_id == buyer_org_id,
        SampleRequest.status.in_(OPEN_SAMPLE_STATUSES),
    ))


def samples_query(principal: Principal, status: str | None = None) -> Select[Any]:
    """Buyer: its requests; supplier: requests for its listings; operator: all."""
    stmt = select(SampleRequest)
    if not principal.is_operator:
        org_id = principal.org_id
        stmt = stmt.where((SampleRequest.buyer_org_id == org_id)
                          | (SampleRequest.supplier_id == org_id))
    if status:
        stmt = stmt.where(SampleRequest.status == status)
    return stmt.order_by(SampleRequest.created_at.desc(), SampleRequest.id.desc())


def get_sample(principal: Principal, sample_id: str) -> SampleRequest:
    sample = db.session.get(SampleRequest, sample_id)
    if sample is None or not (principal.is_operator or principal.org_id in (
            sample.buyer_org_id, sample.supplier_id)):
        raise NotFound("Sample request not found.")
    return sample


def act(sample: SampleRequest, principal: Principal, action: str, **fields: str) -> SampleRequest:
    """`accept`, `decline` (reason) or `ship` (carrier, tracking_number) — supplier only."""
    if principal.org_id != sample.supplier_id:
        raise Forbidden("Only the supplier of the listing can answer a sample request.")
    begin_write()
    db.session.refresh(sample)
    allowed = SAMPLE_TRANSITIONS[action]
    if sample.status not in allowed:
        raise Conflict(f"The sample request is {sample.status}; it cannot be {_past(action)}.")
    now = utcnow()
    target, stamp = {
        "accept": (SampleStatus.ACCEPTED, "accepted_at"),
        "decline": (SampleStatus.DECLINED, "declined_at"),
        "ship": (SampleStatus.SHIPPED, "shipped_at"),
    }[action]
    values: dict[str, Any] = {name: value.strip() for name, value in fields.items()}
    if action == "decline":
        values = {"decline_reason": values["reason"]}
    if not set_status_if(sample, sample.status, status=target.value, updated_at=now, **{stamp: now},
                 **values):
        raise Conflict("The sample request changed at the same time; reload it.")
    db.session.commit()
    return sample


def _past(action: str) -> str:
    return {"accept": "accepted", "decline": "declined", "ship": "shipped"}[action]
