"""Opaque public ids: a short type prefix plus 16 random base32 characters (80 bits).

Ids never reveal counts or creation order, and the prefix makes logs readable
(`org_…`, `lst_…`). They are the primary keys; there are no sequential ids to leak.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())


def new_id(prefix: str) -> str:
    # 10 random bytes are exactly 16 base32 characters (80 bits), drawn in one call.
    body = base64.b32encode(secrets.token_bytes(10)).translate(_FROM_RFC4648).decode()
    return f"{prefix}_{body}"


def id_factory(prefix: str) -> Callable[[], str]:
    """A column default that generates ids with `prefix`."""

    def make() -> str:
        return new_id(prefix)

    return make
