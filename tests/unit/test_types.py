from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.db.types import ScaledDecimal


@given(st.decimals(min_value=0, max_value=10**9, places=3, allow_nan=False))
def test_scaled_decimal_round_trips_exactly(value):
    column = ScaledDecimal(3)
    stored = column.process_bind_param(value, None)
    assert isinstance(stored, int)
    assert column.process_result_value(stored, None) == value


def test_scaled_decimal_refuses_to_round():
    with pytest.raises(ValueError, match="decimal places"):
        ScaledDecimal(2).process_bind_param(Decimal("1.005"), None)
