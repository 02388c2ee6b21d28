"""`/api/v1/search/*`: open to everyone; only published listings are ever indexed."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_smorest import Blueprint

from marketplace.catalog.search_schemas import (
    SearchArgs,
    SearchResultSchema,
    SuggestArgs,
    SuggestResultSchema,
)
from search.interface import SearchBackend
from search.query import SearchQuery

blp = Blueprint("search", __name__, url_prefix="/api/v1/search", description="Ingredient search")


def _backend() -> SearchBackend:
    backend: SearchBackend = current_app.extensions["search_backend"]
    return backend


@blp.route("/listings", methods=["GET"])
@blp.arguments(SearchArgs, location="query")
@blp.response(200, SearchResultSchema)
@blp.alt_response(503, description="The search backend is unavailable")
def search_listings(args: dict[str, Any]) -> dict[str, Any]:
    """Full-text search over published listings, in Chinese, English, pinyin, INCI or CAS,
    with filters, facets (counts honour the other active filters), sorting and paging."""
    query = SearchQuery(
        text=args["q"],
        category=args.get("category"),
        origin_country=args.get("origin_country"),
        origin_province=args.get("origin_province"),
        certifications=tuple(args["certification"]),
        min_price=args.get("min_price"),
        max_price=args.get("max_price"),
        max_moq=args.get("max_moq"),
        in_stock=args.get("in_stock"),
        sample_available=args.get("sample_available"),
        verified_supplier=args.get("verified_supplier"),
        sort=args["sort"],
        page=args["page"],
        per_page=args["per_page"],
    )
    return _backend().search(query).to_dict()


@blp.route("/suggest", methods=["GET"])
@blp.arguments(SuggestArgs, location="query")
@blp.response(200, SuggestResultSchema)
@blp.alt_response(503, description="The search backend is unavailable")
def suggest(args: dict[str, Any]) -> dict[str, Any]:
    """Completions for what the buyer is typing (`玫`, `gra`, `mei`)."""
    suggestions = _backend().suggest(args["q"], limit=args["limit"])
    return {"suggestions": [{"text": s.text, "listing_id": s.listing_id} for s in suggestions]}
