"""The base class of every marshmallow schema in the app.

Input text may not contain NUL characters (`\\u0000`): PostgreSQL cannot store them in
text columns (it raises, which would be a 500), SQLite would truncate them in places, and no
real name, address or description contains one. They are refused at load time with a 422
naming each field, like any other invalid value, on every input schema (JSON bodies, query
strings, headers, import rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow
from marshmallow import ValidationError, fields, pre_load, validate

NUL_MESSAGE = "Text may not contain NUL characters (\\u0000)."


class Schema(marshmallow.Schema):
    @pre_load(pass_collection=True)
    def _refuse_nul_characters(self, data: Any, **_kwargs: Any) -> Any:
        if type(data) in (dict, list) and "\\x00" not in repr(data):
            # Decoded JSON: repr shows every NUL of every string as the escape \x00, and
            # runs in C, while the walk below is Python (it runs at every nesting level).
            return data
        errors = nul_errors(data)
        if errors:
            raise ValidationError(errors)
        return data


def nul_errors(value: Any) -> Any:
    """Where `value` holds text with NUL characters, shaped like marshmallow's errors
    (messages under field names and list indexes); None when there is none."""
    if isinstance(value, str):
        return [NUL_MESSAGE] if "\x00" in value else None
    if isinstance(value, Mapping):
        found = {}
        for key in value:
            problem = [NUL_MESSAGE] if isinstance(key, str) and "\x00" in key else (
                nul_errors(value[key]))
            if problem:
                found[key] = problem
        return found or None
    if isinstance(value, list | tuple):
        found_items = {index: problem for index, item in enumerate(value)
                       if (problem := nul_errors(item))}
        return found_items or None
    return None

def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


def text(max_length: int, *, required: bool = False, **kwargs: Any) -> fields.String:
    checks = [validate.Length(min=1, max=max_length)]
    if required:
        checks.append(not_blank)  # type: ignore[arg-type]
    return fields.String(required=required, validate=checks, **kwargs)
