"""The backend-neutral query model and result types.

Every backend takes a `SearchQuery` and answers a `SearchResult`; the HTTP layer turns
request parameters into the former and the latter into JSON (`SearchResult.to_dict`).
Money and quantities travel as `Decimal` in queries and as fixed-place strings in results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from search.normalize import normalize

SORTS = ("relevance", "price_asc", "price_desc", "newest")
FACETS = ("category", "origin_country", "origin_province", "certification")
DEFAULT_FACETS = ("category", "origin_province", "certification")
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class SearchQuery:
    """What a buyer asked for. Empty `text` means browse (every listing matches).

    Filters left as None are not applied. `certifications` must all be present on a
    listing. Prices filter the listing's lowest unit price (`min_unit_price`), in the
    listing's own currency. `relevance` with empty text orders newest first.
    """

    text: str = ""
    category: str | None = None
    origin_country: str | None = None
    origin_province: str | None = None
    certifications: tuple[str, ...] = ()
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    max_moq: Decimal | None = None
    in_stock: bool | None = None
    sample_available: bool | None = None
    verified_supplier: bool | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: tuple[str, ...] = DEFAULT_FACETS

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}; expected one of {SORTS}")
        if self.page < 1:
            raise ValueError("page must be >= 1")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be between 1 and {MAX_PER_PAGE}")
        unknown = [f for f in self.facets if f not in FACETS]
        if unknown:
            raise ValueError(f"unknown facets {unknown}; expected some of {FACETS}")
        # Lists are accepted for convenience but stored as tuples (hashable, immutable).
        object.__setattr__(self, "certifications", tuple(self.certifications))
        object.__setattr__(self, "facets", tuple(self.facets))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_text(self) -> bool:
        return bool(self.text and self.text.strip())


@dataclass(frozen=True)
class SearchHit:
    """One result row: the API's item fields plus highlight snippets."""

    id: str
    title_zh: str
    title_en: str | None
    inci_name: str
    cas_number: str | None
    category: str
    origin: Mapping[str, str | None]
    certifications: tuple[str, ...]
    unit: str
    moq: str
    min_unit_price: str
    currency: str
    supplier: Mapping[str, Any]
    highlight: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_document(
        cls, doc: Mapping[str, Any], highlight: Mapping[str, str] | None = None
    ) -> SearchHit:
        """Build a hit from a search document (`search.documents.listing_document`)."""
        return cls(
            id=doc["id"],
            title_zh=doc["title_zh"],
            title_en=doc.get("title_en"),
            inci_name=doc["inci_name"],
            cas_number=doc.get("cas_number"),
            category=doc["category"],
            origin=dict(doc["origin"]),
            certifications=tuple(doc.get("certifications") or ()),
            unit=doc["unit"],
            moq=doc["moq"],
            min_unit_price=doc["min_unit_price"],
            currency=doc["currency"],
            supplier=dict(doc["supplier"]),
            highlight=dict(highlight or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "inci_name": self.inci_name,
            "cas_number": self.cas_number,
            "category": self.category,
            "origin": dict(self.origin),
            "certifications": list(self.certifications),
            "unit": self.unit,
            "moq": self.moq,
            "min_unit_price": self.min_unit_price,
            "currency": self.currency,
            "supplier": dict(self.supplier),
            "highlight": dict(self.highlight),
        }


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class SearchResult:
    """One page of hits, the total number of matches, and the facets asked for.

    Facet values are ordered by count descending, then value ascending.
    """

    items: list[SearchHit]
    total: int
    facets: dict[str, list[FacetValue]]
    page: int
    per_page: int

    @property
    def ids(self) -> list[str]:
        return [hit.id for hit in self.items]

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "items": [hit.to_dict() for hit in self.items],
            "facets": {
                name: [{"value": v.value, "count": v.count} for v in values]
                for name, values in self.facets.items()
            },
        }


@dataclass(frozen=True)
class Suggestion:
    """A completion for a typed prefix: the text to show and the listing it came from."""

    text: str
    listing_id: str


def rank_suggestions(
    candidates: list[tuple[str, str]], typed: str, limit: int
) -> list[Suggestion]:
    """Both backends' last step: `(text, listing_id)` candidates in the backend's order,
    texts that start with what was typed first, one suggestion per distinct text."""
    ordered = sorted(
        (not normalize(text).startswith(typed), position, text, listing_id)
        for position, (text, listing_id) in enumerate(candidates)
    )
    out: list[Suggestion] = []
    seen: set[str] = set()
    for _, _, text, listing_id in ordered:
        if text.lower() not in seen:
            seen.add(text.lower())
            out.append(Suggestion(text=text, listing_id=listing_id))
        if len(out) >= limit:
            break
    return out
