"""The checks behind issue 12, without an app: strict numbers, text a database cannot store,
the JSON nesting limit and the response encoder."""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from hypothesis import example, given
from hypothesis import strategies as st
from marshmallow import ValidationError, fields

from marketplace.web.fields import MoneyField, StrictInteger, loose_integer
from marketplace.web.json import AppJSONProvider, MalformedJSON, nesting_exceeds, parse_json
from marketplace.web.schema import NUL_MESSAGE, SURROGATE_MESSAGE, Schema, text_errors

# Every Unicode decimal digit that is not ASCII: `int()` and `Decimal()` read them all.
OTHER_DIGITS = [c for c in map(chr, range(0x80, 0x30000))
                if unicodedata.decimal(c, None) is not None]


class Counts(Schema):
    count = fields.Integer(data_key="n", allow_none=True)
    sizes = fields.List(fields.Integer())
    strict = StrictInteger()
    label = fields.String()


# --------------------------------------------------------------------------- integers


@pytest.mark.parametrize("value", [1.9, -0.5, float("inf"), float("nan"), "1.9", "７", "٣",
                                   "1_000", "+1", " 1", "1 ", "0x1", "1e3", "", "-"])
def test_loose_integers(value):
    assert loose_integer(value)
    with pytest.raises(ValidationError, match="Not a valid integer"):
        StrictInteger().deserialize(value)


@pytest.mark.parametrize(("value", "loaded"), [(7, 7), (7.0, 7), ("7", 7), ("-7", -7),
                                               ("007", 7), (10**30, 10**30)])
def test_integers(value, loaded):
    assert not loose_integer(value)
    assert StrictInteger().deserialize(value) == loaded


@given(st.sampled_from(OTHER_DIGITS), st.integers(0, 3))
def test_no_other_digits_anywhere_in_an_integer(digit, position):
    spelled = "123"[:position] + digit + "123"[position:]
    assert int(spelled)  # what plain int() would have accepted
    assert loose_integer(spelled)


def test_the_base_schema_makes_every_integer_strict():
    schema = Counts()
    with pytest.raises(ValidationError) as refused:
        schema.load({"n": 1.5, "sizes": [1, "２", 3.0, 4.25], "strict": "٣", "label": "a\x00"})
    assert refused.value.messages == {
        "n": ["Not a valid integer."], "sizes": {1: ["Not a valid integer."],
                                                 3: ["Not a valid integer."]},
        "strict": ["Not a valid integer."], "label": [NUL_MESSAGE]}
    assert schema.load({"n": "2", "sizes": [1, 2.0], "strict": 3}) == {
        "count": 2, "sizes": [1, 2], "strict": 3}
    assert schema.load({"n": None}) == {"count": None}


def test_many_names_the_item():
    with pytest.raises(ValidationError) as refused:
        Counts(many=True).load([{"n": 1}, {"n": 1.5, "label": "\udc00"}])
    assert refused.value.messages == {1: {"n": ["Not a valid integer."],
                                          "label": [SURROGATE_MESSAGE]}}


# --------------------------------------------------------------------------- decimals


@given(st.sampled_from(OTHER_DIGITS), st.integers(0, 4))
def test_no_other_digits_anywhere_in_a_decimal(digit, position):
    spelled = "12.50"[:position] + digit + "12.50"[position:]
    with pytest.raises(ValidationError, match="Not a valid number"):
        MoneyField().deserialize(spelled)


@pytest.mark.parametrize(("value", "loaded"), [("180", "180.00"), (" 180.5 ", "180.50"),
                                               (180, "180.00"), (180.5, "180.50"),
                                               (Decimal("1.10"), "1.10")])
def test_decimals(value, loaded):
    assert MoneyField().deserialize(value) == Decimal(loaded)


# --------------------------------------------------------------------------- text


@pytest.mark.parametrize("surrogate", ["\ud800", "\udbff", "\udc00", "\udfff"])
def test_every_lone_surrogate_is_found(surrogate):
    assert text_errors({"a": [f"x{surrogate}"]}) == {"a": {0: [SURROGATE_MESSAGE]}}
    with pytest.raises(ValidationError):
        Counts().load({"label": surrogate})


def test_the_repr_screen_never_hides_a_problem():
    # Text that looks like the escapes repr() writes goes through the exact check.
    assert Counts().load({"label": "C:\\ud800\\x00"}) == {"label": "C:\\ud800\\x00"}


@given(st.text(alphabet=st.characters(codec=None)))
def test_text_errors_match_the_characters(value):
    expected = []
    if "\x00" in value:
        expected.append(NUL_MESSAGE)
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        expected.append(SURROGATE_MESSAGE)
    assert text_errors(value) == (expected or None)


# --------------------------------------------------------------------------- JSON in


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet="[]{}\"\\,:ab"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(alphabet="[]{}\"\\ab", max_size=3), inner, max_size=3),
    max_leaves=40)


@given(JSON_VALUES, st.integers(0, 6))
@example("[", 0)
@example({"a": [[]], "b": "]]]["}, 2)
def test_nesting_is_measured_outside_strings(value, limit):
    assert nesting_exceeds(json.dumps(value), limit) == (depth(value) > limit)


@pytest.mark.parametrize("document", ["[" * 10_000 + "]" * 10_000, "9" * 4_301, "-" + "9" * 5_000,
                                      '{"a": ' * 65 + "1" + "}" * 65])
def test_documents_too_deep_or_too_long_are_malformed(document):
    with pytest.raises(MalformedJSON):
        parse_json(document)
    with pytest.raises(ValueError):  # what Flask's Request.get_json turns into a 400
        AppJSONProvider(Flask(__name__)).loads(document)


# --------------------------------------------------------------------------- JSON out


def test_responses_replace_lone_surrogates_and_keep_everything_else():
    provider = AppJSONProvider(Flask(__name__))
    text = provider.dumps({"k\ud800": ["玫瑰 \U0001f339", "a\udfffb", "\x00"]})
    assert text == '{"k\ufffd": ["玫瑰 \U0001f339", "a\ufffdb", "\\u0000"]}'
    text.encode("utf-8")
    assert provider.dumps({"a": "plain"}) == '{"a": "plain"}'
