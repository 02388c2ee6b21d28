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

# ISO 3166-1 alpha-2 (officially assigned codes).
COUNTRIES = frozenset(
    """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR
BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ
EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW
GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY
KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV
MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY
QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG
TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM
ZW
""".split()
)
