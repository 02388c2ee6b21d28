"""The payment gateways and how they are built from configuration."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from payments import CardGateway, PaymentGateway, build_gateways, card_gateway
from payments.bank_transfer import (
    REFERENCE_ALPHABET,
    BankTransferGateway,
    new_reference,
    normalize_reference,
)

CONFIG = {
    "PAYMENT_GATEWAYS": ["bank_transfer"],
    "BANK_ACCOUNT_NAME": "美谷原料科技有限公司",
    "BANK_ACCOUNT_NUMBER": "6222 0000 1111 2222",
    "BANK_NAME": "中国工商银行 济南分行",
}


def every_gateway() -> list[object]:
    return list(build_gateways(CONFIG).values())


@pytest.mark.parametrize("gateway", every_gateway(), ids=lambda g: g.name)
def test_every_gateway_satisfies_the_interface(gateway):
    assert isinstance(gateway, PaymentGateway)


def test_bank_transfer_is_not_a_card_gateway():
    gateways = build_gateways(CONFIG)
    assert not isinstance(gateways["bank_transfer"], CardGateway)
    assert card_gateway(gateways) is None


def test_bank_transfer_is_built_from_configuration():
    gateways = build_gateways(CONFIG)
    assert list(gateways) == ["bank_transfer"]
    gateway = gateways["bank_transfer"]
    assert isinstance(gateway, BankTransferGateway)
    assert gateway.bank_account == {
        "name": "美谷原料科技有限公司",
        "number": "6222 0000 1111 2222",
        "bank": "中国工商银行 济南分行",
    }


def test_stripe_is_skipped_with_a_warning_until_it_exists(caplog):
    with caplog.at_level(logging.WARNING, logger="payments"):
        gateways = build_gateways({**CONFIG, "PAYMENT_GATEWAYS": ["bank_transfer", "stripe"]})
    assert list(gateways) == ["bank_transfer"]
    assert "stripe" in caplog.text


def test_unknown_gateway_is_a_configuration_error():
    with pytest.raises(ValueError, match="paypal"):
        build_gateways({**CONFIG, "PAYMENT_GATEWAYS": ["paypal"]})


def test_references_are_human_typable():
    assert not set("01IOLU") & set(REFERENCE_ALPHABET)
    references = {new_reference() for _ in range(2000)}
    assert len(references) == 2000
    for reference in references:
        assert re.fullmatch(rf"MG-[{REFERENCE_ALPHABET}]{{4}}-[{REFERENCE_ALPHABET}]{{4}}",
                            reference)


@pytest.mark.parametrize("typed", ["mg-7k3q-9xpa", "MG 7K3Q 9XPA", " mg7k3q9xpa "])
def test_typed_references_are_normalized(typed):
    assert normalize_reference(typed) == "MG-7K3Q-9XPA"


def test_start_payment_gives_reference_and_bank_account():
    gateway = BankTransferGateway("平台", "123", "银行")
    checkout = SimpleNamespace(id="chk_1", currency="CNY", total=Decimal("900.00"),
                               buyer_org_id="org_1")
    start = gateway.start_payment(checkout)
    assert start.method == "bank_transfer"
    assert start.status == "pending"
    assert start.reference and start.reference.startswith("MG-")
    assert start.payment_intent_id is None and start.client_secret is None
    assert start.instructions == {"bank_account": {"name": "平台", "number": "123", "bank": "银行"}}


def test_bank_refunds_are_recorded_for_manual_transfer():
    gateway = BankTransferGateway("平台", "123", "银行")
    order = SimpleNamespace(id="ord_1", checkout_id="chk_1", currency="CNY",
                            subtotal=Decimal("900.00"))
    result = gateway.refund(order, Decimal("900.00"), "质检不合格")
    assert result.status == "pending_manual"
    assert result.reference and result.reference.startswith("RF-")
