"""Highlight snippets computed from a document and a parsed query (backend-neutral).

The best matching displayed field is returned with `<em>` around what matched; all the
text is HTML-escaped. Long fields (description) are cut to a window around the first
match. Pinyin queries (and 2+-letter initials) highlight the Chinese words they read as.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Mapping
from typing import Any

from pypinyin import Style, lazy_pinyin

from search.normalize import has_cjk, normalize_char
from search.terms import ParsedQuery

# (result key, how to read it from the document), best first.
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("title_zh", ("title_zh",)),
    ("title_en", ("title_en",)),
    ("inci_name", ("inci_name",)),
    ("cas_number", ("cas_number",)),
    ("ec_number", ("ec_number",)),
    ("botanical_name", ("botanical_name",)),
    ("supplier.name", ("supplier", "name")),
    ("description", ("description",)),
)
PINYIN_FIELDS = frozenset({"title_zh"})
SNIPPET_BEFORE = 30
SNIPPET_AFTER = 90
_WORD_REST = r"[^\W_]*"
_CJK_OUT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

Span = tuple[int, int]
Literal = tuple[str, bool]  # (normalised text, matches as a word prefix)


def _value(doc: Mapping[str, Any], path: tuple[str, ...]) -> str | None:
    value: Any = doc
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value if isinstance(value, str) and value else None


def _normalized(text: str) -> tuple[str, list[int] | None]:
    """The normalised text and, unless it is the identity, each character's origin."""
    if text.isascii():
        return text.lower(), None
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for out in normalize_char(ch):
            chars.append(out)
            origin.append(i)
    return "".join(chars), origin


class _Literals:
    """Finds a set of literals: Chinese ones as substrings, latin ones as whole words."""

    def __init__(self, literals: tuple[Literal, ...]) -> None:
        self.cjk = [lit for lit, _ in literals if has_cjk(lit)]
        latin = [(lit, prefix) for lit, prefix in literals if not has_cjk(lit)]
        self.latin_count = len(latin)
        self.pattern: re.Pattern[str] | None = None
        if latin:
            # Longest first so `grape seed` wins over `grape`; one named group per literal.
            ordered = sorted(enumerate(latin), key=lambda item: -len(item[1][0]))
            alternatives = "|".join(
                f"(?P<l{i}>{re.escape(lit)}{_WORD_REST if prefix else ''})"
                for i, (lit, prefix) in ordered
            )
            self.pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")

    def spans(self, norm: str) -> tuple[list[Span], int]:
        found: list[Span] = []
        matched = 0
        for literal in self.cjk:
            start = norm.find(literal)
            matched += start >= 0
            while start >= 0:
                found.append((start, start + len(literal)))
                start = norm.find(literal, start + len(literal))
        if self.pattern is not None:
            # Chinese characters separate latin words (`玫瑰rose` contains the word `rose`).
            latin = _CJK_OUT.sub(" ", norm)
            groups: set[str] = set()
            for m in self.pattern.finditer(latin):
                found.append(m.span())
                groups.add(m.lastgroup or "")
            matched += len(groups)
        return found, matched


def _pinyin_spans(norm: str, readings: tuple[str, ...]) -> tuple[list[Span], int]:
    """Chinese substrings (2+ characters) whose full pinyin or initials equal a reading."""
    found: list[Span] = []
    matched: set[str] = set()
    wanted = set(readings)
    for offset, run in _cjk_runs(norm):
        syllables = lazy_pinyin(run, style=Style.NORMAL, errors="default")
        if len(syllables) != len(run):
            continue
        i = 0
        while i < len(run):
            for j in range(min(len(run), i + 8), i + 1, -1):
                part = syllables[i:j]
                full, initials = "".join(part), "".join(p[:1] for p in part)
                hit = full if full in wanted else initials if initials in wanted else None
                if hit is not None:
                    found.append((offset + i, offset + j))
                    matched.add(hit)
                    i = j - 1
                    break
            i += 1
    return found, len(matched)


def _cjk_runs(norm: str) -> list[tuple[int, str]]:
    return [(m.start(), m.group()) for m in re.finditer(r"[\u3400-\u9fff\uf900-\ufaff]+", norm)]


def _merge(found: list[Span], origin: list[int] | None) -> list[Span]:
    if origin is not None:
        found = [(origin[s], origin[e - 1] + 1) for s, e in found if e > s]
    merged: list[Span] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        elif end > start:
            merged.append((start, end))
    return merged


def _render(text: str, spans: list[Span], snippet: bool) -> str:
    lo, hi = 0, len(text)
    if snippet and len(text) > SNIPPET_BEFORE + SNIPPET_AFTER:
        lo = max(0, spans[0][0] - SNIPPET_BEFORE)
        hi = min(len(text), spans[0][0] + SNIPPET_AFTER)
    parts: list[str] = ["…" if lo > 0 else ""]
    pos = lo
    for start, end in spans:
        if start >= hi:
            break
        end = min(end, hi)
        parts.append(html.escape(text[pos:start]))
        parts.append(f"<em>{html.escape(text[start:end])}</em>")
        pos = end
    parts.append(html.escape(text[pos:hi]))
    parts.append("…" if hi < len(text) else "")
    return "".join(parts)


class Highlighter:
    """Compiled once per query; `__call__` gives a document's highlight."""

    def __init__(self, query: ParsedQuery) -> None:
        self.typed = _Literals(query.literals)
        self.expanded = _Literals(query.expanded)
        self.pinyin = query.pinyin
        self.empty = not (query.literals or query.expanded or query.pinyin)

    def __call__(self, doc: Mapping[str, Any]) -> dict[str, str]:
        """{field: snippet} for the best matching field, or {} when nothing visible matched.

        The best field matches the most distinct typed words (or pinyin readings); when
        nothing typed is visible, the most synonyms; ties go to the earlier field.
        """
        if self.empty:
            return {}
        best: tuple[tuple[int, int], str, str, list[Span]] | None = None
        for key, path in FIELDS:
            text = _value(doc, path)
            if text is None:
                continue
            norm, origin = _normalized(text)
            typed, typed_count = self.typed.spans(norm)
            if self.pinyin and key in PINYIN_FIELDS and has_cjk(norm):
                spoken, spoken_count = _pinyin_spans(norm, self.pinyin)
                typed, typed_count = typed + spoken, typed_count + spoken_count
            expanded, expanded_count = self.expanded.spans(norm)
            score = (typed_count, 0 if typed_count else expanded_count)
            if score > (0, 0) and (best is None or score > best[0]):
                best = (score, key, text, _merge(typed + expanded, origin))
        if best is None:
            return {}
        _, key, text, spans = best
        return {key: _render(text, spans, snippet=key == "description")}


@functools.lru_cache(maxsize=256)
def highlighter(query: ParsedQuery) -> Highlighter:
    return Highlighter(query)


def highlight(doc: Mapping[str, Any], query: ParsedQuery) -> dict[str, str]:
    return highlighter(query)(doc)
