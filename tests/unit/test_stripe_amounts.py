"""Money for Stripe: exact minor units, and a fee split whose parts always add up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.stripe_amounts import from_minor, platform_fee, split, to_minor

# Any amount a checkout can hold: up to 10¹² with two places (MAX_LINE_TOTAL).
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000000000"), places=2,
                      allow_nan=False, allow_infinity=False)
rates = st.integers(min_value=0, max_value=10_000)


@given(st.lists(amounts, min_size=1, max_size=20), rates)
def test_transfers_plus_fees_equal_the_charge(subtotals, fee_bps):
    charge = to_minor(sum(subtotals, Decimal("0.00")), "CNY")
    shares = [split(to_minor(subtotal, "CNY"), fee_bps) for subtotal in subtotals]
    assert sum(s.transfer for s in shares) + sum(s.fee for s in shares) == charge
    for share in shares:
        assert 0 <= share.fee <= share.subtotal and share.transfer >= 0
        exact = Decimal(share.subtotal) * fee_bps / 10_000
        assert abs(Decimal(share.fee) - exact) <= Decimal("0.5")  # rounded to nearest


@given(amounts)
def test_minor_units_round_trip_exactly(amount):
    minor = to_minor(amount, "USD")
    assert isinstance(minor, int)
    assert from_minor(minor, "USD") == amount
    assert minor == int(amount * 100)


@pytest.mark.parametrize(("subtotal", "bps", "fee"), [
    (99900, 300, 2997),     # 999.00 at 3 %: exact
    (33333, 300, 1000),     # 9.9999 → 10.00 (half up)
    (50, 100, 1),           # 0.5 fen → 1 fen: half rounds up
    (49, 100, 0),           # 0.49 fen → 0
    (722880, 300, 21686),   # 21686.4 → 21686
    (1, 10_000, 1),         # the whole amount
    (123456, 0, 0),         # no fee
])
def test_fee_is_rounded_half_up_per_order(subtotal, bps, fee):
    assert platform_fee(subtotal, bps) == fee
    assert split(subtotal, bps).transfer == subtotal - fee


def test_amounts_that_are_not_whole_minor_units_are_refused():
    with pytest.raises(ValueError, match="minor units"):
        to_minor(Decimal("1.005"), "CNY")
    assert to_minor(Decimal("1500"), "JPY") == 1500
    with pytest.raises(ValueError):
        to_minor(Decimal("1500.5"), "JPY")
    assert from_minor(1500, "JPY") == Decimal("1500")


def test_fee_rate_is_bounded():
    with pytest.raises(ValueError):
        platform_fee(100, 10_001)
    with pytest.raises(ValueError):
        platform_fee(100, -1)
