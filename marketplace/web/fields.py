"""Marshmallow fields for exact decimals and strict integers.

Requests may send `"180.00"` or `180`; responses always carry strings with a fixed
number of places (`"180.00"`, `"25.000"`) so no client ever parses a float.

Numbers are read strictly: a string must be spelled with ASCII digits (`"５"`, `"٣"` and
`"1_000"`, which Python's `Decimal()` and `int()` accept, are refused), and an integer must
be an integer (`1.9` is refused rather than truncated to 1).
"""

from __future__ import annotations

import decimal
import re
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields, validate

MAX_AMOUNT = Decimal("1000000000")  # 1e9: far above any single ingredient price or quantity
# `[0-9]`, not `\d`: in Python `\d` matches every Unicode decimal digit.
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_INTEGER_TEXT = re.compile(r"-?[0-9]+")


def loose_integer(value: Any) -> bool:
    """Whether `value` is one that marshmallow's `Integer` would accept but should not: a
    float with a fraction (it would truncate it), infinity or NaN, or a string that is not
    ASCII digits with an optional minus sign (`"５"`, `" 7"`, `"1_000"`, `"+3"`).

    Integral floats (`7.0`, which JSON Schema counts as an integer) and ASCII digit
    strings (query strings, spreadsheet cells) are accepted. Values of other types are left
    to the field, which refuses them."""
    if isinstance(value, float):
        return not value.is_integer()
    if isinstance(value, str):
        return _INTEGER_TEXT.fullmatch(value) is None
    return False


class StrictInteger(fields.Integer):
    """An integer that is an integer: refuses what `loose_integer` describes. (The base
    `Schema` applies the same check to every plain `fields.Integer` it loads.)"""

    def _validated(self, value: Any) -> int:
        if loose_integer(value):
            raise self.make_error("invalid", input=value)
        return super()._validated(value)


def decimal_pattern(places: int, *, positive: bool = False, signed: bool = False) -> str:
    """A regex for exactly the strings `ExactDecimal` accepts (up to MAX_AMOUNT), so that
    clients and the fuzzer can tell valid input from invalid input by the document."""
    # `[0-9]`, not `\d`: Python's `\d` (which generators of examples use) is any Unicode digit.
    fraction = rf"(\.[0-9]{{1,{places}}})?"
    maximum = rf"1000000000(\.0{{1,{places}}})?"
    if positive:
        # 0.001 .. 0.999: the first non-zero digit at each fraction position.
        tiny = "|".join("0" * k + "[1-9]" + (rf"[0-9]{{0,{places - 1 - k}}}" if k < places - 1
                                             else "") for k in range(places))
        body = rf"0{{0,8}}[1-9][0-9]{{0,8}}{fraction}|0{{1,9}}\.({tiny})|{maximum}"
    else:
        body = rf"[0-9]{{1,9}}{fraction}|{maximum}"
    return rf"^{'-?' if signed and not positive else ''}({body})$"


class ExactDecimal(fields.Decimal):
    """A decimal with at most `places` places, ≥ `minimum` (and > 0 with `positive=True`).

    Prefer `minimum`/`positive` to `validate.Range`. A Range given anyway is applied by the
    field itself rather than left to apispec, which would document it as a numeric
    `minimum` on what the document says is a string (an invalid OpenAPI document).
    """

    def __init__(self, places: int, *, minimum: Decimal | None = Decimal(0),
                 positive: bool = False, **kwargs: Any) -> None:
        validators = kwargs.pop("validate", None)
        if validators is None:
            validators = []
        elif callable(validators):
            validators = [validators]
        self._ranges = [v for v in validators if isinstance(v, validate.Range)]
        kwargs["validate"] = [v for v in validators if not isinstance(v, validate.Range)]
        positive = positive or any(r.min == 0 and not r.min_inclusive for r in self._ranges)
        non_negative = minimum is not None or any(
            r.min is not None and r.min >= 0 for r in self._ranges
        )
        # Documented as a decimal string (what responses carry); requests may also send numbers.
        metadata = {
            "type": "string",
            "format": "decimal",
            "pattern": decimal_pattern(places, positive=positive, signed=not non_negative),
            "example": "25." + "0" * places,
            **kwargs.pop("metadata", {}),
        }
        kwargs["metadata"] = metadata
        super().__init__(places=places, as_string=True, **kwargs)
        self.max_places = places
        self.minimum = minimum
        self.positive = positive

    def _validated(self, value: Any) -> Decimal:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str):
            value = value.strip()
            # Decimal() also reads "٣", "1_000", "1e3", "+5", ".5" and "NaN".
            if _DECIMAL_TEXT.fullmatch(value) is None:
                raise self.make_error("invalid")
        elif not isinstance(value, int | float | Decimal):
            raise self.make_error("invalid")
        try:
            number = Decimal(str(value))
        except (decimal.InvalidOperation, TypeError, ValueError) as exc:
            raise self.make_error("invalid") from exc
        if not number.is_finite():
            raise self.make_error("special")
        if abs(number) > MAX_AMOUNT:
            raise ValidationError(f"Must not exceed {MAX_AMOUNT}.")
        for bounds in self._ranges:
            bounds(number)
        if self.positive and number <= 0:
            raise ValidationError("Must be greater than 0.")
        if self.minimum is not None and number < self.minimum:
            raise ValidationError(f"Must be at least {self.minimum}.")
        quantum = Decimal(1).scaleb(-self.max_places)
        if number != number.quantize(quantum):
            raise ValidationError(f"At most {self.max_places} decimal places.")
        return number.quantize(quantum)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        return str(Decimal(value).quantize(Decimal(1).scaleb(-self.max_places)))


def MoneyField(**kwargs: Any) -> ExactDecimal:
    """Money: ≥ 0, at most 2 decimal places, JSON string."""
    return ExactDecimal(2, **kwargs)


def QuantityField(**kwargs: Any) -> ExactDecimal:
    """Quantity: ≥ 0, at most 3 decimal places, JSON string."""
    return ExactDecimal(3, **kwargs)
