"""Exact money arithmetic for Stripe: Decimal ⇄ integer minor units, and the platform fee.

Stripe counts money in the currency's minor unit (fen, cents) as integers. Conversions here
never round: an amount with more decimals than its currency has is refused.

**Fee rule.** The platform fee is taken per supplier order:
`fee = round_half_up(subtotal_minor × fee_bps / 10000)` to the minor unit, and the supplier's
transfer is `subtotal_minor − fee`. Because the fee is rounded once per order and the transfer
is the remainder, `transfer + fee == subtotal` for every order, and so the transfers plus the
fees add up to the charge (the sum of the subtotals) exactly, whatever the amounts and rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MAX_FEE_BPS = 10_000
# ISO 4217 exponents that are not 2 (Stripe's zero-decimal currencies, plus 3-decimal ones).
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "JPY": 0, "KMF": 0, "KRW": 0, "MGA": 0, "PYG": 0,
    "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
    "BHD": 3, "JOD": 3, "KWD": 3, "OMR": 3, "TND": 3,
}


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def to_minor(amount: Decimal, currency: str) -> int:
    """`Decimal("1234.50")`, CNY → `123450`; refuses amounts that are not whole minor units."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} {currency} is not a whole number of minor units")
    return int(scaled)


def from_minor(minor: int, currency: str) -> Decimal:
    """`123450`, CNY → `Decimal("1234.50")`."""
    places = exponent(currency)
    return (Decimal(minor).scaleb(-places)).quantize(Decimal(1).scaleb(-places))


def platform_fee(subtotal_minor: int, fee_bps: int) -> int:
    """The fee on one order in minor units: `subtotal × bps / 10000`, rounded half up."""
    if not 0 <= fee_bps <= MAX_FEE_BPS:
        raise ValueError(f"fee_bps must be within 0..{MAX_FEE_BPS}, got {fee_bps}")
    if subtotal_minor < 0:
        raise ValueError("a subtotal cannot be negative")
    return (subtotal_minor * fee_bps + MAX_FEE_BPS // 2) // MAX_FEE_BPS


@dataclass(frozen=True)
class Split:
    """One order's money: what the supplier receives and what the platform keeps."""

    subtotal: int
    transfer: int
    fee: int


def split(subtotal_minor: int, fee_bps: int) -> Split:
    fee = platform_fee(subtotal_minor, fee_bps)
    return Split(subtotal=subtotal_minor, transfer=subtotal_minor - fee, fee=fee)
