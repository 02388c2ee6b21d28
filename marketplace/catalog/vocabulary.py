"""Closed vocabularies of listing fields (API.md "Listings"). A value outside them is a 422."""

from __future__ import annotations

import enum

CATEGORIES = (
    "plant_extract", "essential_oil", "vegetable_oil", "floral_water", "active", "emollient",
    "humectant", "surfactant", "emulsifier", "preservative", "thickener", "colorant",
    "fragrance", "other",
)
CERTIFICATIONS = (
    "COSMOS_ORGANIC", "COSMOS_NATURAL", "ECOCERT", "USDA_ORGANIC", "CN_ORGANIC", "HALAL",
    "KOSHER", "VEGAN", "ISO_22716", "RSPO", "GI",
)
UNITS = ("kg", "g", "L", "mL")
# Incoterms 2020.
INCOTERMS = ("EXW", "FCA", "FAS", "FOB", "CFR", "CIF", "CPT", "CIP", "DAP", "DPU", "DDP")
CURRENCIES = ("CNY", "USD", "EUR")


class ListingStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


# Fields a supplier may change on a published listing without a new review.
COMMERCIAL_FIELDS = frozenset({"price_tiers", "stock_quantity", "lead_time_days"})
