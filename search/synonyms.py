"""The synonym table (search/data/synonyms.txt), kept as data that operators extend.

Format: one group of equivalent terms per line, comma-separated; `#` starts a comment;
terms are lower-case latin or Chinese (input is normalised anyway). A term found in any
group stands for every member of every group containing it. Multi-word terms
(`grape seed`) match as phrases, i.e. as consecutive tokens.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.text import has_cjk, is_cjk, normalize, segment

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


@dataclass(frozen=True)
class Match:
    """Tokens[start:end] are a synonym term; `terms` are all its equivalents (itself too)."""

    start: int
    end: int
    terms: tuple[str, ...]


class SynonymTable:
    def __init__(self, groups: Iterable[Sequence[str]]) -> None:
        self.groups = [tuple(g) for g in groups]
        by_key: dict[tuple[str, ...], list[str]] = {}
        for group in self.groups:
            for term in group:
                members = by_key.setdefault(self.key(term), [])
                members.extend(t for t in group if t not in members)
        self._by_key = {k: tuple(v) for k, v in by_key.items()}
        self._longest = max((len(k) for k in self._by_key), default=0)

    @classmethod
    def from_file(cls, path: Path | str = DEFAULT_PATH) -> SynonymTable:
        return cls(read_groups(path))

    @staticmethod
    def key(term: str) -> tuple[str, ...]:
        return tuple(segment(normalize(term), fine=False))

    def __len__(self) -> int:
        return len(self.groups)

    def lookup(self, term: str) -> tuple[str, ...]:
        """Every equivalent of one term (empty when it is in no group)."""
        return self._by_key.get(self.key(term), ())

    def find(self, tokens: Sequence[str]) -> list[Match]:
        """Non-overlapping synonym terms in a token sequence, longest first, left to right."""
        found: list[Match] = []
        i = 0
        while i < len(tokens):
            for length in range(min(self._longest, len(tokens) - i), 0, -1):
                terms = self._by_key.get(tuple(tokens[i : i + length]))
                if terms:
                    found.append(Match(i, i + length, terms))
                    i += length
                    break
            else:
                i += 1
        return found

    def expand_text(self, text: str | None) -> list[str]:
        """Equivalents of every synonym term in a text (document side), in table order.

        Looks at the coarse words (so `grape seed` is found as a phrase) and at each fine
        word (so `玫瑰` is found inside `玫瑰花`).
        """
        normalized = normalize(text)
        if not normalized:
            return []
        out: list[str] = []
        for match in self.find(segment(normalized, fine=False)):
            out.extend(t for t in match.terms if t not in out)
        if has_cjk(normalized):
            for token in segment(normalized, fine=True):
                out.extend(t for t in self._by_key.get((token,), ()) if t not in out)
        return out


@functools.cache
def default_table() -> SynonymTable:
    """The table from search/data/synonyms.txt, loaded once per process."""
    return SynonymTable.from_file(DEFAULT_PATH)
