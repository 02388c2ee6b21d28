"""Marshmallow fields for exact decimals.

Requests may send `"180.00"` or `180`; responses always carry strings with a fixed
number of places (`"180.00"`, `"25.000"`) so no client ever parses a float.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

from marshmallow import ValidationError, fields

MAX_AMOUNT = Decimal("1000000000")  # 1e9: far above any single ingredient price or quantity


class ExactDecimal(fields.Decimal):
    def __init__(self, places: int, *, minimum: Decimal | None = Decimal(0), **kwargs: Any) -> None:
        # Documented as a decimal string (what responses carry); requests may also send numbers.
        metadata = {
            "type": "string",
            "format": "decimal",
            "pattern": rf"^\d{{1,10}}(\.\d{{1,{places}}})?$",
            "example": "25." + "0" * places,
            **kwargs.pop("metadata", {}),
        }
        kwargs["metadata"] = metadata
        super().__init__(places=places, as_string=True, **kwargs)
        self.max_places = places
        self.minimum = minimum

    def _validated(self, value: Any) -> Decimal:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, str):
            value = value.strip()
        try:
            number = Decimal(str(value))
        except (decimal.InvalidOperation, TypeError, ValueError) as exc:
            raise self.make_error("invalid") from exc
        if not number.is_finite():
            raise self.make_error("special")
        if abs(number) > MAX_AMOUNT:
            raise ValidationError(f"Must not exceed {MAX_AMOUNT}.")
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
