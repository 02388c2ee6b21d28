from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import Schema, ValidationError

from marketplace.web.fields import MoneyField, QuantityField
from marketplace.web.validators import (
    USCC_CHARSET,
    is_valid_cas,
    is_valid_ec,
    is_valid_uscc,
    uscc_check_character,
    validate_cas,
    validate_ec,
)


@pytest.mark.parametrize(
    "cas",
    ["7732-18-5", "84696-47-9", "8007-01-0", "9067-32-7", "98-92-0", "68797-35-3", "50-81-7"],
)
def test_real_cas_numbers_are_valid(cas):
    assert is_valid_cas(cas)


@pytest.mark.parametrize(
    "cas", ["7732-18-4", "84696-47-8", "7732185", "7732-1-85", "1-18-5", "12345678-12-3", ""]
)
def test_bad_cas_numbers_are_invalid(cas):
    assert not is_valid_cas(cas)


@given(st.integers(min_value=10, max_value=9_999_999), st.integers(min_value=0, max_value=99))
def test_exactly_one_cas_check_digit_fits(first, second):
    body = f"{first}-{second:02d}"
    assert sum(is_valid_cas(f"{body}-{d}") for d in range(10)) == 1


@pytest.mark.parametrize("ec", ["231-791-2", "200-001-8", "232-370-6", "200-578-6"])
def test_real_ec_numbers_are_valid(ec):
    assert is_valid_ec(ec)


@pytest.mark.parametrize("ec", ["231-791-3", "231-7912", "23-791-22", "abc-def-g"])
def test_bad_ec_numbers_are_invalid(ec):
    assert not is_valid_ec(ec)


@pytest.mark.parametrize("uscc", ["91350100M000100Y43", "91110000600037341L"])
def test_real_uscc_are_valid(uscc):
    assert is_valid_uscc(uscc)


@pytest.mark.parametrize(
    "uscc",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # 17 characters
        "91350100M000100YI3",  # I is not in the character set
        "X1350100M000100Y43",  # unknown registration authority
        "9A350100M000100Y43",  # unknown category for authority 9
        "913501A0M000100Y43",  # region code must be digits
    ],
)
def test_bad_uscc_are_invalid(uscc):
    assert not is_valid_uscc(uscc)


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=9, max_size=9),
       st.sampled_from(["370124", "341525", "640100"]))
def test_uscc_check_character_round_trip(org_code, region):
    first17 = f"91{region}{org_code}"
    check = uscc_check_character(first17)
    assert check in USCC_CHARSET
    assert is_valid_uscc(first17 + check)
    wrong = USCC_CHARSET[(USCC_CHARSET.index(check) + 1) % 31]
    assert not is_valid_uscc(first17 + wrong)


def test_validators_raise_with_clear_messages():
    with pytest.raises(ValidationError, match="check digit"):
        validate_cas("7732-18-4")
    with pytest.raises(ValidationError, match="look like"):
        validate_ec("12-34")


class Priced(Schema):
    price = MoneyField(required=True)
    quantity = QuantityField(required=True)


@pytest.mark.parametrize(
    ("raw", "expected"), [("180", "180.00"), (180, "180.00"), ("12.5", "12.50"), (0.1, "0.10")]
)
def test_money_accepts_strings_and_numbers_and_serialises_as_string(raw, expected):
    loaded = Priced().load({"price": raw, "quantity": "25"})
    assert loaded["price"] == Decimal(expected)
    assert Priced().dump(loaded) == {"price": expected, "quantity": "25.000"}


@pytest.mark.parametrize("raw", ["1.001", "NaN", "Infinity", "-1", "abc", True, "1e12"])
def test_money_rejects_bad_values(raw):
    with pytest.raises(ValidationError) as info:
        Priced().load({"price": raw, "quantity": "1"})
    assert "price" in info.value.messages


def test_quantity_allows_three_places_not_four():
    assert Priced().load({"price": "1", "quantity": "0.125"})["quantity"] == Decimal("0.125")
    with pytest.raises(ValidationError):
        Priced().load({"price": "1", "quantity": "0.1255"})
