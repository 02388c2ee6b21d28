"""Entity tags for versioned objects: `ETag: "<version>"` out, `If-Match` in.

Only strong comparison is meaningful for `If-Match` (RFC 9110 §13.1.1): a weak tag
(`W/"3"`) never matches. Clients that drop the quotes (`If-Match: 3`) are accepted too.
"""

from __future__ import annotations

ETAG_HEADER_DOC = {
    "ETag": {
        "description": 'The listing\'s version as a strong entity tag, e.g. `"3"`; send it '
        "back in `If-Match` to make an update conditional.",
        "schema": {"type": "string"},
    }
}


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_versions(header: str | None) -> frozenset[int] | None:
    """The versions an `If-Match` header accepts; None when any version will do.

    None for a missing header or `*`. A header whose tags are all unusable gives an empty
    set, which matches nothing (412), as RFC 9110 requires for a tag that does not match.
    """
    if header is None or not header.strip():
        return None
    versions: set[int] = set()
    for raw in header.split(","):
        tag = raw.strip()
        if tag == "*":
            return None
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tag = tag[1:-1]
        if tag.isascii() and tag.isdigit() and len(tag) <= 18:
            versions.add(int(tag))
    return frozenset(versions)
