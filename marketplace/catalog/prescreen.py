"""Automatic pre-screen of a listing sent to review.

The result is a list of flags `{code, message}` stored on the listing and shown to the
operator in the review queue. Flags inform a human decision; they never reject anything.

* `banned_substance`: the INCI name or CAS number is on the prohibited-substances list
  (`marketplace/catalog/data/banned_substances.csv`).
* `cas_inci_mismatch`: a published listing pairs the same CAS number with another INCI
  name, or the same INCI name with another CAS number.
* `price_outlier`: the lowest unit price is below 1/5 or above 5x the median of published
  listings of the same category, unit and currency (with at least 5 to compare against).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select

from marketplace.catalog.models import Listing
from marketplace.catalog.vocabulary import ListingStatus
from marketplace.extensions import db

BANNED_SUBSTANCES_RESOURCE = ("marketplace.catalog", "data/banned_substances.csv")
# Shorter banned names ("lead") would match inside unrelated INCI names as substrings.
MIN_SUBSTRING_MATCH = 6
OUTLIER_FACTOR = 5
MIN_PEERS_FOR_OUTLIER = 5

_CAS_IN_TEXT = re.compile(r"\b\d{2,7}-\d{2}-\d\b")

Flag = dict[str, str]


@dataclass(frozen=True)
class BannedSubstance:
    inci_name: str
    cas_numbers: tuple[str, ...]
    name_zh: str
    restriction: str
    source: str

    @property
    def key(self) -> str:
        return normalize_inci(self.inci_name)


def normalize_inci(name: str) -> str:
    """Case-insensitive, whitespace-normalized form used for every INCI comparison."""
    return " ".join(name.split()).casefold()


def parse_banned_substances(lines: Any) -> tuple[BannedSubstance, ...]:
    """Rows of `inci_name,cas_number,name_zh,restriction,source` (header row first).

    A cell may hold several CAS numbers (salts, hydrates); blank rows are skipped.
    """
    substances = []
    for row in csv.DictReader(lines):
        inci = (row.get("inci_name") or "").strip()
        cas_numbers = tuple(_CAS_IN_TEXT.findall(row.get("cas_number") or ""))
        if not inci and not cas_numbers:
            continue
        substances.append(
            BannedSubstance(
                inci_name=inci,
                cas_numbers=cas_numbers,
                name_zh=(row.get("name_zh") or "").strip(),
                restriction=(row.get("restriction") or "").strip(),
                source=(row.get("source") or "").strip(),
            )
        )
    return tuple(substances)


@cache
def banned_substances() -> tuple[BannedSubstance, ...]:
    """The packaged list, read once per process."""
    package, name = BANNED_SUBSTANCES_RESOURCE
    resource = resources.files(package).joinpath(name)
    text = resource.read_text(encoding="utf-8-sig")
    return parse_banned_substances(io.StringIO(text, newline=""))


def banned_matches(
    inci_name: str, cas_number: str | None, substances: tuple[BannedSubstance, ...]
) -> list[BannedSubstance]:
    inci = normalize_inci(inci_name)
    matches = []
    for substance in substances:
        key = substance.key
        by_name = bool(key) and (
            key == inci or (len(key) >= MIN_SUBSTRING_MATCH and key in inci)
        )
        by_cas = bool(cas_number) and cas_number in substance.cas_numbers
        if by_name or by_cas:
            matches.append(substance)
    return matches


def _banned_flags(listing: Listing) -> list[Flag]:
    flags = []
    for substance in banned_matches(listing.inci_name, listing.cas_number, banned_substances()):
        names = " / ".join(n for n in (substance.inci_name, substance.name_zh) if n)
        cas = ", ".join(substance.cas_numbers)
        details = "; ".join(p for p in (substance.restriction, substance.source) if p)
        message = f"Matches {names}"
        message += f" (CAS {cas})" if cas else ""
        message += " on the banned/restricted substances list"
        message += f": {details}." if details else "."
        flags.append({"code": "banned_substance", "message": message})
    return flags


def _published_others(listing: Listing) -> Any:
    stmt = select(Listing.inci_name, Listing.cas_number).where(
        Listing.status == ListingStatus.PUBLISHED.value
    )
    if listing.id is not None:
        stmt = stmt.where(Listing.id != listing.id)
    return stmt


def _mismatch_flags(listing: Listing) -> list[Flag]:
    flags = []
    inci = normalize_inci(listing.inci_name)
    if listing.cas_number:
        rows = db.session.execute(
            _published_others(listing).where(Listing.cas_number == listing.cas_number)
        ).all()
        others = sorted({r.inci_name for r in rows if normalize_inci(r.inci_name) != inci})
        if others:
            flags.append({
                "code": "cas_inci_mismatch",
                "message": f"CAS {listing.cas_number} is published under another INCI name: "
                + ", ".join(others[:5]) + ".",
            })
        rows = db.session.execute(
            _published_others(listing).where(
                func.lower(Listing.inci_name) == listing.inci_name.lower(),
                Listing.cas_number.is_not(None),
                Listing.cas_number != "",
                Listing.cas_number != listing.cas_number,
            )
        ).all()
        cas_numbers = sorted({r.cas_number for r in rows if normalize_inci(r.inci_name) == inci})
        if cas_numbers:
            flags.append({
                "code": "cas_inci_mismatch",
                "message": f"INCI {listing.inci_name} is published with another CAS number: "
                + ", ".join(cas_numbers[:5]) + ".",
            })
    return flags


def median_published_price(listing: Listing) -> tuple[Decimal, int] | None:
    """Median lowest unit price of comparable published listings, and how many there are."""
    peers = select(Listing.min_unit_price).where(
        Listing.status == ListingStatus.PUBLISHED.value,
        Listing.category == listing.category,
        Listing.unit == listing.unit,
        Listing.currency == listing.currency,
    )
    if listing.id is not None:
        peers = peers.where(Listing.id != listing.id)
    count = db.session.scalar(select(func.count()).select_from(peers.subquery())) or 0
    if count == 0:
        return None
    middle = db.session.scalars(
        peers.order_by(Listing.min_unit_price).offset((count - 1) // 2).limit(2 - count % 2)
    ).all()
    return sum(middle, Decimal(0)) / len(middle), count


def _outlier_flags(listing: Listing) -> list[Flag]:
    found = median_published_price(listing)
    if found is None or found[1] < MIN_PEERS_FOR_OUTLIER:
        return []
    median, count = found
    price = listing.min_unit_price
    if median * OUTLIER_FACTOR < price or price * OUTLIER_FACTOR < median:
        shown = median.quantize(Decimal("0.01"))
        return [{
            "code": "price_outlier",
            "message": f"Lowest unit price {price} {listing.currency}/{listing.unit} is far from "
            f"the median {shown} of {count} published {listing.category} listings.",
        }]
    return []


def prescreen(listing: Listing) -> list[Flag]:
    """All flags for the listing as it stands (it is compared with *other* listings)."""
    return _banned_flags(listing) + _mismatch_flags(listing) + _outlier_flags(listing)
