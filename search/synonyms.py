"""The synonym table (search/data/synonyms.txt, read by `search.synonym_data`), kept as
data that operators extend.

A term found in any group stands for every member of every group containing it.
Multi-word terms (`grape seed`) match as phrases, i.e. as consecutive tokens.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.normalize import has_cjk, normalize
from search.synonym_data import DEFAULT_PATH, read_groups
from search.text import segment


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
