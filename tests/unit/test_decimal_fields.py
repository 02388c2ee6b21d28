"""The documented pattern of a decimal field: every string it describes is accepted, and
every accepted value has a canonical spelling it describes. So the OpenAPI document (and
the fuzzer reading it) never promises what the API refuses, nor hides a valid value."""

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from marketplace.web.fields import MAX_AMOUNT, MoneyField, QuantityField


def _pattern(field):
    return re.compile(field.metadata["pattern"])


FIELDS = {
    "money": MoneyField(),
    "quantity": QuantityField(),
    "positive money": MoneyField(positive=True),
    "positive quantity": QuantityField(positive=True),
}


@pytest.mark.parametrize("name", FIELDS)
@given(data=st.data())
def test_every_documented_string_is_accepted(name, data):
    field = FIELDS[name]
    text = data.draw(st.from_regex(_pattern(field), fullmatch=True))
    value = field.deserialize(text)
    assert 0 <= value <= MAX_AMOUNT
    if field.positive:
        assert value > 0


@pytest.mark.parametrize("name", FIELDS)
@given(value=st.decimals(min_value=-2, max_value=MAX_AMOUNT + 1, places=4))
def test_accepted_values_have_a_documented_spelling(name, value):
    field = FIELDS[name]
    try:
        loaded = field.deserialize(str(value))
    except ValidationError:
        return
    canonical = field.serialize("v", {"v": loaded})
    assert _pattern(field).fullmatch(canonical), canonical


@pytest.mark.parametrize("text", ["0", "0.00", "-1"])
def test_positive_fields_refuse_zero_and_below(text):
    with pytest.raises(ValidationError):
        MoneyField(positive=True).deserialize(text)
    assert QuantityField().deserialize("0") == Decimal("0.000")


def test_a_range_validator_is_applied_by_the_field_not_documented_as_a_number():
    from marshmallow import validate

    field = QuantityField(minimum=None, validate=validate.Range(
        min=0, min_inclusive=False, error="Quantity must be greater than 0."))
    assert field.validators == []
    assert field.metadata["pattern"] == QuantityField(positive=True).metadata["pattern"]
    with pytest.raises(ValidationError, match="greater than 0"):
        field.deserialize("0")
    assert field.deserialize("0.001") == Decimal("0.001")
