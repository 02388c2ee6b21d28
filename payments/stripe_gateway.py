"""Stripe Connect, *separate charges and transfers*: one PaymentIntent per checkout, then one
Transfer per supplier order to the supplier's Express account once the charge succeeded.

The `stripe.StripeClient` is built in `build_gateways` and injected; this module never
creates one. Every create call carries an idempotency key made of the object and the operation
(`checkout:<id>:payment_intent`, `order:<id>:transfer`, …), so a retry — the SDK's own network
retries, a webhook delivered again, an operator pressing refund twice — replays Stripe's first
answer instead of charging, transferring or refunding twice.

Stripe errors leave as `PaymentDeclined` (card declined → 402), `PaymentUnavailable`
(rate limited, Stripe down, network → 503) or `PaymentError` (any other refusal → 502).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import stripe
from stripe.params import TransferCreateParams

from payments.interface import (
    AccountState,
    CardRefund,
    PayableCheckout,
    PaymentDeclined,
    PaymentError,
    PaymentStart,
    PaymentUnavailable,
    RefundableOrder,
    RefundResult,
    WebhookRejected,
)
from payments.stripe_amounts import Split, split, to_minor

logger = logging.getLogger(__name__)

_TRANSIENT = (stripe.RateLimitError, stripe.APIConnectionError, stripe.APIError)
METADATA_TEXT_MAX = 500  # Stripe's limit on one metadata value


@contextmanager
def translated_errors(action: str) -> Iterator[None]:
    """Turn Stripe's exceptions into the gateway-neutral payment errors."""
    try:
        yield
    except stripe.CardError as exc:
        raise PaymentDeclined(exc.user_message or "The card was declined.") from exc
    except _TRANSIENT as exc:
        logger.warning("Stripe unavailable during %s: %s", action, exc)
        raise PaymentUnavailable(
            "The card payment provider is unavailable; nothing was charged or changed. "
            "Please retry shortly.") from exc
    except stripe.StripeError as exc:
        logger.error("Stripe refused %s: %s", action, exc)
        raise PaymentError(f"The card payment provider refused to {action}.") from exc


def _text(value: str) -> str:
    return value[:METADATA_TEXT_MAX]


def _metadata(value: Any) -> dict[str, str]:
    plain = value.to_dict() if isinstance(value, stripe.StripeObject) else (value or {})
    return {str(key): str(item) for key, item in plain.items()}


def _refund(refund: stripe.Refund) -> CardRefund:
    return CardRefund(id=refund.id, status=refund.status or "pending", amount=refund.amount,
                        metadata=_metadata(refund.metadata))


class StripeGateway:
    """The `CardGateway` (and so `PaymentGateway`) of Stripe Connect."""

    name = "stripe"

    def __init__(self, client: stripe.StripeClient, *, fee_bps: int, webhook_secret: str,
                 webhook_tolerance: int = stripe.Webhook.DEFAULT_TOLERANCE) -> None:
        self.client = client
        self.fee_bps = fee_bps
        self.webhook_secret = webhook_secret
        self.webhook_tolerance = webhook_tolerance

    # ------------------------------------------------------------------ paying a checkout

    def start_payment(self, checkout: PayableCheckout) -> PaymentStart:
        """The payment row of a new card checkout: pending, no intent yet. Nothing is sent to
        Stripe here (this runs while the checkout holds its stock rows locked); the intent is
        created by `create_payment_intent` once the checkout has committed."""
        return PaymentStart(method=self.name, status="pending")

    def create_payment_intent(self, checkout: PayableCheckout) -> PaymentStart:
        """One PaymentIntent for the whole checkout; the buyer confirms it with the secret.
        The key is the checkout's, so a repeat (same checkout, same total) answers the same
        intent for 24 hours (Stripe keeps keys that long)."""
        with translated_errors("create the payment"):
            intent = self.client.v1.payment_intents.create(
                params={
                    "amount": to_minor(checkout.total, checkout.currency),
                    "currency": checkout.currency.lower(),
                    "transfer_group": checkout.id,
                    "metadata": {"checkout_id": checkout.id,
                                 "buyer_org_id": checkout.buyer_org_id},
                },
                options={"idempotency_key": f"checkout:{checkout.id}:payment_intent"},
            )
        return PaymentStart(method=self.name, status="pending", payment_intent_id=intent.id,
                            client_secret=intent.client_secret)

    def reduce_payment(self, payment_intent_id: str, *, amount: int, checkout_id: str) -> None:
        """What is still due after orders were cancelled before payment: lower the amount
        the buyer's card will be charged, or cancel the payment when nothing is left
        (fails with `PaymentError` once the buyer has paid or is paying)."""
        if amount <= 0:
            self.cancel_payment_intent(payment_intent_id, checkout_id=checkout_id)
            return
        with translated_errors("lower the payment amount"):
            self.client.v1.payment_intents.update(
                payment_intent_id, params={"amount": amount},
                options={"idempotency_key": f"checkout:{checkout_id}:amount:{amount}"},
            )

    def cancel_payment_intent(self, payment_intent_id: str, *, checkout_id: str) -> None:
        """Close the intent (`PaymentError` when it is no longer open: paid, or cancelled)."""
        with translated_errors("cancel the payment"):
            self.client.v1.payment_intents.cancel(
                payment_intent_id, params={"cancellation_reason": "requested_by_customer"},
                options={"idempotency_key": f"checkout:{checkout_id}:cancel"},
            )

    def client_secret_of(self, payment_intent_id: str) -> str | None:
        """The secret the buyer's page confirms the card payment with. Stripe asks that it
        reach nobody but the customer and not be stored, so it is fetched when needed."""
        with translated_errors("look up the payment"):
            intent = self.client.v1.payment_intents.retrieve(payment_intent_id)
        return intent.client_secret

    def split(self, subtotal: Decimal, currency: str) -> Split:
        """The supplier's transfer and the platform fee of one order (see stripe_amounts)."""
        return split(to_minor(subtotal, currency), self.fee_bps)

    def charge_of(self, payment_intent_id: str) -> str | None:
        """The id of the PaymentIntent's latest charge (the transfers' source transaction)."""
        with translated_errors("look up the payment"):
            intent = self.client.v1.payment_intents.retrieve(payment_intent_id)
        charge = intent.latest_charge
        if charge is None or isinstance(charge, str):
            return charge
        return charge.id

    def transfer(self, *, order_id: str, checkout_id: str, amount: int, currency: str,
                 destination: str, source_transaction: str | None, attempt: int = 0) -> str:
        """Send one order's share to its supplier; returns the transfer id.

        `attempt` > 0 is an operator's retry after Stripe refused the transfer: it needs its
        own idempotency key, since Stripe answers a repeated key with the stored refusal."""
        params: TransferCreateParams = {
            "amount": amount, "currency": currency.lower(), "destination": destination,
            "transfer_group": checkout_id,
            "metadata": {"order_id": order_id, "checkout_id": checkout_id},
        }
        if source_transaction:  # ties the transfer to the charge's funds (no balance needed)
            params["source_transaction"] = source_transaction
        key = f"order:{order_id}:transfer" + (f":retry:{attempt}" if attempt else "")
        with translated_errors("transfer the supplier's share"):
            created = self.client.v1.transfers.create(
                params=params, options={"idempotency_key": key})
        return created.id

    # ------------------------------------------------------------------ refunds

    def refund(self, order: RefundableOrder, amount: Decimal, reason: str) -> RefundResult:
        """Refund the order's amount from the checkout's charge, then take the supplier's
        transfer back. Both keys are per order, so a retry after a failure between the two
        replays the refund and only then reverses."""
        if not order.payment_intent_id:
            raise PaymentError("The order has no card payment to refund.")
        refund = self.refund_payment(
            payment_intent_id=order.payment_intent_id, amount=to_minor(amount, order.currency),
            idempotency_key=f"order:{order.id}:refund",
            metadata={"order_id": order.id, "checkout_id": order.checkout_id,
                      "reason": _text(reason)},
        )
        reversal_id = None
        if order.transfer_id:
            with translated_errors("reverse the supplier's transfer"):
                reversal = self.client.v1.transfers.reversals.create(
                    order.transfer_id,
                    params={"metadata": {"order_id": order.id, "refund_id": refund.id}},
                    options={"idempotency_key": f"order:{order.id}:transfer_reversal"},
                )
            reversal_id = reversal.id
        return RefundResult(status=refund.status, reference=refund.id,
                            transfer_reversal_id=reversal_id)

    def refund_payment(self, *, payment_intent_id: str, amount: int, idempotency_key: str,
                       metadata: dict[str, str]) -> CardRefund:
        with translated_errors("refund the payment"):
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment_intent_id, "amount": amount,
                        "reason": "requested_by_customer", "metadata": metadata},
                options={"idempotency_key": idempotency_key},
            )
        return _refund(refund)

    def refunds_of_charge(self, charge_id: str) -> list[CardRefund]:
        with translated_errors("list the refunds"):
            page = self.client.v1.refunds.list(params={"charge": charge_id, "limit": 100})
        return [_refund(refund) for refund in page.data]

    # ------------------------------------------------------------------ connected accounts

    def create_account(self, *, organization_id: str, country: str, name: str) -> AccountState:
        """The supplier's Express account (once: the key is the organization's)."""
        with translated_errors("create the payout account"):
            account = self.client.v1.accounts.create(
                params={"type": "express", "country": country,
                        "capabilities": {"transfers": {"requested": True}},
                        "business_profile": {"name": _text(name)},
                        "metadata": {"organization_id": organization_id}},
                options={"idempotency_key": f"org:{organization_id}:account"},
            )
        return AccountState.from_object(account.to_dict())

    def account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        """A fresh onboarding link (they expire within minutes and work once). The key is
        new per request: a link is never reused, but the SDK's own retries stay safe."""
        with translated_errors("create the onboarding link"):
            link = self.client.v1.account_links.create(
                params={"account": account_id, "type": "account_onboarding",
                        "refresh_url": refresh_url, "return_url": return_url},
                options={"idempotency_key":
                         f"account:{account_id}:account_link:{secrets.token_hex(8)}"},
            )
        return link.url

    # ------------------------------------------------------------------ webhooks

    def construct_event(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The verified event as a plain dict; `WebhookRejected` when it is not genuine."""
        try:
            event: stripe.Event = stripe.Webhook.construct_event(
                payload, signature, self.webhook_secret, self.webhook_tolerance)
        except stripe.SignatureVerificationError as exc:
            raise WebhookRejected(f"Stripe-Signature rejected: {exc.user_message or exc}") \
                from exc
        except (ValueError, TypeError, AttributeError) as exc:  # signed, but not an event
            raise WebhookRejected("The body is not a Stripe event.") from exc
        data = event.to_dict()
        if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
            raise WebhookRejected("The body is not a Stripe event.")
        return data
