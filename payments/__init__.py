"""Payments: the `PaymentGateway` interface and its implementations.

Enabled gateways come from MARKETPLACE_PAYMENT_GATEWAYS and are built once in `create_app`.
"""

from payments.interface import PaymentGateway

__all__ = ["PaymentGateway"]
