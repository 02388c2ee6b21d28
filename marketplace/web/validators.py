"""Check-digit validators for registry numbers that appear on ingredient listings
and supplier verification.

Each `is_valid_*` returns a bool; each `validate_*` raises `marshmallow.ValidationError`
with a message that says what is wrong, for use in schemas.
"""

from __future__ import annotations

import re

from marshmallow import ValidationError

_CAS_RE = re.compile(r"^([0-9]{2,7})-([0-9]{2})-([0-9])\Z")
_EC_RE = re.compile(r"^([0-9]{3})-([0-9]{3})-([0-9])\Z")

# GB 32100-2015: the 31 characters allowed in a 统一社会信用代码 (no I, O, S, V, Z).
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_CHARSET}]{{18}}$")
# Position 1: registration authority; position 2: organization category (GB 32100 Table 1).
_USCC_CATEGORIES = {
    "1": "123456789", "5": "123456789", "9": "123", "Y": "1",
    "2": "19", "3": "1", "4": "1", "6": "12", "7": "129", "8": "19", "A": "19", "N": "1239",
}


def is_valid_cas(value: str) -> bool:
    """CAS Registry Number: the last digit is the sum of the other digits, each weighted
    by its position counted from the right, modulo 10 (e.g. 7732-18-5 for water)."""
    match = _CAS_RE.match(value)
    if not match:
        return False
    digits = (match.group(1) + match.group(2))[::-1]
    total = sum(i * int(d) for i, d in enumerate(digits, start=1))
    return total % 10 == int(match.group(3))


def is_valid_ec(value: str) -> bool:
    """EC (EINECS/ELINCS/NLP) number NNN-NNN-R: R = (1·N1 + 2·N2 + … + 6·N6) mod 11.
    A remainder of 10 is never issued, so such numbers are invalid."""
    match = _EC_RE.match(value)
    if not match:
        return False
    digits = match.group(1) + match.group(2)
    remainder = sum(i * int(d) for i, d in enumerate(digits, start=1)) % 11
    return remainder != 10 and remainder == int(match.group(3))


def uscc_check_character(first17: str) -> str:
    """The 18th character of a USCC, computed per GB 32100-2015 (mod 31)."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    """统一社会信用代码 (Unified Social Credit Code), GB 32100-2015: 18 characters from the
    31-character set; authority + category codes from Table 1; a 6-digit region code; and
    the check character."""
    if not _USCC_RE.match(value):
        return False
    if value[1] not in _USCC_CATEGORIES.get(value[0], ""):
        return False
    if not value[2:8].isdigit():
        return False
    return uscc_check_character(value[:17]) == value[17]


def validate_cas(value: str) -> None:
    if not _CAS_RE.match(value):
        raise ValidationError("CAS number must look like 84696-47-9 (2-7 digits, 2 digits, 1).")
    if not is_valid_cas(value):
        raise ValidationError(f"CAS number {value} fails its check digit.")


def validate_ec(value: str) -> None:
    if not _EC_RE.match(value):
        raise ValidationError("EC number must look like 231-791-2 (NNN-NNN-R).")
    if not is_valid_ec(value):
        raise ValidationError(f"EC number {value} fails its check digit.")


def validate_uscc(value: str) -> None:
    if len(value) != 18:
        raise ValidationError("统一社会信用代码 (USCC) must be 18 characters.")
    if not _USCC_RE.match(value):
        raise ValidationError(
            "USCC may only contain digits and the capital letters "
            "A-H, J-N, P-R, T, U, W, X, Y (GB 32100-2015)."
        )
    if not is_valid_uscc(value):
        raise ValidationError("USCC fails its check character (GB 32100-2015).")
