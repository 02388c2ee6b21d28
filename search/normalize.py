"""Normalisation shared by every text function of the search package.

* `normalize`: NFKC (full-width → half-width), lower case, diacritics and tone marks
  removed (`Méiguī` → `meigui`); with `pinyin=True`, `ü` becomes `v` as pypinyin writes it.
* `is_cjk` / `has_cjk`: Chinese characters (CJK unified ideographs and extensions).
"""

from __future__ import annotations

import functools
import re
import unicodedata

CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_RUN = re.compile(f"[{CJK_CLASS}]+")


def is_cjk(ch: str) -> bool:
    return _CJK_RUN.match(ch) is not None


def has_cjk(text: str) -> bool:
    return _CJK_RUN.search(text) is not None


@functools.lru_cache(maxsize=4096)
def normalize_char(ch: str, pinyin: bool = False) -> str:
    """One character normalised (used to map highlights back onto the original text)."""
    if pinyin and ch in "üÜǖǘǚǜǕǗǙǛ":
        return "v"
    folded = unicodedata.normalize("NFKC", ch).lower()
    if folded.isascii() or all(is_cjk(c) for c in folded):
        return folded
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_U_UMLAUT = str.maketrans({c: "v" for c in "üÜǖǘǚǜǕǗǙǛ"})


def normalize(text: str | None, *, pinyin: bool = False) -> str:
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    if pinyin:
        text = text.translate(_U_UMLAUT)
    folded = unicodedata.normalize("NFKC", text).lower()
    decomposed = unicodedata.normalize("NFD", folded)
    if decomposed == folded:
        return folded
    return "".join(c for c in decomposed if not unicodedata.combining(c))
