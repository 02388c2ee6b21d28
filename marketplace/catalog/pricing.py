"""Price tiers: the one `Tier` type, the rules a tier table must follow, and the unit
price for a quantity.

The same `unit_price_for` serves the quote endpoint and checkout, so a buyer is always
charged what they were quoted. A listing's stored tiers (`PriceTier` rows) become `Tier`s
with `Listing.tiers`; API input and the checkout's reads build them directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise


@dataclass(frozen=True)
class Tier:
    """`unit_price` from `min_quantity` upwards (until the next tier's `min_quantity`)."""

    min_quantity: Decimal
    unit_price: Decimal


def tier_errors(moq: Decimal, tiers: Sequence[Tier]) -> list[str]:
    """Why `tiers` is not a valid price table for `moq` (empty list when it is)."""
    if not tiers:
        return ["At least one price tier is required."]
    errors: list[str] = []
    if tiers[0].min_quantity != moq:
        errors.append(f"The first tier must start at the MOQ ({moq}).")
    for previous, tier in pairwise(tiers):
        if tier.min_quantity <= previous.min_quantity:
            errors.append("Tiers must have strictly ascending min_quantity.")
            break
    for previous, tier in pairwise(tiers):
        if tier.unit_price > previous.unit_price:
            errors.append("Unit price must not increase with quantity.")
            break
    if any(t.unit_price <= 0 for t in tiers):
        errors.append("Unit prices must be positive.")
    return errors


def unit_price_for(tiers: Sequence[Tier], quantity: Decimal) -> Decimal | None:
    """Price of the highest tier whose min_quantity ≤ quantity; None below the first tier."""
    price = None
    for tier in sorted(tiers, key=lambda t: t.min_quantity):
        if tier.min_quantity <= quantity:
            price = tier.unit_price
    return price


def line_total(unit_price: Decimal, quantity: Decimal) -> Decimal:
    """Exact money total for a line, rounded half-up to the fen."""
    return (unit_price * quantity).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
