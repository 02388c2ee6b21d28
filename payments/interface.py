"""The `PaymentGateway` interface: how a checkout is paid and how an order is refunded.

Gateways never import the web app: they see checkouts and orders through the small
read-only protocols below, and answer with plain dataclasses that the orders package stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable


class PayableCheckout(Protocol):
    """What a gateway may read from a checkout when a payment starts."""

    @property
    def id(self) -> str: ...

    @property
    def currency(self) -> str: ...

    @property
    def total(self) -> Decimal: ...

    @property
    def buyer_org_id(self) -> str: ...


class RefundableOrder(Protocol):
    """What a gateway may read from an order when it is refunded."""

    @property
    def id(self) -> str: ...

    @property
    def checkout_id(self) -> str: ...

    @property
    def currency(self) -> str: ...

    @property
    def subtotal(self) -> Decimal: ...

    @property
    def payment_intent_id(self) -> str | None:
        """The card payment that paid the order (Stripe), else None."""
        ...

    @property
    def transfer_id(self) -> str | None:
        """The supplier's share sent to its connected account (Stripe), else None."""
        ...


class PaymentError(Exception):
    """The payment provider did not do what was asked. Raised before anything is recorded,
    so the caller's transaction rolls back whole (nothing half-written).

    The web app answers 502 for this base class (the provider refused the request)."""


class PaymentDeclined(PaymentError):
    """The buyer's card or bank declined the payment (answered 402)."""


class PaymentUnavailable(PaymentError):
    """The provider is down, unreachable or rate limiting us: retry later (answered 503)."""


@dataclass(frozen=True)
class PaymentStart:
    """How the buyer pays: returned once when the checkout is created.

    `reference` is what the buyer quotes on a bank transfer (unique, stored in a unique
    column); `payment_intent_id`/`client_secret` are Stripe's. `instructions` is shown to the
    buyer with the checkout (for bank transfers: the platform's bank account).
    """

    method: str
    status: str
    reference: str | None = None
    payment_intent_id: str | None = None
    client_secret: str | None = None
    instructions: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundResult:
    """A refund as the gateway recorded it.

    `status`: `pending_manual` (an operator still has to send the money back, bank transfer),
    `recorded`, `succeeded` or `failed`.
    """

    status: str
    reference: str | None = None
    # The reversal of the supplier's transfer that went with the refund (Stripe).
    transfer_reversal_id: str | None = None


@runtime_checkable
class PaymentGateway(Protocol):
    """How a checkout is paid. `bank_transfer` (default) and `stripe` implement it."""

    name: str

    def start_payment(self, checkout: PayableCheckout) -> PaymentStart:
        """Begin paying `checkout.total`; may be called again if the reference was taken."""
        ...

    def refund(self, order: RefundableOrder, amount: Decimal, reason: str) -> RefundResult:
        """Give `amount` of a paid order back to the buyer."""
        ...
