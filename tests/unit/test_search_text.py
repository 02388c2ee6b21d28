from __future__ import annotations

from pathlib import Path

import pytest

from search.highlight import highlight
from search.normalize import normalize
from search.synonym_data import parse_groups
from search.synonyms import SynonymTable, default_table
from search.terms import AllOf, AnyOf, Phrase, Term, parse_query
from search.text import (
    analyze,
    pinyin_full,
    pinyin_initials,
    pinyin_variant,
    runs,
    segment,
    split_pinyin,
)

# --- normalisation and segmentation -----------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Rosa Rugosa", "rosa rugosa"),
        ("ＲＯＳＥ　Ｗａｔｅｒ", "rose water"),  # full-width letters and space
        ("８４６９６－４７－９", "84696-47-9"),
        ("Méiguī", "meigui"),
        ("玫瑰（平阴）", "玫瑰(平阴)"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize(raw: str | None, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_pinyin_keeps_u_umlaut_as_v() -> None:
    assert normalize("lǜchá", pinyin=True) == "lvcha"
    assert normalize("lǜchá") == "lucha"


def test_runs_split_chinese_from_the_rest() -> None:
    assert runs("rose玫瑰 oil") == [(False, "rose"), (True, "玫瑰"), (False, " oil")]


def test_segment_fine_and_coarse() -> None:
    fine = segment("平阴玫瑰花提取物")
    assert {"平阴", "玫瑰", "提取物"} <= set(fine)
    coarse = segment("平阴玫瑰花提取物", fine=False)
    assert "".join(coarse) == "平阴玫瑰花提取物"
    assert segment("Vitis vinifera (Grape) seed-oil") == [
        "Vitis", "vinifera", "Grape", "seed", "oil"]
    assert analyze("Vitis Vinifera") == ["vitis", "vinifera"]


def test_synonym_terms_are_jieba_words() -> None:
    # 透明质酸钠 is in the synonym table, so jieba keeps it whole.
    assert "透明质酸钠" in segment("低分子透明质酸钠", fine=False)


# --- pinyin -------------------------------------------------------------------------------


def test_pinyin_of_words() -> None:
    assert pinyin_full("玫瑰") == "meigui"
    assert pinyin_initials("玫瑰") == "mg"
    assert pinyin_full("人参") == "renshen"  # heteronym resolved by phrase
    assert pinyin_full("绿茶") == "lvcha"


@pytest.mark.parametrize(
    ("text", "syllables"),
    [
        ("meigui", ("mei", "gui")),
        ("shihu", ("shi", "hu")),
        ("putaozi", ("pu", "tao", "zi")),
        ("lvcha", ("lv", "cha")),
        ("rose", None),
        ("extract", None),
        ("mg", None),
        ("", None),
    ],
)
def test_split_pinyin(text: str, syllables: tuple[str, ...] | None) -> None:
    assert split_pinyin(text) == syllables


@pytest.mark.parametrize(
    ("token", "reading"),
    [("meigui", "meigui"), ("mei2gui1", "meigui"), ("shi2hu2", "shihu"), ("rose", None),
     ("b3", None), ("84696", None)],
)
def test_pinyin_variant(token: str, reading: str | None) -> None:
    assert pinyin_variant(token) == reading


# --- synonyms -----------------------------------------------------------------------------


def test_parse_groups_skips_comments_blanks_and_singletons() -> None:
    lines = [
        "# a comment",
        "",
        "Rose, 玫瑰 , rosa  rugosa  # trailing comment",
        "alone",
        "grape seed, 葡萄籽, grape seed",
    ]
    assert parse_groups(lines) == [("rose", "玫瑰", "rosa rugosa"), ("grape seed", "葡萄籽")]


def test_table_from_file_finds_phrases_longest_first(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("grape seed, 葡萄籽\ngrape seed oil, 葡萄籽油\ngrape, 葡萄\n", "utf-8")
    table = SynonymTable.from_file(path)
    assert len(table) == 3
    matches = table.find(["cold", "grape", "seed", "oil"])
    assert [(m.start, m.end) for m in matches] == [(1, 4)]
    assert matches[0].terms == ("grape seed oil", "葡萄籽油")
    assert table.lookup("Grape") == ("grape", "葡萄")
    assert SynonymTable.from_file(tmp_path / "missing.txt").groups == []


def test_a_term_in_two_groups_expands_to_both(tmp_path: Path) -> None:
    table = SynonymTable([("tea", "茶"), ("tea", "camellia sinensis")])
    assert set(table.lookup("tea")) == {"tea", "茶", "camellia sinensis"}
    assert table.lookup("茶") == ("tea", "茶")


def test_default_table_has_the_cross_language_groups() -> None:
    table = default_table()
    assert {"rose", "玫瑰"} <= set(table.lookup("rosa"))
    assert {"葡萄籽", "vitis vinifera"} <= set(table.lookup("grape seed"))
    assert {"centella", "gotu kola"} <= set(table.lookup("积雪草"))
    assert {"透明质酸钠", "sodium hyaluronate"} <= set(table.lookup("hyaluronic acid"))


def test_expand_text_finds_terms_inside_long_words() -> None:
    expanded = default_table().expand_text("平阴玫瑰花提取物")
    assert "rose" in expanded and "extract" in expanded


# --- query parsing --------------------------------------------------------------------------


def test_parse_empty_and_punctuation_browse() -> None:
    assert parse_query("").root is None
    assert parse_query(" ，。!! ").root is None


def test_parse_cas_number_goes_to_codes() -> None:
    parsed = parse_query("84696-47-9")
    assert parsed.root == Term("84696479", fields=("codes",))
    assert parsed.codes == ("84696479",)
    assert parse_query("cas 8007-01-0 rose").codes == ("8007010",)


def test_parse_spaced_pinyin_can_match_joined() -> None:
    root = parse_query("mei gui", expand=False).root
    assert isinstance(root, AnyOf)
    assert Term("meigui", prefix=True, fields=("pinyin",)) in root.children
    assert isinstance(root.children[0], AllOf)


def test_parse_tones_and_tone_numbers() -> None:
    for text in ("méiguī", "mei2gui1"):
        root = parse_query(text, expand=False).root
        assert isinstance(root, AnyOf)
        assert Term("meigui", prefix=True, fields=("pinyin",)) in root.children


def test_parse_synonyms_in_tree_or_for_highlight_only() -> None:
    expanded = parse_query("grape seed")
    assert isinstance(expanded.root, AnyOf)
    assert Term("葡萄籽") in expanded.root.children
    assert Phrase(("vitis", "vinifera")) in expanded.root.children
    typed = parse_query("grape seed", synonyms_in_tree=False)
    assert typed.root == AllOf((Term("grape"), Term("seed")))
    assert ("葡萄籽", False) in typed.expanded


def test_parse_drops_stopwords_and_keeps_plurals() -> None:
    root = parse_query("the seeds", expand=False).root
    assert root == AnyOf((Term("seeds"), Term("seed")))
    assert parse_query("玫瑰的精油", expand=False).root == AllOf((Term("玫瑰"), Term("精油")))


def test_parse_prefix_for_suggestions() -> None:
    assert parse_query("gra", prefix_last=True, expand=False).root == Term("gra", prefix=True)
    assert parse_query("玫", prefix_last=True, expand=False).root == Term("玫", prefix=True)


# --- highlight ------------------------------------------------------------------------------


def _doc(**fields: object) -> dict[str, object]:
    return {"title_zh": "玫瑰纯露", "title_en": "Rose Flower Water", "supplier": {}, **fields}


def test_highlight_prefers_the_field_with_what_was_typed() -> None:
    assert highlight(_doc(), parse_query("rose")) == {"title_en": "<em>Rose</em> Flower Water"}
    assert highlight(_doc(), parse_query("玫瑰")) == {"title_zh": "<em>玫瑰</em>纯露"}
    assert highlight(_doc(title_en=None), parse_query("rose")) == {
        "title_zh": "<em>玫瑰</em>纯露"}  # through the synonym


def test_highlight_pinyin_and_initials_mark_the_chinese_word() -> None:
    assert highlight(_doc(), parse_query("meigui")) == {"title_zh": "<em>玫瑰</em>纯露"}
    assert highlight(_doc(), parse_query("mg")) == {"title_zh": "<em>玫瑰</em>纯露"}


def test_highlight_escapes_html_and_keeps_original_text() -> None:
    doc = _doc(title_zh="X", title_en="<b>ＲＯＳＥ</b> & Co")
    assert highlight(doc, parse_query("rose")) == {
        "title_en": "&lt;b&gt;<em>ＲＯＳＥ</em>&lt;/b&gt; &amp; Co"}


def test_highlight_cuts_long_descriptions() -> None:
    description = "甲" * 200 + "石斛" + "乙" * 200
    marks = highlight(_doc(description=description), parse_query("石斛"))
    snippet = marks["description"]
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<em>石斛</em>" in snippet and len(snippet) < 140


def test_highlight_nothing_visible() -> None:
    assert highlight(_doc(), parse_query("")) == {}
    assert highlight(_doc(), parse_query("lavender")) == {}
