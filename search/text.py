"""Text analysis shared by documents, queries and both backends (normalisation itself is
`search.normalize`).

* `segment`: Chinese runs cut by jieba (`fine=True`: `lcut_for_search`, which also emits the
  sub-words of long words; `fine=False`: `lcut`, the coarse words), other runs split into
  words of letters and digits. Input should already be normalised.
* `pinyin_full` / `pinyin_initials`: `玫瑰` → `meigui` / `mg` (no tones, `ü` as `v`).
* `split_pinyin`: `meigui` → `["mei", "gui"]`, None when the string is not pinyin.

jieba is initialised once per process, quietly, with the Chinese terms of the synonym
table added to its dictionary so that e.g. `透明质酸钠` stays one word on both sides.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from typing import Any

import jieba
from pypinyin import Style, lazy_pinyin
from pypinyin.pinyin_dict import pinyin_dict

from search.normalize import CJK_CLASS, has_cjk, normalize
from search.synonym_data import chinese_terms

_WORD = re.compile(r"[^\W_]+")
_TONE_NUMBERED = re.compile(r"(?:[a-z]+[1-5]?)+")
# Interjection "syllables" pypinyin knows (嗯 n, 呣 m, 哼 hng ...): never part of a query.
_NOT_SYLLABLES = frozenset({"n", "ng", "m", "hm", "hng", "r", "o", "ei", "yo", "lo"})
# Function words that carry no meaning in a product search.
CJK_STOPWORDS = frozenset({"的", "和", "与", "及", "或", "之"})
LATIN_STOPWORDS = frozenset({"a", "an", "the", "of", "and", "or", "for", "with"})

_jieba_lock = threading.Lock()
_jieba: jieba.Tokenizer | None = None


_RUNS = re.compile(f"([{CJK_CLASS}]+)|[^{CJK_CLASS}]+")


def _tokenizer() -> jieba.Tokenizer:
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                for word in chinese_terms():
                    tokenizer.add_word(word)
                _jieba = tokenizer
    return _jieba



def runs(text: str) -> list[tuple[bool, str]]:
    """Split text into maximal runs of (is_chinese, run)."""
    return [(m.group(1) is not None, m.group()) for m in _RUNS.finditer(text)]


def segment(text: str, *, fine: bool = True) -> list[str]:
    """Tokens of already-normalised text, in order."""
    if len(text) <= 80:
        return list(_segment_cached(text, fine))
    return _segment(text, fine)


@functools.lru_cache(maxsize=50_000)
def _segment_cached(text: str, fine: bool) -> tuple[str, ...]:
    # Titles, names and attributes repeat across listings: segment each once.
    return tuple(_segment(text, fine))


def _segment(text: str, fine: bool) -> list[str]:
    tokens: list[str] = []
    for chinese, run in runs(text):
        if chinese:
            tokens.extend(_cut_for_search(run) if fine else _cut(run))
        else:
            tokens.extend(_WORD.findall(run))
    return tokens


@functools.lru_cache(maxsize=100_000)
def _cut(run: str) -> tuple[str, ...]:
    """jieba's coarse words of one run of Chinese characters (`lcut`).

    Cached per run: a run is a clause between punctuation, digits or latin words, and
    the same clauses (产地直供, 每批附, place and ingredient names) recur across listings.
    """
    return tuple(w for w in _tokenizer().lcut(run) if w.strip())


@functools.lru_cache(maxsize=100_000)
def _cut_for_search(run: str) -> tuple[str, ...]:
    """jieba's fine words of one run (`lcut_for_search`), derived from the coarse words
    exactly as jieba derives them (its 2- and 3-grams in the dictionary, then the word),
    so a run is cut by jieba once for both granularities."""
    freq = _tokenizer().FREQ
    out: list[str] = []
    for word in _cut(run):
        n = len(word)
        if n > 2:
            out.extend(gram for i in range(n - 1) if freq.get(gram := word[i : i + 2]))
        if n > 3:
            out.extend(gram for i in range(n - 2) if freq.get(gram := word[i : i + 3]))
        out.append(word)
    return tuple(out)


def analyze(text: str | None, *, fine: bool = True) -> list[str]:
    """normalize + segment."""
    return segment(normalize(text), fine=fine)


def chinese_words(text: str | None) -> list[str]:
    """The coarse Chinese words of a text (jieba `lcut`), without single characters."""
    return [t for t in analyze(text, fine=False) if len(t) > 1 and has_cjk(t)]


@functools.lru_cache(maxsize=50_000)
def pinyin_full(word: str) -> str:
    return "".join(lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


@functools.lru_cache(maxsize=50_000)
def pinyin_initials(word: str) -> str:
    return "".join(lazy_pinyin(word, style=Style.FIRST_LETTER, errors="ignore"))


@functools.cache
def syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (`ü` written `v`)."""
    found: set[str] = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            found.add(normalize(reading, pinyin=True))
    return frozenset(s for s in found if s.isalpha() and s not in _NOT_SYLLABLES)


@functools.lru_cache(maxsize=2048)
def split_pinyin(text: str) -> tuple[str, ...] | None:
    """Split a toneless pinyin string into syllables (fewest syllables wins), else None."""
    if not text or not text.isascii() or not text.isalpha():
        return None
    known = syllables()
    n = len(text)
    best: list[tuple[str, ...] | None] = [None] * (n + 1)
    best[0] = ()
    for end in range(1, n + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            if head is not None and text[start:end] in known:
                candidate = (*head, text[start:end])
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
    return best[n]


def pinyin_variant(token: str) -> str | None:
    """What a typed latin token means as toneless pinyin: `mei2gui1` → `meigui`; else None."""
    if _TONE_NUMBERED.fullmatch(token) is None:
        return None
    plain = re.sub(r"[1-5]", "", token)
    return plain if split_pinyin(plain) else None


def singular(token: str) -> str | None:
    """A naive English singular (`seeds` → `seed`), or None when there is none to try."""
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss") and token.isalpha():
        return token[:-1]
    return None


def warm_up() -> Any:
    """Load jieba's dictionary and the syllable table now rather than on the first request."""
    _tokenizer()
    return syllables()
