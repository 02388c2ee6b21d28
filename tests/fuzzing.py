"""How the schemathesis suites load our OpenAPI document."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

# Every input schema refuses text with NUL characters (422 naming the field, see
# marketplace/web/schema.py and tests/api/test_nul_characters.py). The document cannot
# say so field by field, so data the fuzzer generates as valid must not contain them: else
# it reports the 422 as "a schema-valid request rejected".
CONFIG = SchemathesisConfig.from_dict({"generation": {"allow-x00": False}})


def load_openapi(app: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=CONFIG)


# --------------------------------------------------------------------------- hostile input
# Values no client should send and every operation must refuse without a 5xx: text that no
# database can store (lone UTF-16 surrogates, NUL), text that is legal but awkward (bidi
# and zero-width controls, line separators, astral characters, 10 KB and more), JSON nested
# past the parser's limit, integers too long to read, and loosely spelled numbers.

SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
AWKWARD = st.sampled_from([
    "\x00", "\u202e", "\u202d", "\u202a", "\u2066", "\u2067", "\u2068", "\u2069", "\u200e",
    "\u200f", "\u061c", "\u200b", "\u200d", "\ufeff", "\u2028", "\u2029", "\x85", "\x1b",
    "\x7f", "\r\n", "\t", "\U0001f339", "\U0002070e", "\U0010ffff", "\ufffd", "e\u0301",
    "%s", "'", '"', "\\", "<script>", "'; --", "../", "${x}", "\ud83c\udf39",
])
LONG = 10 * 1024


@dataclass(frozen=True)
class RawJSON:
    """A value sent as this JSON text as-is (what `json.dumps` cannot or will not write)."""

    text: str


def _hostile_strings() -> st.SearchStrategy[str]:
    piece = st.one_of(SURROGATES, AWKWARD, st.text(max_size=6))
    mixed = st.lists(piece, min_size=1, max_size=6).map("".join)
    long = st.sampled_from(["a", "界", "\u202e", "\U0001f339"]).map(lambda c: c * LONG)
    long_and_lone = st.tuples(long, SURROGATES).map(lambda p: p[0][:LONG // 2] + p[1] + p[0])
    return st.one_of(mixed, long, long_and_lone)


def _hostile_values() -> st.SearchStrategy[Any]:
    deep = st.sampled_from([65, 1_000, 50_000]).flatmap(lambda n: st.sampled_from([
        RawJSON("[" * n + "]" * n), RawJSON('{"a":' * n + "1" + "}" * n)]))
    numbers = st.sampled_from([
        RawJSON("9" * 4_301), RawJSON("-" + "1" * 10_000), RawJSON("1e999999"), RawJSON("NaN"),
        RawJSON("-Infinity"), 1.9, -0.0, 1e308, 2**63, -(2**63) - 1, True,
        "５", "٣", "1_000", "1e3", "+5", ".5", " 7", "0x10"])
    return st.one_of(deep, numbers, st.sampled_from([None, [], {}, [None], {"": ""}]))


HOSTILE_STRINGS = _hostile_strings()
# What may replace any value of a body: JSON nested too deep, numbers too long or loosely
# spelled, and the wrong types.
HOSTILE_VALUES = _hostile_values()
_ONE_IN = {n: st.integers(0, n - 1) for n in (2, 8, 10)}


def mutate(data: st.DataObject, value: Any) -> Any:
    """`value` (a JSON body) with hostile strings and values drawn into it: each string
    replaced by a hostile string or kept, any value possibly replaced by a hostile value,
    objects possibly given a key that is itself hostile."""
    if data.draw(_ONE_IN[10]) == 0:
        return data.draw(HOSTILE_VALUES)
    if isinstance(value, str):
        return data.draw(HOSTILE_STRINGS) if data.draw(_ONE_IN[2]) == 0 else value
    if isinstance(value, list):
        return [mutate(data, item) for item in value]
    if isinstance(value, dict):
        mutated = {key: mutate(data, item) for key, item in value.items()}
        if data.draw(_ONE_IN[8]) == 0:
            mutated[data.draw(HOSTILE_STRINGS)] = data.draw(HOSTILE_STRINGS)
        return mutated
    return value


def unstorable(value: Any) -> bool:
    """Whether a body holds text that input validation must refuse (NUL, lone surrogate)."""
    if isinstance(value, str):
        # As the server reads it: an escaped high surrogate followed by an escaped low one
        # (`"\\ud83c\\udf39"`) is one character, 🌹.
        value = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        return "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(unstorable(k) or unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(unstorable(item) for item in value)
    return False


def encode_json(value: Any) -> bytes:
    """`value` as a request body: `json.dumps` (surrogates as `\\udXXX` escapes, like any
    client) with each RawJSON spliced in as its text."""
    raw: list[str] = []

    def placeholders(item: Any) -> Any:
        if isinstance(item, RawJSON):
            raw.append(item.text)
            return f"\x00raw{len(raw) - 1}\x00"
        if isinstance(item, dict):
            return {k: placeholders(v) for k, v in item.items()}
        if isinstance(item, list):
            return [placeholders(v) for v in item]
        return item

    text = json.dumps(placeholders(value))
    for index, chunk in enumerate(raw):
        text = text.replace(f'"\\u0000raw{index}\\u0000"', chunk, 1)
    return text.encode("utf-8")
