"""The base class of every marshmallow schema in the app.

Input text may not contain what a database cannot store, refused at load time with a 422
naming each field, like any other invalid value, on every input schema (JSON bodies, query
strings, headers, import rows):

* NUL characters (`\\u0000`): PostgreSQL cannot store them in text columns (it raises,
  which would be a 500), SQLite would truncate them in places.
* Lone UTF-16 surrogates (U+D800–U+DFFF, which JSON can spell as `"\\ud800"`): they are not
  characters, so no UTF-8 text holds them; the database drivers refuse to encode them, and a
  JSON column would keep the escape and hand back text no response can encode.

No real name, address or description contains either.

Integers are integers: every `fields.Integer` the schema loads refuses a float with a
fraction (`1.9`, which marshmallow would truncate to 1) and a string other than ASCII digits
(`"５"`, `"٣"`, `"1_000"`, which `int()` reads), as `fields.StrictInteger` does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any

import marshmallow
from marshmallow import ValidationError, fields, pre_load, validate

from marketplace.web.fields import loose_integer

NUL_MESSAGE = "Text may not contain NUL characters (\\u0000)."
SURROGATE_MESSAGE = "Text may not contain lone UTF-16 surrogates (\\ud800-\\udfff)."

_SURROGATE = re.compile("[\ud800-\udfff]")
# repr() of decoded JSON shows a NUL as the escape \x00 and every surrogate (none is
# printable) as \udXXX; the screen may also fire on text that merely contains a backslash
# followed by such letters, and then the exact walk decides.
_SUSPECT_REPR = re.compile(r"\\(?:x00|ud[89a-f])")


class Schema(marshmallow.Schema):
    @pre_load(pass_collection=True)
    def _refuse_unstorable_text_and_loose_integers(self, data: Any, *, many: bool,
                                                   **_kwargs: Any) -> Any:
        if type(data) in (dict, list) and not _SUSPECT_REPR.search(repr(data)):
            # Decoded JSON: repr runs in C, while the walk below is Python (it runs at every
            # nesting level).
            errors = None
        else:
            errors = text_errors(data)
        if self._integer_fields:
            if many and isinstance(data, list):
                loose = {index: found for index, item in enumerate(data)
                         if (found := self._loose_integers(item))}
            else:
                loose = self._loose_integers(data)
            if loose:
                errors = _merge(errors, loose)
        if errors:
            raise ValidationError(errors)
        return data

    @cached_property
    def _integer_fields(self) -> tuple[tuple[str, fields.Integer, bool], ...]:
        """(data key, field, whether it is the inner field of a list) of every integer
        field this schema loads."""
        found = []
        for name, field in self.load_fields.items():
            key = field.data_key if field.data_key is not None else name
            if isinstance(field, fields.Integer):
                found.append((key, field, False))
            elif isinstance(field, fields.List) and isinstance(field.inner, fields.Integer):
                found.append((key, field.inner, True))
        return tuple(found)

    def _loose_integers(self, item: Any) -> dict[Any, Any]:
        if not isinstance(item, Mapping):
            return {}
        found: dict[Any, Any] = {}
        for key, field, in_list in self._integer_fields:
            value = item.get(key)
            message = [field.error_messages["invalid"]]
            if not in_list:
                if loose_integer(value):
                    found[key] = message
            elif isinstance(value, list):
                bad = {index: message for index, v in enumerate(value) if loose_integer(v)}
                if bad:
                    found[key] = bad
        return found


def text_errors(value: Any) -> Any:
    """Where `value` holds text with NUL characters or lone surrogates, shaped like
    marshmallow's errors (messages under field names and list indexes); None when there is
    none."""
    if isinstance(value, str):
        return _text_messages(value)
    if isinstance(value, Mapping):
        found = {}
        for key in value:
            problem = (_text_messages(key) if isinstance(key, str) else None) or (
                text_errors(value[key]))
            if problem:
                found[key] = problem
        return found or None
    if isinstance(value, list | tuple):
        found_items = {index: problem for index, item in enumerate(value)
                       if (problem := text_errors(item))}
        return found_items or None
    return None


def _text_messages(text: str) -> list[str] | None:
    messages = []
    if "\x00" in text:
        messages.append(NUL_MESSAGE)
    if _SURROGATE.search(text):
        messages.append(SURROGATE_MESSAGE)
    return messages or None


def _merge(first: Any, second: dict[Any, Any]) -> Any:
    """Two sets of marshmallow errors as one."""
    if not isinstance(first, dict):
        return second if first is None else {"_schema": first, **second}
    merged = dict(first)
    for key, problem in second.items():
        if key not in merged:
            merged[key] = problem
        elif isinstance(merged[key], dict) and isinstance(problem, dict):
            merged[key] = _merge(merged[key], problem)
        elif isinstance(merged[key], list) and isinstance(problem, list):
            merged[key] = merged[key] + problem
    return merged


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def text(max_length: int, *, required: bool = False, **kwargs: Any) -> fields.String:
    checks = [validate.Length(min=1, max=max_length)]
    if required:
        checks.append(not_blank)  # type: ignore[arg-type]
    return fields.String(required=required, validate=checks, **kwargs)
