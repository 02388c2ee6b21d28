"""E-mail addresses that look alike are one account: normalized (NFKC, case) before the
uniqueness check and at login; invisible characters and mixed scripts are refused."""

from __future__ import annotations

import pytest

from marketplace.accounts.emails import lookalike_problem, normalize_email

EMAIL = "li.xiuying@pingyin-rose.example"
PASSWORD = "rose-petals-harvest-26"


def register(client, email):
    return client.post("/api/v1/auth/register", json={
        "email": email, "password": PASSWORD, "display_name": "李秀英",
        "organization": {"name": "平阴玫瑰合作社", "kind": "supplier"},
    })


@pytest.mark.parametrize("twin", [
    "ＬＩ.ＸＩＵＹＩＮＧ@ＰＩＮＧＹＩＮ-ＲＯＳＥ.ＥＸＡＭＰＬＥ",  # full-width letters
    "ｌｉ．ｘｉｕｙｉｎｇ＠ｐｉｎｇｙｉｎ－ｒｏｓｅ．ｅｘａｍｐｌｅ",  # full-width punctuation too
    "𝐥𝐢.xiuying@pingyin-rose.example",  # mathematical bold
    " Li.Xiuying@Pingyin-Rose.Example ",
])
def test_a_look_alike_of_an_existing_address_is_a_duplicate(client, twin):
    assert register(client, EMAIL).status_code == 201
    response = register(client, twin)
    assert response.status_code == 409, response.json


def test_a_full_width_address_is_stored_plain(client):
    response = register(client, "ｌｉ.xiuying@pingyin-rose.example")
    assert response.status_code == 201
    assert response.json["user"]["email"] == EMAIL


@pytest.mark.parametrize("email", [
    "li.xiu\u200bying@pingyin-rose.example",  # zero-width space
    "li.xiu\u200cying@pingyin-rose.example",  # zero-width non-joiner
    "li.xiu\u200dying@pingyin-rose.example",  # zero-width joiner
    "li.xiu\u2060ying@pingyin-rose.example",  # word joiner
    "li.xiu\ufeffying@pingyin-rose.example",  # byte-order mark
    "li.xiu\u00adying@pingyin-rose.example",  # soft hyphen
    "li.xiuying@pingyin\u200b-rose.example",
    "li.xiu\u3164ying@pingyin-rose.example",  # Hangul filler, a blank "letter"
    "li.xiu\u202eying@pingyin-rose.example",  # right-to-left override
    "li.xiuying\ufe0f@pingyin-rose.example",  # variation selector
])
def test_invisible_characters_are_refused(client, email):
    response = register(client, email)
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["email"]


@pytest.mark.parametrize("email", [
    "li.xiuyіng@pingyin-rose.example",  # Cyrillic і in the local part
    "li.xiuying@pingyin-rоse.example",  # Cyrillic о in the domain
    "li.xiuying@pingyin-rose.εxample",  # Greek ε in the top-level label
    "аpple.li@pingyin-rose.example",  # Cyrillic а among Latin letters
])
def test_mixed_scripts_are_refused(client, email):
    response = register(client, email)
    assert response.status_code == 422
    assert list(response.json["errors"]["json"]) == ["email"]
    assert "writing systems" in response.json["errors"]["json"]["email"][0]


@pytest.mark.parametrize("email", [
    "李秀英@例子.中国",  # Chinese throughout
    "xiuying李@玫瑰.example",  # Latin with Han in one label, as Chinese is written
    "иван@пример.рф",  # Cyrillic throughout
])
def test_single_script_and_cjk_addresses_register(client, email):
    assert register(client, email).status_code == 201


def test_login_normalizes_the_same_way(client):
    assert register(client, EMAIL).status_code == 201
    for typed in ("ＬＩ.ＸＩＵＹＩＮＧ@pingyin-rose.example", " LI.xiuying@PINGYIN-rose.example"):
        response = client.post("/api/v1/auth/tokens", json={"email": typed, "password": PASSWORD})
        assert response.status_code == 201


def test_normal_form():
    assert normalize_email(" ＬＩ@Ｅxample.COM ") == "li@example.com"
    assert normalize_email("Straße@Example.com") == "straße@example.com"
    assert normalize_email(normalize_email("İ@x.com")) == normalize_email("İ@x.com")


@pytest.mark.parametrize(("email", "ok"), [
    ("li@example.com", True),
    ("li+orders@example.com", True),
    ("ｌｉ@example.com", True),  # the normal form is plain
    ("li\u200b@example.com", False),
    ("pаypal@example.com", False),
    ("καλημέρα@παράδειγμα.ελ", True),
    ("カタカナ漢字ひらがなabc@example.jp", True),
    ("한국어abc@example.kr", True),
    ("한국어カタカナ@example.kr", False),
])
def test_lookalike_problem(email, ok):
    assert (lookalike_problem(email) is None) is ok
