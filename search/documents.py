"""A listing → its search document, in one place (DESIGN.md "Search").

The document holds what results display (the API's item fields, plus a few for filters,
sorting and highlighting) and, under `"search"`, the analysed text every backend indexes:
lists of normalised tokens per logical field. `version` is the listing's version: a
backend never lets a document replace one with a higher version.

Logical fields under `"search"` (weights are the embedded backend's, highest first):
`title` (Chinese and English titles, IECIC Chinese name), `codes` (CAS/EC, digits only),
`inci`, `botanical`, `pinyin` (full pinyin of each Chinese title word and of the whole
Chinese title), `initials` (their initials, 2+ letters), `synonyms` (equivalents of the
synonym terms found in titles, INCI and botanical name), `supplier`, `attrs` (category,
plant part, extraction, form, origin), `description`, `related` (equivalents of the
synonym terms found in supplier name, attributes and description). With `synonyms` and
`related`, a document matches every equivalent of its words without query expansion.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from search.normalize import has_cjk, is_cjk
from search.synonyms import SynonymTable, default_table
from search.terms import compact_code
from search.text import analyze, pinyin_full, pinyin_initials

SEARCH_FIELDS = (
    "title", "codes", "inci", "botanical", "pinyin", "initials", "synonyms", "supplier",
    "attrs", "description", "related",
)
_MONEY = Decimal("0.01")
_CACHED_TEXT = 200  # texts up to this length have their synonym expansion cached
_QUANTITY = Decimal("0.001")


@dataclass(frozen=True)
class SupplierData:
    """The supplier fields a document needs (`Organization` without the ORM)."""

    id: str | None
    name: str | None
    is_verified: bool


@dataclass(frozen=True)
class TierData:
    """A price tier: the same shape as the catalogue's `Tier` (which fits wherever this
    does), kept here so that this package imports nothing of the marketplace."""

    min_quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class ListingData:
    """The listing fields a document needs, as plain values: what `search reindex` reads
    with one SELECT and hands to worker processes (picklable, no session). Building a
    document from it gives the same document as from the `Listing` it was read from."""

    id: str
    version: int | None
    title_zh: str
    title_en: str | None
    inci_name: str
    cas_number: str | None
    ec_number: str | None
    category: str
    botanical_name: str | None
    plant_part: str | None
    extraction_method: str | None
    form: str | None
    description: str | None
    origin_country: str
    origin_province: str | None
    origin_city: str | None
    certifications: Sequence[str] | None
    iecic_name_zh: str | None
    unit: str
    moq: Decimal | None
    stock_quantity: Decimal | None
    min_unit_price: Decimal | None
    currency: str | None
    sample_available: bool | None
    lead_time_days: int | None
    supplier_id: str | None
    published_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    supplier: SupplierData | None = None
    price_tiers: Sequence[TierData] = field(default_factory=tuple)
    # The catalogue's "in stock" rule, applied by whoever reads the row.
    in_stock: bool = False


# The columns of `listings` that `ListingData` takes, in its field order.
LISTING_DATA_COLUMNS = tuple(
    f for f in ListingData.__dataclass_fields__
    if f not in ("supplier", "price_tiers", "in_stock")
)


class _Supplier(Protocol):
    @property
    def id(self) -> str | None: ...

    @property
    def name(self) -> str | None: ...

    @property
    def is_verified(self) -> bool: ...


class _Tier(Protocol):
    @property
    def unit_price(self) -> Decimal: ...


class ListingLike(Protocol):
    """What a document is built from: a `ListingData`, or any object with its fields (the
    catalogue's ORM row). `in_stock` is the catalogue's rule, not this package's."""

    @property
    def id(self) -> Any: ...

    @property
    def version(self) -> Any: ...

    @property
    def title_zh(self) -> Any: ...

    @property
    def title_en(self) -> Any: ...

    @property
    def inci_name(self) -> Any: ...

    @property
    def cas_number(self) -> Any: ...

    @property
    def ec_number(self) -> Any: ...

    @property
    def category(self) -> Any: ...

    @property
    def botanical_name(self) -> Any: ...

    @property
    def plant_part(self) -> Any: ...

    @property
    def extraction_method(self) -> Any: ...

    @property
    def form(self) -> Any: ...

    @property
    def description(self) -> Any: ...

    @property
    def origin_country(self) -> Any: ...

    @property
    def origin_province(self) -> Any: ...

    @property
    def origin_city(self) -> Any: ...

    @property
    def certifications(self) -> Any: ...

    @property
    def iecic_name_zh(self) -> Any: ...

    @property
    def unit(self) -> Any: ...

    @property
    def moq(self) -> Any: ...

    @property
    def stock_quantity(self) -> Any: ...

    @property
    def min_unit_price(self) -> Any: ...

    @property
    def currency(self) -> Any: ...

    @property
    def sample_available(self) -> Any: ...

    @property
    def lead_time_days(self) -> Any: ...

    @property
    def supplier_id(self) -> Any: ...

    @property
    def published_at(self) -> Any: ...

    @property
    def created_at(self) -> Any: ...

    @property
    def updated_at(self) -> Any: ...

    @property
    def supplier(self) -> _Supplier | None: ...

    @property
    def price_tiers(self) -> Sequence[_Tier]: ...

    @property
    def in_stock(self) -> bool: ...


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _lowest_price(listing: ListingLike) -> Decimal:
    if listing.min_unit_price is not None:
        return Decimal(listing.min_unit_price)
    prices = [Decimal(t.unit_price) for t in (listing.price_tiers or [])]
    return min(prices) if prices else Decimal(0)


def _tokens(*texts: str | None) -> list[str]:
    out: list[str] = []
    for text in texts:
        out.extend(analyze(text))
    return out


def _pinyin(*titles: str | None) -> tuple[list[str], list[str]]:
    full: list[str] = []
    initials: list[str] = []
    for title in titles:
        if not title or not has_cjk(title):
            continue
        words = [t for t in analyze(title) if len(t) > 1 and has_cjk(t)]
        whole = "".join(ch for ch in title if is_cjk(ch))
        for word in [*words, whole]:
            reading = pinyin_full(word)
            if reading and reading not in full:
                full.append(reading)
            letters = pinyin_initials(word)
            if len(letters) > 1 and letters not in initials:
                initials.append(letters)
    return full, initials


def _synonyms(table: SynonymTable, *texts: str | None) -> list[str]:
    terms: list[str] = []
    for text in texts:
        terms.extend(t for t in _expanded(table, text) if t not in terms)
    return _tokens(*terms)


def _expanded(table: SynonymTable, text: str | None) -> tuple[str, ...]:
    if text and len(text) <= _CACHED_TEXT:
        return _expanded_cached(table, text)
    return tuple(table.expand_text(text))


@functools.lru_cache(maxsize=50_000)
def _expanded_cached(table: SynonymTable, text: str) -> tuple[str, ...]:
    # Titles, INCI and botanical names, supplier names and attributes repeat a lot.
    return tuple(table.expand_text(text))


def search_fields(
    listing: ListingLike, synonyms: SynonymTable | None = None
) -> dict[str, list[str]]:
    """The analysed text of a listing, per logical field."""
    table = synonyms or default_table()
    supplier = listing.supplier
    supplier_name = supplier.name if supplier is not None else None
    attributes = (
        (listing.category or "").replace("_", " "),
        listing.plant_part,
        listing.extraction_method,
        listing.form,
        listing.origin_province,
        listing.origin_city,
    )
    full, initials = _pinyin(listing.title_zh, listing.iecic_name_zh)
    codes = [compact_code(c) for c in (listing.cas_number, listing.ec_number) if c]
    return {
        "title": _tokens(listing.title_zh, listing.title_en, listing.iecic_name_zh),
        "codes": codes,
        "inci": _tokens(listing.inci_name),
        "botanical": _tokens(listing.botanical_name),
        "pinyin": full,
        "initials": initials,
        "synonyms": _synonyms(
            table, listing.title_zh, listing.title_en, listing.inci_name, listing.botanical_name
        ),
        "supplier": _tokens(supplier_name),
        "attrs": _tokens(*attributes),
        "description": _tokens(listing.description),
        "related": _synonyms(table, supplier_name, *attributes, listing.description),
    }


def listing_document(
    listing: ListingLike, synonyms: SynonymTable | None = None
) -> dict[str, Any]:
    """The search document of a (published) listing (an ORM row or its `ListingData`)."""
    supplier = listing.supplier
    moq = Decimal(listing.moq if listing.moq is not None else 0)
    return {
        "id": listing.id,
        "version": int(listing.version or 1),
        "title_zh": listing.title_zh,
        "title_en": listing.title_en,
        "inci_name": listing.inci_name,
        "cas_number": listing.cas_number,
        "ec_number": listing.ec_number,
        "category": listing.category,
        "botanical_name": listing.botanical_name,
        "plant_part": listing.plant_part,
        "extraction_method": listing.extraction_method,
        "form": listing.form,
        "description": listing.description,
        "origin": {
            "country": listing.origin_country,
            "province": listing.origin_province,
            "city": listing.origin_city,
        },
        "certifications": sorted(set(listing.certifications or [])),
        "iecic_name_zh": listing.iecic_name_zh,
        "unit": listing.unit,
        "moq": str(moq.quantize(_QUANTITY)),
        "min_unit_price": str(_lowest_price(listing).quantize(_MONEY)),
        "currency": listing.currency or "CNY",
        "in_stock": bool(listing.in_stock),
        "sample_available": bool(listing.sample_available),
        "lead_time_days": listing.lead_time_days,
        "supplier": {
            "id": listing.supplier_id or (supplier.id if supplier is not None else None),
            "name": supplier.name if supplier is not None else None,
            "verified": bool(supplier is not None and supplier.is_verified),
        },
        "published_at": _iso(listing.published_at),
        "created_at": _iso(listing.created_at),
        "updated_at": _iso(listing.updated_at),
        "search": search_fields(listing, synonyms),
    }
