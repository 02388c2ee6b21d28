"""Opaque ids in URLs: `<id("lst"):listing_id>` matches only ids with that prefix."""

from __future__ import annotations

from werkzeug.routing import BaseConverter, Map

from marketplace.db.ids import ALPHABET


class OpaqueIdConverter(BaseConverter):
    """URL converter `<id("lst"):listing_id>`: matches only ids with that prefix, so a
    sibling path such as `/listings/import` is never mistaken for a listing id."""

    def __init__(self, url_map: Map, prefix: str) -> None:
        super().__init__(url_map)
        self.prefix = prefix
        self.regex = f"{prefix}_[{ALPHABET}]{{16}}"


def opaque_id_param_schema(converter: OpaqueIdConverter) -> dict[str, str]:
    """OpenAPI schema of a path parameter using `OpaqueIdConverter`."""
    return {"type": "string", "pattern": f"^{converter.regex}$",
            "example": f"{converter.prefix}_7k3q9xpa2m4n6r8t"}
