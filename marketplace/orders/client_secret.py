"""The card payment's client secret, read again from the gateway for the buyer."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from marketplace.orders.models import Checkout
from marketplace.orders.states import CheckoutStatus
from payments.interface import CardGateway, PaymentError, PaymentGateway

logger = logging.getLogger(__name__)


def buyer_client_secret(checkout: Checkout, *, viewer_org_id: str | None,
                        gateways: Mapping[str, PaymentGateway]) -> str | None:
    """The card payment's client secret, for the buyer of a checkout still awaiting payment
    (a buyer whose page lost the first answer can still pay); None for anyone else.

    Fetched from the card gateway (Stripe) on each read, never stored (Stripe's rule for
    the secret); operators and suppliers never get it. When Stripe cannot be reached the
    checkout is answered without it rather than failing the read; the buyer asks again.
    """
    payment = checkout.payment
    if (payment is None or not payment.payment_intent_id
            or viewer_org_id != checkout.buyer_org_id
            or checkout.status != CheckoutStatus.PENDING_PAYMENT):
        return None
    card = gateways.get(payment.method)
    if not isinstance(card, CardGateway):
        return None
    try:
        secret = card.client_secret_of(payment.payment_intent_id)
    except PaymentError:
        logger.warning("checkout %s answered without its client secret: Stripe unavailable",
                       checkout.id)
        return None
    return secret
