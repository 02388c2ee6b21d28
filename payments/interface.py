from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class PaymentGateway(Protocol):
    """How a checkout is paid. `bank_transfer` (default) and `stripe` implement it."""

    name: str
