"""Reading the synonym table's data file (search/data/synonyms.txt) into groups of terms.

Format: one group of equivalent terms per line, comma-separated; `#` starts a comment;
terms are lower-case latin or Chinese (input is normalised anyway). The segmenter
(`search.text`) keeps the Chinese terms whole; `search.synonyms` builds the table.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from search.normalize import is_cjk, normalize

DEFAULT_PATH = Path(__file__).parent / "data" / "synonyms.txt"


def parse_groups(lines: Iterable[str]) -> list[tuple[str, ...]]:
    """Groups of normalised terms; blank lines, comments and one-term groups are dropped."""
    groups: list[tuple[str, ...]] = []
    for line in lines:
        content = line.split("#", 1)[0]
        terms: list[str] = []
        for raw in content.split(","):
            term = " ".join(normalize(raw).split())
            if term and term not in terms:
                terms.append(term)
        if len(terms) > 1:
            groups.append(tuple(terms))
    return groups


def read_groups(path: Path | str = DEFAULT_PATH) -> list[tuple[str, ...]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return parse_groups(text.splitlines())


@functools.cache
def chinese_terms(path: Path | str = DEFAULT_PATH) -> list[str]:
    """Purely Chinese terms of the table: jieba keeps each of them as one word."""
    return sorted(
        {t for group in read_groups(path) for t in group if all(is_cjk(ch) for ch in t)}
    )
