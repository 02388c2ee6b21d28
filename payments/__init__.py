"""Payments: the `PaymentGateway` interface and its implementations.

Enabled gateways come from MARKETPLACE_PAYMENT_GATEWAYS and are built once in `create_app`
(`build_gateways`), then kept in `app.extensions["payment_gateways"]`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from payments.bank_transfer import BankTransferGateway
from payments.interface import PaymentGateway, PaymentStart, RefundResult

__all__ = ["BankTransferGateway", "PaymentGateway", "PaymentStart", "RefundResult",
           "build_gateways"]

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
            logger.warning("Payment gateway 'stripe' is listed but not available; skipped.")
        else:
            raise ValueError(f"Unknown payment gateway {name!r} in MARKETPLACE_PAYMENT_GATEWAYS")
    return gateways
