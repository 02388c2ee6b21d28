"""Password strength: common and trivially guessable passwords are refused.

Strength is estimated by zxcvbn (Dropbox's estimator, maintained as the `zxcvbn` package):
it knows the common-password lists, dictionary words and names, keyboard walks, repeats,
sequences, dates and l33t substitutions, and scores a password 0–4 by how many guesses it
takes. A password needs score 3 or more (about 10^8 guesses: out of reach of online
guessing, which logins also throttle). The user's own e-mail, name and organization are
treated as words an attacker knows, and so are the site's name and a few of the most
common Chinese password words that zxcvbn's English lists lack.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from zxcvbn import zxcvbn

MIN_SCORE = 3
# zxcvbn's time grows quickly with length; a longer password is judged by this much of it.
_CHECKED_LENGTH = 64
_SITE_WORDS = (
    "meigu", "meiguyuanliao", "yuanliao", "marketplace",
    # Frequent in Chinese password leaks, spelled in pinyin or digits.
    "woaini", "5201314", "1314520", "woaini1314", "wodemima", "mima", "zhongguo", "aini",
    "iloveyou", "qq123456", "dearbook", "xiazhili", "caonima",
)
_WORD = re.compile(r"[^\W_]{3,}")


def weak_password_problem(password: str, *, user_inputs: Iterable[str] = ()) -> str | None:
    """Why `password` is too easy to guess (a sentence for the 422), or None if it is not."""
    words: list[str] = list(_SITE_WORDS)
    for value in user_inputs:
        if value:
            lowered = value.lower()
            words.append(lowered)
            words.extend(lowered.split("@"))  # an e-mail's local part and domain
            words.extend(re.split(r"[@.]", lowered))  # and the domain's labels
            words.extend(_WORD.findall(lowered))
    result = zxcvbn(password[:_CHECKED_LENGTH], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    parts = ["This password is too easy to guess."]
    if feedback.get("warning"):
        parts.append(str(feedback["warning"]))
    parts.extend(str(hint) for hint in feedback.get("suggestions", ()))
    return " ".join(parts)
