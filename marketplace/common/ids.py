"""Opaque public ids: a short type prefix plus 16 random base32 characters (80 bits).

Ids never reveal counts or creation order, and the prefix makes logs readable
(`org_…`, `lst_…`). They are the primary keys; there are no sequential ids to leak.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable

from werkzeug.routing import BaseConverter, Map

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())
ID_LENGTH = 32


def new_id(prefix: str) -> str:
    # 10 random bytes are exactly 16 base32 characters (80 bits), drawn in one call.
    body = base64.b32encode(secrets.token_bytes(10)).translate(_FROM_RFC4648).decode()
    return f"{prefix}_{body}"


def id_factory(prefix: str) -> Callable[[], str]:
    """A column default that generates ids with `prefix`."""

    def make() -> str:
        return new_id(prefix)

    return make


class OpaqueIdConverter(BaseConverter):
    """URL converter `<id("lst"):listing_id>`: matches only ids with that prefix, so a
    sibling path such as `/listings/import` is never mistaken for a listing id."""

    def __init__(self, url_map: Map, prefix: str) -> None:
        super().__init__(url_map)
        self.prefix = prefix
        self.regex = f"{prefix}_[{_ALPHABET}]{{16}}"


def opaque_id_param_schema(converter: OpaqueIdConverter) -> dict[str, str]:
    """OpenAPI schema of a path parameter using `OpaqueIdConverter`."""
    return {"type": "string", "pattern": f"^{converter.regex}$",
            "example": f"{converter.prefix}_7k3q9xpa2m4n6r8t"}
