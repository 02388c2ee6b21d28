"""Opaque public ids: a short type prefix plus 16 random base32 characters (80 bits).

Ids never reveal counts or creation order, and the prefix makes logs readable
(`org_…`, `lst_…`). They are the primary keys; there are no sequential ids to leak.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
ID_LENGTH = 32


def new_id(prefix: str) -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return f"{prefix}_{body}"


def id_factory(prefix: str) -> Callable[[], str]:
    """A column default that generates ids with `prefix`."""

    def make() -> str:
        return new_id(prefix)

    return make
