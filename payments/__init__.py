"""Payments: the `PaymentGateway` and `CardGateway` interfaces and their implementations.

Enabled gateways come from MARKETPLACE_PAYMENT_GATEWAYS and are built once in `create_app`
(`build_gateways`), then kept in `app.extensions["payment_gateways"]`. The marketplace finds
the card gateway with `card_gateway(gateways)`; only `build_gateways` names `StripeGateway`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import stripe

from payments.bank_transfer import BankTransferGateway
from payments.interface import (
    AccountState,
    CardGateway,
    CardRefund,
    PaymentDeclined,
    PaymentError,
    PaymentGateway,
    PaymentStart,
    PaymentUnavailable,
    RefundResult,
    WebhookRejected,
    card_gateway,
)
from payments.stripe_gateway import StripeGateway

__all__ = ["AccountState", "BankTransferGateway", "CardGateway", "CardRefund",
           "PaymentDeclined", "PaymentError", "PaymentGateway", "PaymentStart",
           "PaymentUnavailable", "RefundResult", "StripeGateway", "WebhookRejected",
           "build_gateways", "build_stripe_client", "card_gateway"]

logger = logging.getLogger(__name__)


def build_gateways(config: Mapping[str, Any]) -> dict[str, PaymentGateway]:
    """One gateway per name in `config["PAYMENT_GATEWAYS"]`, keyed by its name."""
    gateways: dict[str, PaymentGateway] = {}
    for name in config.get("PAYMENT_GATEWAYS", ["bank_transfer"]):
        if name == "bank_transfer":
            gateways[name] = BankTransferGateway(
                account_name=config["BANK_ACCOUNT_NAME"],
                account_number=config["BANK_ACCOUNT_NUMBER"],
                bank_name=config["BANK_NAME"],
            )
        elif name == "stripe":
            if not config.get("STRIPE_SECRET_KEY"):
                logger.warning("Payment gateway 'stripe' is listed but STRIPE_SECRET_KEY is "
                               "not set; skipped.")
                continue
            if not config.get("STRIPE_WEBHOOK_SECRET"):
                logger.warning("STRIPE_WEBHOOK_SECRET is not set: every Stripe webhook will "
                               "be refused (400) and card payments never confirmed.")
            gateways[name] = StripeGateway(
                build_stripe_client(config),
                fee_bps=int(config.get("PLATFORM_FEE_BPS", 300)),
                webhook_secret=config.get("STRIPE_WEBHOOK_SECRET", ""),
            )
        else:
            raise ValueError(f"Unknown payment gateway {name!r} in MARKETPLACE_PAYMENT_GATEWAYS")
    return gateways


def build_stripe_client(config: Mapping[str, Any]) -> stripe.StripeClient:
    """The SDK client, pointed at `STRIPE_API_BASE` when set (tests, stripe-mock)."""
    base = config.get("STRIPE_API_BASE") or None
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2)),
    )
