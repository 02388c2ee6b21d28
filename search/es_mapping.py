"""The Elasticsearch index: settings, mapping, and a search document → indexed source.

Two kinds of text are indexed (see `search.documents`):

* the **analysed token fields** under `search.*` — the same jieba / pinyin / synonym tokens
  the embedded backend indexes, joined by spaces and split again by the built-in
  `whitespace` analyzer. Matching runs on these, so both backends match the same listings
  for the same query (`search.terms.parse_query` compiles to either engine);
* the **display fields** with language analyzers — built-in `cjk` (bigrams) for Chinese,
  `english` for English titles and INCI names, `standard` for botanical names — searched
  through `*_synonyms` search analyzers whose `synonym_graph` filter holds the groups of
  `search/data/synonyms.txt`. They drive highlighting (`rose` also marks `Rosa`, `玫瑰`
  marks `Rose`).

Suggestions use `search_as_you_type` fields over the Chinese title words, the latin words
of titles / INCI / botanical names, and the pinyin readings and initials of Chinese titles.

Money and quantities are decimal strings in documents: `min_unit_price` and `moq` are
`scaled_float` (exact cents / thousandths for filters and sorting) and `_source` keeps the
original strings. The index is `dynamic: strict`: a document with an unknown field is
rejected, so a change to `listing_document` must come with a mapping change (a unit test
checks they agree).

Versions: Elasticsearch's external version of a listing document is `2 * version`, and a
versioned delete writes a *tombstone* document (`tombstone: true`, external version
`2 * version + 1`); see `ElasticsearchBackend` for why.
"""

from __future__ import annotations

from typing import Any

from search.documents import SEARCH_FIELDS
from search.normalize import has_cjk
from search.synonyms import SynonymTable

SYNONYM_FILTER = "listing_synonyms"
WORDS_ANALYZER = "whitespace"  # the tokens were made (and normalised) by search.text
SUGGEST_FIELDS = ("zh", "en", "py")
SHARDS = 1  # one shard: exact facet counts and identical scores for identical listings
TITLE_LENGTH = "title_zh_length"

_KEYWORD: dict[str, Any] = {"type": "keyword"}
_BOOLEAN: dict[str, Any] = {"type": "boolean"}


def synonym_rules(table: SynonymTable) -> list[str]:
    """The synonym groups in Solr's equivalent-synonyms format (`a, b, c`)."""
    return [", ".join(group) for group in table.groups]


def settings(table: SynonymTable) -> dict[str, Any]:
    return {
        "number_of_shards": SHARDS,
        "auto_expand_replicas": "0-1",
        "analysis": {
            "filter": {
                SYNONYM_FILTER: {
                    "type": "synonym_graph",
                    "synonyms": synonym_rules(table),
                    # Operators edit the file: a rule that cannot be parsed is skipped
                    # instead of making index creation fail.
                    "lenient": True,
                },
                "english_possessive_stemmer": {"type": "stemmer", "language": "possessive_english"},
                "english_stop": {"type": "stop", "stopwords": "_english_"},
                "english_stemmer": {"type": "stemmer", "language": "english"},
            },
            "analyzer": {
                # The built-in `english` analyzer's chain with synonyms before stemming.
                "english_synonyms": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": [
                        "english_possessive_stemmer", "lowercase", "english_stop",
                        SYNONYM_FILTER, "english_stemmer",
                    ],
                },
                "standard_synonyms": {
                    "type": "custom",
                    "tokenizer": "standard",
                    "filter": ["lowercase", SYNONYM_FILTER],
                },
            },
        },
    }


def _text(analyzer: str, search_analyzer: str | None = None, **extra: Any) -> dict[str, Any]:
    field: dict[str, Any] = {"type": "text", "analyzer": analyzer}
    if search_analyzer:
        field["search_analyzer"] = search_analyzer
    field.update(extra)
    return field


def _scaled(factor: int) -> dict[str, Any]:
    return {"type": "scaled_float", "scaling_factor": factor}


def mappings() -> dict[str, Any]:
    # Chinese fields keep the plain `cjk` analyzer at search time: `cjk_bigram` cannot come
    # before a synonym filter (Elasticsearch refuses to parse synonyms through it), and
    # Chinese synonyms are matched on the token fields anyway.
    tokens = {
        name: {"type": "text", "analyzer": WORDS_ANALYZER, "norms": False}
        for name in SEARCH_FIELDS
    }
    suggest = {
        name: {"type": "search_as_you_type", "analyzer": WORDS_ANALYZER, "max_shingle_size": 2}
        for name in SUGGEST_FIELDS
    }
    return {
        "dynamic": "strict",
        # Derived text is rebuilt from the database, never read back: keep it out of _source.
        "_source": {"excludes": ["search", "suggest"]},
        "properties": {
            "id": _KEYWORD,
            "version": {"type": "long"},
            "tombstone": _BOOLEAN,
            "title_zh": _text("cjk"),
            "title_en": _text("english", "english_synonyms"),
            "inci_name": _text("english", "english_synonyms"),
            "cas_number": _KEYWORD,
            "ec_number": _KEYWORD,
            "category": _KEYWORD,
            "botanical_name": _text("standard", "standard_synonyms"),
            "plant_part": _KEYWORD,
            "extraction_method": _KEYWORD,
            "form": _KEYWORD,
            "description": _text("cjk"),
            "origin": {
                "properties": {"country": _KEYWORD, "province": _KEYWORD, "city": _KEYWORD},
            },
            "certifications": _KEYWORD,
            "iecic_name_zh": _text("cjk"),
            "unit": _KEYWORD,
            "moq": _scaled(1000),
            "min_unit_price": _scaled(100),
            "currency": _KEYWORD,
            "in_stock": _BOOLEAN,
            "sample_available": _BOOLEAN,
            "lead_time_days": {"type": "integer"},
            "supplier": {
                "properties": {
                    "id": _KEYWORD,
                    "name": _text("cjk", fields={"raw": {"type": "keyword", "ignore_above": 256}}),
                    "verified": _BOOLEAN,
                },
            },
            "published_at": {"type": "date_nanos"},
            "created_at": {"type": "date"},
            "updated_at": {"type": "date"},
            TITLE_LENGTH: {"type": "integer"},
            "search": {"properties": tokens},
            "suggest": {"properties": suggest},
        },
    }


def index_body(table: SynonymTable) -> dict[str, Any]:
    """The body of `PUT /<index>` (without aliases)."""
    return {"settings": settings(table), "mappings": mappings()}


def source(doc: dict[str, Any]) -> dict[str, Any]:
    """The indexed source of a search document (`search.documents.listing_document`)."""
    fields: dict[str, list[str]] = doc.get("search") or {}
    out = {key: value for key, value in doc.items() if key != "search"}
    out["search"] = {name: " ".join(fields.get(name) or ()) for name in SEARCH_FIELDS}
    title = list(fields.get("title") or ())
    latin = title + list(fields.get("inci") or ()) + list(fields.get("botanical") or ())
    out["suggest"] = {
        "zh": " ".join(t for t in title if has_cjk(t)),
        "en": " ".join(t for t in latin if not has_cjk(t)),
        "py": " ".join([*(fields.get("pinyin") or ()), *(fields.get("initials") or ())]),
    }
    out[TITLE_LENGTH] = len(doc.get("title_zh") or "")
    return out


def tombstone(listing_id: str, version: int) -> dict[str, Any]:
    """What a versioned delete leaves behind: enough to refuse older upserts."""
    return {"id": listing_id, "version": int(version), "tombstone": True}


def external_version(version: int, *, deleted: bool = False) -> int:
    """Elasticsearch's external version for a listing version (a deletion wins a tie)."""
    return 2 * int(version) + (1 if deleted else 0)
