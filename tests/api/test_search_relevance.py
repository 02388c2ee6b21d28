"""Relevance on the demo catalogue: each way a buyer may write a query finds the listing
they mean near the top. The catalogue is seeded once per database (one test), since
seeding and indexing 66 listings dominates the cost."""

from __future__ import annotations

from marketplace.demo.seed import seed

FINDS_IN_TOP5 = [
    ("玫瑰", "平阴重瓣玫瑰花提取物（水溶）"),
    ("石斛", "铁皮石斛茎提取物（液体）"),
    ("葡萄籽", "宁夏葡萄籽油（精炼，化妆品级）"),
    ("rose", "平阴玫瑰精油"),
    ("grape seed oil", "宁夏葡萄籽油（精炼，化妆品级）"),
    ("meigui", "平阴玫瑰精油"),
    ("mei gui", "平阴玫瑰精油"),
    ("méiguī", "平阴玫瑰精油"),
    ("Rosa Rugosa Flower Extract", "平阴重瓣玫瑰花提取物（水溶）"),
    ("rugosa", "平阴重瓣玫瑰花提取物（水溶）"),
    ("Vitis vinifera", "宁夏葡萄籽油（精炼，化妆品级）"),
    ("hyaluronic acid", "透明质酸钠（化妆品级，中高分子）"),
    ("sodium hyaluronate", "透明质酸钠（高分子，1.2–1.8 MDa）"),
    ("gotu kola", "云南积雪草提取物（总三萜≥80%）"),
    ("centella", "云南积雪草提取物（总三萜≥80%）"),
    ("lavender", "伊犁薰衣草精油（一级）"),
    ("renshen", "长白山人参根提取物（人参皂苷≥20%）"),
    ("甘草酸二钾", "甘草酸二钾（≥98%）"),
    ("niacinamide", "烟酰胺（化妆品级）"),
    ("伊犁薰衣草精油有限公司", "伊犁薰衣草精油（一级）"),  # supplier name
]
CAS_FIRST = [("8007-01-0", "平阴玫瑰精油"), ("68797-35-3", "甘草酸二钾（≥98%）")]


def titles(client, q, **params):
    response = client.get("/api/v1/search/listings", query_string={"q": q, **params})
    assert response.status_code == 200
    return [item["title_zh"] for item in response.json["items"]]


def test_demo_catalogue_relevance(client, runner, subtests):
    seed()
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output

    for query, expected in FINDS_IN_TOP5:
        with subtests.test(query=query):
            top = titles(client, query)[:8]
            assert expected in top[:5], top

    for query in ("玫瑰", "rose", "meigui", "Rosa"):
        with subtests.test(rose_first=query):
            top = titles(client, query)[:5]
            assert len(top) == 5 and all("玫瑰" in title for title in top), top

    for cas, expected in CAS_FIRST:
        with subtests.test(cas=cas):
            assert titles(client, cas)[0] == expected

    with subtests.test("several suppliers, sorted by price"):
        items = client.get("/api/v1/search/listings",
                           query_string={"q": "透明质酸钠", "sort": "price_asc"}).json["items"]
        prices = [float(item["min_unit_price"]) for item in items]
        assert prices == sorted(prices)
        assert len({item["supplier"]["id"] for item in items}) >= 2

    with subtests.test("pending and draft listings are not found"):
        assert "补骨脂酚（≥99%）" not in titles(client, "补骨脂酚")
        assert "桂林金桂净油" not in titles(client, "桂花")
