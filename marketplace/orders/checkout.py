"""Placing a checkout: validate every line, reserve all stock or none, split per supplier.

Duplicate lines for one listing are refused (422 naming the repeat) rather than merged, so
the price tier a line gets is always the one its own quantity was quoted at.

Nothing here waits on the network while rows are locked: a card checkout commits first and
creates its payment intent afterwards (`card_payment`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from marketplace.accounts.services import suppliers_without_payouts
from marketplace.catalog.changes import changed_in_sql
from marketplace.catalog.pricing import line_total, unit_price_for
from marketplace.catalog.reservation import ForSale, read_for_sale, take_stock_for_checkout
from marketplace.catalog.stock import Shortage, available_stock, change_stock
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.db.clock import utcnow
from marketplace.db.ids import new_id
from marketplace.db.transactions import begin_write
from marketplace.extensions import db
from marketplace.orders import idempotency
from marketplace.orders.card_payment import start_card_payment
from marketplace.orders.client_secret import buyer_client_secret
from marketplace.orders.models import Checkout, IdempotencyRecord
from marketplace.orders.placement import (
    PlacedCheckout,
    PlacedLine,
    insert_checkout,
    insert_payment,
)
from marketplace.orders.schemas import checkout_answer
from marketplace.web.errors import Conflict, Invalid
from payments.interface import CardGateway, PaymentGateway, PaymentStart

REFERENCE_ATTEMPTS = 5  # a clash among 30**8 references is rare; five in a row never happens
# Keeps every stored amount far inside a 64-bit count of fen, however many lines.
MAX_LINE_TOTAL = Decimal("1000000000000")


@dataclass(frozen=True)
class PricedLine:
    index: int
    listing: ForSale
    quantity: Decimal
    unit_price: Decimal
    total: Decimal


def place_checkout(
    *,
    buyer_id: str,
    user_id: str,
    data: dict[str, Any],
    gateways: Mapping[str, PaymentGateway],
    ttl: timedelta,
    idempotency_key: str | None = None,
) -> tuple[int, dict[str, Any], bool]:
    """Create the checkout and answer `(201, body, False)`, or replay a stored answer
    (`(status, body, True)`). Stock, checkout, orders, lines and payment are one
    transaction, committed once; any refusal rolls all of it back, the stock taken for
    earlier lines included.

    A card checkout's payment intent is created after that commit, when no row is locked
    any more; if the card provider fails, the checkout is cancelled and its stock given back
    in a second transaction and the buyer gets the provider's error (402/502/503), as if
    nothing had been placed (`card_payment.start_card_payment`)."""
    begin_write()
    digest = idempotency.request_hash(data) if idempotency_key else ""
    if idempotency_key:
        found = idempotency.find(buyer_id, idempotency_key)
        if found is not None:
            return (*_replay(found, digest, buyer_id, gateways), True)
    gateway = gateways.get(data["payment_method"])
    if gateway is None:
        raise Invalid.field("payment_method",
                            f"Payment method {data['payment_method']!r} is not enabled.")
    card = gateway if isinstance(gateway, CardGateway) else None
    try:
        if idempotency_key and not idempotency.reserve_key(buyer_id, idempotency_key, digest):
            # A concurrent request with this key committed first: answer what it answered.
            found = idempotency.find(buyer_id, idempotency_key)
            if found is None:  # its card payment failed and gave the key back meanwhile
                raise idempotency.still_placing()
            return (*_replay(found, digest, buyer_id, gateways), True)
        checkout, start = _create(buyer_id, user_id, data, gateway, ttl)
        if idempotency_key and card is not None:
            # Answered once the payment intent exists; until then a repeat is told to wait.
            idempotency.link(buyer_id, idempotency_key, checkout.id)
        elif idempotency_key:  # the answer is kept with the checkout, in its transaction
            body = _answer(checkout, start)
            idempotency.record_answer(buyer_id, idempotency_key, status=201, body=body,
                                      checkout_id=checkout.id)
    except BaseException:
        db.session.rollback()  # a refusal leaves nothing behind, taken stock included
        raise
    db.session.commit()
    if card is not None:
        return 201, start_card_payment(card, checkout, idempotency_key=idempotency_key), False
    if not idempotency_key:
        # Built after the commit: the listings' row locks are held until then, and every
        # buyer racing for the same listing waits on them.
        body = _answer(checkout, start)
    return 201, body, False


def _answer(checkout: PlacedCheckout, start: PaymentStart) -> dict[str, Any]:
    return checkout_answer(checkout, start.client_secret)


def _replay(record: IdempotencyRecord, digest: str, buyer_id: str,
            gateways: Mapping[str, PaymentGateway]) -> tuple[int, dict[str, Any]]:
    """The stored answer; a card checkout's gets its client secret again (never stored),
    fetched for the buyer while the checkout awaits payment, as `GET /checkouts/{id}` does."""
    status, body = idempotency.replay(record, digest)
    checkout_id = record.checkout_id
    db.session.rollback()  # nothing to write: end the transaction before calling out
    if checkout_id is None or not (body.get("payment") or {}).get("payment_intent_id"):
        return status, body
    checkout = db.session.get(Checkout, checkout_id)
    if checkout is None:
        return status, body
    secret = buyer_client_secret(checkout, viewer_org_id=buyer_id, gateways=gateways)
    if not secret:
        return status, body
    return status, {**body, "payment": {**body["payment"], "client_secret": secret}}


def _create(buyer_id: str, user_id: str, data: dict[str, Any], gateway: PaymentGateway,
            ttl: timedelta) -> tuple[PlacedCheckout, PaymentStart]:
    """Price, reserve, then write checkout, orders, lines, events and payment.

    The gateway starts the payment inside the same transaction without leaving the
    process (a bank-transfer reference; a card payment row still without its intent): if
    anything fails, everything — the stock reservation too — rolls back."""
    lines = _price_and_reserve(buyer_id, data["items"])
    if isinstance(gateway, CardGateway):
        _require_payouts(lines)

    now = utcnow()
    checkout = PlacedCheckout(
        id=new_id("chk"), buyer_org_id=buyer_id, created_by_id=user_id,
        currency=lines[0].listing.currency, shipping_address=data["shipping_address"],
        created_at=now, expires_at=now + ttl,
    )
    for line in lines:
        listing = line.listing
        order = checkout.order_for(listing.supplier_id, listing.currency)
        order.lines.append(PlacedLine(
            listing_id=listing.id, title_zh=listing.title_zh, inci_name=listing.inci_name,
            unit=listing.unit, quantity=line.quantity, unit_price=line.unit_price,
            line_total=line.total,
        ))
        order.subtotal += line.total
    start = gateway.start_payment(checkout)
    checkout.payment = insert_checkout(checkout, start, actor_role="buyer")
    attempts = 1
    while checkout.payment is None:  # the bank-transfer reference was taken: draw another
        if attempts == REFERENCE_ATTEMPTS:
            raise Conflict("Could not allocate a unique payment reference; please retry.")
        start = gateway.start_payment(checkout)
        checkout.payment = insert_payment(checkout, start)
        attempts += 1
    return checkout, start


def _price_and_reserve(buyer_id: str, items: list[dict[str, Any]]) -> list[PricedLine]:
    """Every line priced and its stock taken, or a 422 naming the lines that cannot be
    ordered, or a 409 naming the short ones (the caller rolls back what was taken)."""
    quantities = {item["listing_id"]: item["quantity"] for item in items}
    # PostgreSQL takes all lines in one statement (reservation.py); a repeated listing
    # takes the portable path, whose pricing names the repeat.
    if len(quantities) == len(items) and db.session.get_bind().dialect.name == "postgresql":
        found = take_stock_for_checkout(quantities)
        # A line that cannot be ordered is a 422 before any shortage, as on the other path.
        lines = price_lines(buyer_id, items, {i: r.listing for i, r in found.items()})
        short = [Shortage(line.listing.id, line.quantity) for line in lines
                 if found[line.listing.id].stock_after is None]
        if short:
            raise _short_stock(lines, short, {i: r.stock_before for i, r in found.items()})
        changed_in_sql(found, announced=any(r.announced for r in found.values()))
        return lines
    lines = price_lines(buyer_id, items)
    shortages = change_stock({line.listing.id: -line.quantity for line in lines})
    if shortages:
        raise _short_stock(lines, shortages)
    return lines


def _require_payouts(lines: list[PricedLine]) -> None:
    """Card payments are split among suppliers: each must be able to receive its share."""
    unpayable = suppliers_without_payouts(line.listing.supplier_id for line in lines)
    if unpayable:
        message = ("This supplier cannot receive card payments yet (payouts not set up); "
                   "pay by bank transfer or remove the line.")
        raise Invalid("Some suppliers cannot be paid by card.", errors={"json": {"items": {
            str(line.index): {"listing_id": [message]}
            for line in lines if line.listing.supplier_id in unpayable}}})


def price_lines(buyer_id: str, items: list[dict[str, Any]],
                listings: Mapping[str, ForSale] | None = None) -> list[PricedLine]:
    """Every line priced by its listing's tier, or one 422 naming every bad line.
    `listings` are the lines' listings when already read (else they are read here)."""
    if listings is None:
        listings = read_for_sale({item["listing_id"] for item in items})
    errors: dict[str, dict[str, list[str]]] = {}
    priced: list[PricedLine] = []
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        listing = listings.get(item["listing_id"])
        quantity: Decimal = item["quantity"]
        problem = _line_problem(buyer_id, listing, quantity, first_seen.get(item["listing_id"]))
        first_seen.setdefault(item["listing_id"], index)
        if problem:
            errors[str(index)] = {problem[0]: [problem[1]]}
            continue
        assert listing is not None
        unit_price = unit_price_for(listing.price_tiers, quantity)
        if unit_price is None:  # tiers start at the MOQ, so only a damaged tier table
            errors[str(index)] = {"quantity": ["No price tier covers this quantity."]}
            continue
        total = line_total(unit_price, quantity)
        if total > MAX_LINE_TOTAL:
            errors[str(index)] = {"quantity": [f"A line may not exceed {MAX_LINE_TOTAL} "
                                               f"{listing.currency}; split the order."]}
            continue
        priced.append(PricedLine(index, listing, quantity, unit_price, total))
    if not errors:
        currency = priced[0].listing.currency
        for line in priced:
            if line.listing.currency != currency:
                errors[str(line.index)] = {"listing_id": [
                    f"Priced in {line.listing.currency}, but this checkout is in {currency} "
                    "(line 0); one currency per checkout."
                ]}
    if errors:
        raise Invalid("Some lines cannot be ordered.", errors={"json": {"items": errors}})
    return priced


def _line_problem(buyer_id: str, listing: ForSale | None, quantity: Decimal,
                  duplicate_of: int | None) -> tuple[str, str] | None:
    if duplicate_of is not None:
        return "listing_id", (f"This listing is already on line {duplicate_of}; "
                              "put the whole quantity on one line.")
    if listing is None or listing.status != ListingStatus.PUBLISHED:
        return "listing_id", "No published listing with this id."
    if listing.supplier_id == buyer_id:
        return "listing_id", "An organization cannot buy its own listing."
    if quantity < listing.moq:
        return "quantity", (f"Below the minimum order quantity of {listing.moq} "
                            f"{listing.unit}.")
    return None


def _short_stock(lines: list[PricedLine], shortages: list[Shortage],
                 available: Mapping[str, Decimal] | None = None) -> Conflict:
    """The 409 naming the short lines and what their listings hold (read here unless
    `available` already says)."""
    short_ids = {shortage.listing_id for shortage in shortages}
    if available is None:
        available = available_stock(sorted(short_ids))
    items: dict[str, dict[str, list[str]]] = {}
    short: list[dict[str, Any]] = []
    for line in lines:
        if line.listing.id not in short_ids:
            continue
        left = available.get(line.listing.id, Decimal("0.000"))
        items[str(line.index)] = {"quantity": [
            f"Only {left} {line.listing.unit} in stock; {line.quantity} requested."
        ]}
        short.append({"line": line.index, "listing_id": line.listing.id,
                      "requested": str(line.quantity), "available": str(left)})
    return Conflict(f"Not enough stock for {len(short)} line(s); nothing was reserved.",
                    errors={"json": {"items": items}, "short": short})
