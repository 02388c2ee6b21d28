"""Between the API's listing fields and the `Listing` row.

The API speaks in nested objects (`origin`, `iecic`) and a tier list; the row stores flat
columns and `PriceTier` rows. Each API field has one canonical Python value, so "did this
PATCH change anything?" is a plain comparison and a no-op PATCH changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marketplace.catalog.models import Listing, PriceTier
from marketplace.catalog.pricing import Tier
from marketplace.extensions import db
from marketplace.web.errors import Invalid

# Columns that carry an API field unchanged.
PLAIN_FIELDS = (
    "title_en", "cas_number", "ec_number", "category", "botanical_name", "plant_part",
    "extraction_method", "form", "description", "unit", "moq", "stock_quantity",
    "lead_time_days", "shelf_life_months", "packaging", "currency", "sample_available",
)
# Lists whose order carries no meaning: re-ordering them is not a change.
SET_FIELDS = ("certifications", "incoterms")

# What a new listing gets for every optional field the supplier left out.
DEFAULTS: dict[str, Any] = {
    "title_en": None, "cas_number": None, "ec_number": None, "botanical_name": None,
    "plant_part": None, "extraction_method": None, "form": None, "description": None,
    "certifications": [], "iecic": {"listed": False}, "specifications": [],
    "lead_time_days": None, "shelf_life_months": None, "packaging": None, "currency": "CNY",
    "sample_available": False, "incoterms": [],
}

def _single_line(value: str) -> str:
    return " ".join(value.split())


def canonical(field: str, value: Any) -> Any:
    """The comparable, storable form of one API field as loaded by `ListingInputSchema`."""
    if field == "title_zh":
        text = value.strip()
        if not text:
            raise Invalid.field("title_zh", "The Chinese title must not be blank.")
        return text
    if field == "inci_name":
        # One space between words, so INCI comparisons (pre-screen, search) are exact.
        text = _single_line(value)
        if len(text) < 2:
            raise Invalid.field("inci_name", "The INCI name must have at least 2 characters.")
        return text
    if field == "origin":
        return {"country": value["country"], "province": value.get("province"),
                "city": value.get("city")}
    if field == "iecic":
        return {"listed": value["listed"], "name_zh": value.get("name_zh"),
                "serial": value.get("serial")}
    if field == "specifications":
        return [{"parameter": s["parameter"], "value": s["value"], "method": s.get("method")}
                for s in value]
    if field == "price_tiers":
        return [Tier(t["min_quantity"], t["unit_price"]) for t in value]
    if field in SET_FIELDS:
        return list(value)
    return value


def current(listing: Listing, field: str) -> Any:
    """The canonical value of one API field as the listing stores it now."""
    if field == "origin":
        return listing.origin
    if field == "iecic":
        return listing.iecic
    if field == "price_tiers":
        return listing.tiers
    return getattr(listing, field)


def _same(field: str, old: Any, new: Any) -> bool:
    if field in SET_FIELDS:
        return sorted(old or []) == sorted(new)
    return bool(old == new)


def changes(listing: Listing, data: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical new values of the fields in `data` that differ from the listing."""
    result = {}
    for field, value in data.items():
        new = canonical(field, value)
        if not _same(field, current(listing, field), new):
            result[field] = new
    return result


def apply(listing: Listing, values: Mapping[str, Any]) -> None:
    """Write canonical values (from `changes` or a full new listing) onto the row."""
    for field, value in values.items():
        if field == "origin":
            listing.origin_country = value["country"]
            listing.origin_province = value["province"]
            listing.origin_city = value["city"]
        elif field == "iecic":
            listing.iecic_listed = value["listed"]
            listing.iecic_name_zh = value["name_zh"]
            listing.iecic_serial = value["serial"]
        elif field == "price_tiers":
            _replace_tiers(listing, value)
        else:
            setattr(listing, field, value)


def _replace_tiers(listing: Listing, tiers: list[Tier]) -> None:
    if listing.price_tiers:
        # The unit of work inserts before it deletes; flush the deletions first so a
        # new tier may reuse an old tier's min_quantity (unique per listing).
        listing.price_tiers.clear()
        db.session.flush()
    listing.price_tiers.extend(PriceTier(min_quantity=t.min_quantity, unit_price=t.unit_price)
                               for t in tiers)
    listing.min_unit_price = min(t.unit_price for t in tiers)
