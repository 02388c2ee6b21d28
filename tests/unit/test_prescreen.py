import io

import pytest

from marketplace.catalog.prescreen import (
    banned_matches,
    banned_substances,
    normalize_inci,
    parse_banned_substances,
)

CSV = """\ufeffinci_name,cas_number,name_zh,restriction,source
Hydroquinone,123-31-9,氢醌,禁用,规范 表1
Mercury,7439-97-6,汞,禁用,规范 表1
Lead,7439-92-1,铅,禁用,规范 表1
Chromium,7440-47-3 / 18540-29-9,铬,禁用,规范 表1
,,,,
"""


@pytest.fixture
def substances():
    return parse_banned_substances(io.StringIO(CSV.lstrip("\ufeff")))


def names(matches):
    return [m.inci_name for m in matches]


def test_parse_reads_every_row_and_several_cas_numbers(substances):
    assert names(substances) == ["Hydroquinone", "Mercury", "Lead", "Chromium"]
    assert substances[0].name_zh == "氢醌"
    assert substances[3].cas_numbers == ("7440-47-3", "18540-29-9")


def test_normalize_inci():
    assert normalize_inci("  Rosa   RUGOSA\tFlower Extract ") == "rosa rugosa flower extract"


@pytest.mark.parametrize(
    ("inci", "cas", "expected"),
    [
        ("Hydroquinone", None, ["Hydroquinone"]),
        ("  hydroQUINONE  ", None, ["Hydroquinone"]),
        ("Hydroquinone Dimethyl Ether", None, ["Hydroquinone"]),  # substring, name ≥ 6 chars
        ("Something", "7439-97-6", ["Mercury"]),
        ("Something", "18540-29-9", ["Chromium"]),
        ("Lead", None, ["Lead"]),  # short names match exactly...
        ("Mead Extract", None, []),
        ("Lead Acetate", None, []),  # ...but never as a substring
        ("Rosa Rugosa Flower Extract", "84696-47-9", []),
        ("Mercury", "123-31-9", ["Hydroquinone", "Mercury"]),
    ],
)
def test_banned_matches(substances, inci, cas, expected):
    assert names(banned_matches(inci, cas, substances)) == expected


def test_packaged_list_has_the_well_known_prohibited_substances():
    packaged = banned_substances()
    assert banned_substances() is packaged  # read once
    for inci, cas in [("Hydroquinone", "123-31-9"), ("Mercury", "7439-97-6"),
                      ("Methylene Chloride", "75-09-2")]:
        assert banned_matches(inci, None, packaged), inci
        assert banned_matches("unrelated name", cas, packaged), cas
