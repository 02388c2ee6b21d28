"""Bank transfer (对公转账): the buyer wires the total quoting a reference; an operator
matches the incoming transfer on the bank statement and marks the checkout paid.

References look like `MG-7K3Q-9XPA`: 8 characters from an alphabet without the look-alikes
0/O, 1/I/L (and U), so they survive being read aloud or typed from a bank statement.
30**8 ≈ 6.6·10¹¹ combinations; uniqueness is still enforced by a unique column, and the
caller asks for a new reference when an insert collides.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from payments.interface import PayableCheckout, PaymentStart, RefundableOrder, RefundResult

REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "MG"
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_reference(prefix: str = REFERENCE_PREFIX) -> str:
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def normalize_reference(text: str) -> str:
    """`mg 7k3q9xpa` → `MG-7K3Q-9XPA`, for look-ups of what an operator typed."""
    compact = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(compact) == 10:
        return f"{compact[:2]}-{compact[2:6]}-{compact[6:]}"
    return text.strip().upper()


class BankTransferGateway:
    name = "bank_transfer"

    def __init__(self, account_name: str, account_number: str, bank_name: str) -> None:
        self.account_name = account_name
        self.account_number = account_number
        self.bank_name = bank_name

    @property
    def bank_account(self) -> dict[str, str]:
        return {"name": self.account_name, "number": self.account_number, "bank": self.bank_name}

    def start_payment(self, checkout: PayableCheckout) -> PaymentStart:
        reference = new_reference()
        return PaymentStart(
            method=self.name,
            status="pending",
            reference=reference,
            instructions={"bank_account": self.bank_account},
        )

    def refund(self, order: RefundableOrder, amount: Decimal, reason: str) -> RefundResult:
        # The platform wires the money back by hand; the refund is recorded as owed until
        # finance confirms it. The reference lets finance quote it on the outgoing transfer.
        return RefundResult(status="pending_manual", reference=new_reference("RF"))
