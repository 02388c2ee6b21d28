"""E-mail addresses as account identifiers: one normal form, and no look-alikes.

Every address is compared in one form, `normalize_email`: Unicode NFKC (full-width
`ｌｉ@ｅｘａｍｐｌｅ.com` and mathematical or circled letters become the plain ones),
lower case, surrounding white space removed. Registration stores that form, so a second
registration that differs only in width or case is a duplicate (409), and login looks the
account up by the same form.

`lookalike_problem` refuses, at registration, the addresses whose differences no reader
can see: invisible characters (zero-width spaces and joiners, other format and control
characters, blank "letters" such as the Hangul filler) and labels that mix writing systems
(`pаypal` with a Cyrillic `а`). A label may use one script, or Latin with the scripts
that are written together with it in Chinese, Japanese and Korean.
"""

from __future__ import annotations

import unicodedata

INVISIBLE_MESSAGE = "The e-mail address contains invisible characters."
MIXED_SCRIPTS_MESSAGE = (
    "The e-mail address mixes writing systems (for example Latin and Cyrillic letters) in "
    "one part, which makes it look like another address."
)

# Format (zero-width space and joiners, bidi controls, soft hyphen), control, separators
# (no address contains a space), private use, surrogates and unassigned code points.
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cs", "Cn", "Zs", "Zl", "Zp"})
# Letters and symbols that draw nothing: Hangul fillers, the half-width Hangul filler,
# the blank Braille pattern, the Khmer inherent vowels, variation selectors.
_BLANK = frozenset(
    {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800", "\u17b4", "\u17b5", "\u180e"}
    | {chr(c) for c in range(0xFE00, 0xFE10)}
    | {chr(c) for c in range(0xE0100, 0xE01F0)}
)

# Scripts, named by the first word of a letter's Unicode name, that may share one label.
_HAN = "CJK"
_COMBINABLE = (
    frozenset({"LATIN", _HAN, "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", _HAN, "BOPOMOFO"}),
    frozenset({"LATIN", _HAN, "HANGUL"}),
)


def normalize_email(email: str) -> str:
    """The one form addresses are stored, compared and counted in (NFKC, lower case)."""
    text = unicodedata.normalize("NFKC", email).strip().lower()
    return unicodedata.normalize("NFKC", text)


def lookalike_problem(email: str) -> str | None:
    """Why `email` (as typed, or normalized) could pass for another address, or None."""
    for text in (email, unicodedata.normalize("NFKC", email)):
        if any(_invisible(char) for char in text.strip()):
            return INVISIBLE_MESSAGE
    local, _, domain = normalize_email(email).rpartition("@")
    for part in (local, *domain.split(".")):
        if _mixes_scripts(part):
            return MIXED_SCRIPTS_MESSAGE
    return None


def _invisible(char: str) -> bool:
    return unicodedata.category(char) in _INVISIBLE_CATEGORIES or char in _BLANK


def _script(char: str) -> str | None:
    """A letter's (or non-ASCII digit's) script; None for what every script shares
    (ASCII digits, punctuation, combining marks)."""
    category = unicodedata.category(char)
    if char.isascii() and not char.isalpha():
        return None
    if category[0] != "L" and category != "Nd":
        return None
    word = unicodedata.name(char, "UNNAMED").split(" ", 1)[0]
    return "KATAKANA" if word == "KATAKANA-HIRAGANA" else word


def _mixes_scripts(part: str) -> bool:
    scripts = {script for char in part if (script := _script(char)) is not None}
    if len(scripts) <= 1:
        return False
    return not any(scripts <= allowed for allowed in _COMBINABLE)
