"""The gateway interfaces: `PaymentGateway` (how a checkout is paid and how an order is
refunded; every gateway) and `CardGateway` (everything the marketplace asks of a card
provider with connected accounts; Stripe implements it).

Gateways never import the web app: they see checkouts and orders through the small
read-only protocols below, and answer with plain dataclasses that the orders package stores.
The marketplace picks the card gateway by what it can do (`card_gateway`), never by its class.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol, runtime_checkable

from payments.stripe_amounts import Split


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


@dataclass(frozen=True)
class CardRefund:
    """A refund as the card provider reports it (amount in minor units)."""

    id: str
    status: str
    amount: int
    metadata: dict[str, str]


@dataclass(frozen=True)
class AccountState:
    """What the marketplace keeps of a supplier's connected account."""

    id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    disabled_reason: str | None = None

    @classmethod
    def from_object(cls, account: dict[str, Any]) -> AccountState:
        """From the provider's account object as a plain dict (Stripe's shape: an
        `Account.to_dict()`, or the object of an `account.updated` event)."""
        requirements = account.get("requirements") or {}
        return cls(
            id=str(account["id"]),
            charges_enabled=bool(account.get("charges_enabled")),
            payouts_enabled=bool(account.get("payouts_enabled")),
            details_submitted=bool(account.get("details_submitted")),
            disabled_reason=requirements.get("disabled_reason"),
        )


class WebhookRejected(Exception):
    """The request is not a genuine, fresh event of the provider (bad or stale signature,
    bad body)."""


@runtime_checkable
class PaymentGateway(Protocol):
    """How a checkout is paid. `bank_transfer` (default) and `stripe` implement it."""

    name: str

    def start_payment(self, checkout: PayableCheckout) -> PaymentStart:
        """Begin paying `checkout.total`; may be called again if the reference was taken.

        Called inside the checkout's transaction, while its listings' stock rows are
        locked: it must not wait on the network. A card gateway answers only how the payment
        row starts (no intent yet); its intent is created once the checkout has committed
        (`CardGateway.create_payment_intent`)."""
        ...

    def refund(self, order: RefundableOrder, amount: Decimal, reason: str) -> RefundResult:
        """Give `amount` of a paid order back to the buyer."""
        ...


@runtime_checkable
class CardGateway(PaymentGateway, Protocol):
    """A card provider with connected accounts (*separate charges and transfers*): one
    payment intent per checkout, one transfer per supplier order. Amounts in minor units
    unless a parameter is a `Decimal`.

    Every call that creates something carries an idempotency key derived from the object and
    the operation, so a retry replays the provider's first answer. Failures leave as
    `PaymentDeclined` (402), `PaymentUnavailable` (503) or `PaymentError` (502)."""

    # -------------------------------------------------------------- paying a checkout

    def create_payment_intent(self, checkout: PayableCheckout) -> PaymentStart:
        """The checkout's payment intent for `checkout.total` (its `payment_intent_id` and
        `client_secret`). The idempotency key is the checkout's: calling it again for the same
        checkout, with the same total, answers the same intent."""
        ...

    def reduce_payment(self, payment_intent_id: str, *, amount: int, checkout_id: str) -> None:
        """Lower the amount still to be charged after orders were cancelled before payment
        (an `amount` of 0 cancels the intent). `PaymentError` once the buyer paid or is paying."""
        ...

    def cancel_payment_intent(self, payment_intent_id: str, *, checkout_id: str) -> None:
        """Close the intent so the buyer's page can no longer charge the card.
        `PaymentError` (not `PaymentUnavailable`) when it is no longer open."""
        ...

    def client_secret_of(self, payment_intent_id: str) -> str | None:
        """The secret the buyer's page confirms the payment with; never stored."""
        ...

    def charge_of(self, payment_intent_id: str) -> str | None:
        """The id of the intent's latest charge (the transfers' source transaction)."""
        ...

    # -------------------------------------------------------------- suppliers' shares

    def split(self, subtotal: Decimal, currency: str) -> Split:
        """One order's transfer to its supplier and the platform fee (minor units)."""
        ...

    def transfer(self, *, order_id: str, checkout_id: str, amount: int, currency: str,
                 destination: str, source_transaction: str | None, attempt: int = 0) -> str:
        """Send one order's share to its supplier's account; answers the transfer id.
        `attempt` > 0 is an operator's retry after a refusal (a key of its own)."""
        ...

    # -------------------------------------------------------------- refunds

    def refund_payment(self, *, payment_intent_id: str, amount: int, idempotency_key: str,
                       metadata: dict[str, str]) -> CardRefund:
        """Refund `amount` of the intent's charge (money no order is owed: an excess or a
        late payment). Order refunds go through `refund`, which also reverses the transfer."""
        ...

    def refunds_of_charge(self, charge_id: str) -> list[CardRefund]:
        """Every refund of a charge, as the provider has them."""
        ...

    # -------------------------------------------------------------- connected accounts

    def create_account(self, *, organization_id: str, country: str, name: str) -> AccountState:
        """The supplier's connected account (once per organization: the key is its id)."""
        ...

    def account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        """A fresh onboarding link for the account."""
        ...

    # -------------------------------------------------------------- webhooks

    def construct_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The verified event as a plain dict; `WebhookRejected` when it is not genuine."""
        ...


def card_gateway(gateways: Mapping[str, PaymentGateway]) -> CardGateway | None:
    """The enabled card gateway (chosen by what it can do, not by its class), or None."""
    for gateway in gateways.values():
        if isinstance(gateway, CardGateway):
            return gateway
    return None
