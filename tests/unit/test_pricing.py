from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.catalog.pricing import Tier, line_total, tier_errors, unit_price_for


def tiers(*pairs):
    return [Tier(Decimal(q), Decimal(p)) for q, p in pairs]


ROSE = tiers(("5", "180.00"), ("50", "160.00"), ("200", "140.00"))


def test_valid_table_has_no_errors():
    assert tier_errors(Decimal(5), ROSE) == []
    assert tier_errors(Decimal(5), tiers(("5", "10"), ("10", "10"))) == []  # equal price ok


@pytest.mark.parametrize(
    ("moq", "table", "fragment"),
    [
        ("5", [], "At least one"),
        ("10", ROSE, "first tier"),
        ("5", tiers(("5", "180"), ("5", "170")), "ascending"),
        ("5", tiers(("5", "180"), ("50", "160"), ("20", "150")), "ascending"),
        ("5", tiers(("5", "180"), ("50", "190")), "not increase"),
        ("5", tiers(("5", "0")), "positive"),
    ],
)
def test_invalid_tables(moq, table, fragment):
    problems = tier_errors(Decimal(moq), table)
    assert any(fragment in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("quantity", "price"),
    [("4.999", None), ("5", "180.00"), ("49.999", "180.00"), ("50", "160.00"),
     ("200", "140.00"), ("1000000", "140.00")],
)
def test_unit_price_for_picks_the_highest_reached_tier(quantity, price):
    expected = None if price is None else Decimal(price)
    assert unit_price_for(ROSE, Decimal(quantity)) == expected
    assert unit_price_for(list(reversed(ROSE)), Decimal(quantity)) == expected


@pytest.mark.parametrize(
    ("unit_price", "quantity", "total"),
    [("180.00", "5", "900.00"), ("0.05", "0.1", "0.01"), ("0.05", "0.001", "0.00"),
     ("33.33", "3.333", "111.09"), ("12.34", "0.5", "6.17")],
)
def test_line_total_rounds_half_up_to_the_fen(unit_price, quantity, total):
    assert line_total(Decimal(unit_price), Decimal(quantity)) == Decimal(total)


@given(
    price=st.decimals(min_value="0.01", max_value="1000000", places=2),
    quantity=st.decimals(min_value="0.001", max_value="1000000", places=3),
)
def test_line_total_is_exact_to_half_a_fen(price, quantity):
    total = line_total(price, quantity)
    assert total.as_tuple().exponent == -2
    assert abs(total - price * quantity) <= Decimal("0.005")
