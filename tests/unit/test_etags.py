import pytest

from marketplace.web.etags import etag, if_match_versions


def test_etag_is_a_quoted_version():
    assert etag(3) == '"3"'


@pytest.mark.parametrize(
    ("header", "versions"),
    [(None, None), ("", None), ("*", None), ('"1", *', None), ('"3"', {3}), ("3", {3}),
     (' "3" , "4"', {3, 4}), ('W/"3"', set()), ("abc", set()), ('"-1"', set()),
     ('"3', set()), ("9" * 40, set())],
)
def test_if_match_versions(header, versions):
    result = if_match_versions(header)
    assert result == (None if versions is None else frozenset(versions))
