"""Fill a fresh database with N realistic published listings (default 100,000), fast.

    .venv/bin/python -m bench.generate_listings     # → bench/data/listings-100000.sqlite3
    .venv/bin/python -m bench.generate_listings --listings 20000 --out /tmp/l.sqlite3
    .venv/bin/python -m bench.generate_listings \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_search   # wiped!

The database is created with the real Alembic migrations (`create_app` + `upgrade()`; a
PostgreSQL database is downgraded to base first, i.e. wiped). Rows go in with SQLAlchemy
bulk INSERTs (`insert(Model)` with lists of dicts; Money/Quantity columns get `Decimal`s
and their TypeDecorators scale them), not through the listing services: no outbox rows,
no moderation, every listing `published`. The same N and seed always give the same rows.

The data: ~115 real ingredient bases (Chinese stem, English name, INCI, botanical name,
CAS/EC numbers where real — each one passes its check digit — typical origins, ex-works
price level), each offered in category-specific variants (grades, purities, forms), from
~27 Chinese provinces (plus a few foreign origins for imported materials), by ~2,000
suppliers (about 1 in 8 not verified) whose sizes follow a long tail, with category
skew (plant extracts ≈ a third), 1–4 price tiers, certifications, specifications,
stock (some out of stock), samples, and publication dates over three years.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

SEED = 20_260_114
DEFAULT_LISTINGS = 100_000
DEFAULT_SUPPLIERS = 2_000
BATCH = 5_000
NOW = datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
_ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


@dataclass(frozen=True)
class Base:
    zh: str
    en: str
    inci: str
    cas: str | None
    ec: str | None
    category: str
    botanical: str | None
    part: str | None
    method: str  # key of METHODS
    form: str
    origins: tuple[str, ...]  # Chinese provinces (keys of PROVINCES)
    price: int  # CNY per kg, ex works, typical
    iecic: str | None = None
    weight: float = 1.0
    foreign: tuple[tuple[str, str, str], ...] = ()  # (country, region, city)


METHODS: dict[str, tuple[str, str]] = {
    "water": ("水提", "water extraction"),
    "water_glycerin": ("水/甘油低温浸提", "water-glycerin extraction"),
    "ethanol": ("乙醇提取", "ethanol extraction"),
    "co2": ("超临界CO₂萃取", "supercritical CO2 extraction"),
    "steam": ("水蒸气蒸馏", "steam distillation"),
    "cold_pressed": ("冷榨", "cold pressed"),
    "refined": ("精炼", "refined"),
    "fermentation": ("生物发酵", "fermentation"),
    "synthesis": ("化学合成", "synthesis"),
    "enzymatic": ("酶法合成", "enzymatic synthesis"),
    "solvent": ("溶剂萃取", "solvent extraction"),
    "hydrogenation": ("加氢精制", "hydrogenation"),
    "milling": ("研磨", "milling"),
    "mineral": ("矿物提纯", "mineral purification"),
}

# Province → (English, ((city, region code), ...)). Region codes are the real ones
# (prefecture level), used in suppliers' USCCs.
PROVINCES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "山东": ("Shandong", (("济南", "370100"), ("青岛", "370200"), ("潍坊", "370700"),
                         ("菏泽", "371700"))),
    "安徽": ("Anhui", (("六安", "341500"), ("亳州", "341600"), ("黄山", "341000"))),
    "宁夏": ("Ningxia", (("银川", "640100"), ("中卫", "640500"))),
    "云南": ("Yunnan", (("昆明", "530100"), ("文山", "532600"), ("保山", "530500"),
                       ("西双版纳", "532800"))),
    "新疆": ("Xinjiang", (("伊犁", "654000"), ("塔城", "654200"), ("喀什", "653100"),
                         ("和田", "653200"))),
    "浙江": ("Zhejiang", (("杭州", "330100"), ("宁波", "330200"), ("绍兴", "330600"),
                         ("湖州", "330500"))),
    "吉林": ("Jilin", (("白山", "220600"), ("通化", "220500"), ("延边", "222400"))),
    "甘肃": ("Gansu", (("酒泉", "620900"), ("兰州", "620100"), ("定西", "621100"),
                      ("陇南", "621200"))),
    "广西": ("Guangxi", (("桂林", "450300"), ("玉林", "450900"), ("百色", "451000"),
                        ("南宁", "450100"))),
    "江西": ("Jiangxi", (("赣州", "360700"), ("宜春", "360900"))),
    "广东": ("Guangdong", (("广州", "440100"), ("佛山", "440600"), ("中山", "442000"),
                          ("深圳", "440300"))),
    "江苏": ("Jiangsu", (("苏州", "320500"), ("南通", "320600"), ("无锡", "320200"),
                        ("连云港", "320700"))),
    "湖北": ("Hubei", (("恩施", "422800"), ("武汉", "420100"))),
    "湖南": ("Hunan", (("长沙", "430100"), ("邵阳", "430500"))),
    "四川": ("Sichuan", (("成都", "510100"), ("雅安", "511800"), ("攀枝花", "510400"))),
    "贵州": ("Guizhou", (("贵阳", "520100"), ("黔东南", "522600"))),
    "河南": ("Henan", (("南阳", "411300"), ("焦作", "410800"))),
    "河北": ("Hebei", (("保定", "130600"), ("石家庄", "130100"))),
    "内蒙古": ("Inner Mongolia", (("呼和浩特", "150100"), ("鄂尔多斯", "150600"))),
    "黑龙江": ("Heilongjiang", (("哈尔滨", "230100"), ("伊春", "230700"))),
    "辽宁": ("Liaoning", (("大连", "210200"), ("沈阳", "210100"))),
    "陕西": ("Shaanxi", (("西安", "610100"), ("汉中", "610700"))),
    "山西": ("Shanxi", (("太原", "140100"), ("运城", "140800"))),
    "福建": ("Fujian", (("厦门", "350200"), ("漳州", "350600"))),
    "海南": ("Hainan", (("海口", "460100"), ("三亚", "460200"))),
    "上海": ("Shanghai", (("上海", "310100"),)),
    "青海": ("Qinghai", (("西宁", "630100"),)),
    "重庆": ("Chongqing", (("重庆", "500100"),)),
}
# Where suppliers sit: the chemical and cosmetics hubs weigh more.
SUPPLIER_PROVINCE_WEIGHTS = {
    "广东": 14, "江苏": 13, "浙江": 12, "山东": 11, "上海": 7, "云南": 5, "安徽": 4,
    "湖北": 3, "四川": 3, "广西": 3, "新疆": 3, "甘肃": 2, "宁夏": 2, "吉林": 2, "江西": 2,
    "河北": 2, "河南": 2, "湖南": 2, "陕西": 2, "福建": 2, "贵州": 1, "内蒙古": 1,
    "黑龙江": 1, "辽宁": 1, "山西": 1, "海南": 1, "青海": 1, "重庆": 1,
}

_F = "plant_extract"
BASES: tuple[Base, ...] = (
    # --- plant extracts
    Base("玫瑰花提取物", "Rose Flower Extract", "Rosa Rugosa Flower Extract", None, None, _F,
         "Rosa rugosa Thunb.", "flower", "water_glycerin", "liquid", ("山东", "甘肃"), 180,
         "玫瑰（ROSA RUGOSA）花提取物", 2.0),
    Base("积雪草提取物", "Centella Asiatica Extract", "Centella Asiatica Extract", "84696-21-9",
         None, _F, "Centella asiatica (L.) Urb.", "whole plant", "ethanol", "powder",
         ("广西", "云南", "海南"), 1500, "积雪草（CENTELLA ASIATICA）提取物", 3.0),
    Base("人参根提取物", "Ginseng Root Extract", "Panax Ginseng Root Extract", "84650-12-4",
         None, _F, "Panax ginseng C.A.Mey.", "root", "water", "liquid",
         ("吉林", "黑龙江", "辽宁"), 420, "人参（PANAX GINSENG）根提取物", 2.0),
    Base("甘草根提取物", "Licorice Root Extract",
         "Glycyrrhiza Uralensis (Licorice) Root Extract", "97676-23-8", None, _F,
         "Glycyrrhiza uralensis Fisch.", "root", "ethanol", "powder",
         ("甘肃", "新疆", "内蒙古", "宁夏"), 560,
         "乌拉尔甘草（GLYCYRRHIZA URALENSIS）根提取物", 2.0),
    Base("铁皮石斛茎提取物", "Dendrobium Officinale Stem Extract",
         "Dendrobium Officinale Stem Extract", None, None, _F,
         "Dendrobium officinale Kimura & Migo", "stem", "water", "liquid",
         ("云南", "浙江", "安徽", "贵州"), 1800, None, 1.5),
    Base("霍山石斛提取物", "Huoshan Dendrobium Extract", "Dendrobium Huoshanense Extract", None,
         None, _F, "Dendrobium huoshanense C.Z.Tang & S.J.Cheng", "stem", "water", "powder",
         ("安徽",), 2600, None, 0.6),
    Base("绿茶提取物", "Green Tea Extract", "Camellia Sinensis Leaf Extract", "84650-60-2",
         "283-519-7", _F, "Camellia sinensis (L.) Kuntze", "leaf", "water", "powder",
         ("安徽", "浙江", "福建", "云南", "四川"), 260, "茶（CAMELLIA SINENSIS）叶提取物", 2.0),
    Base("葡萄籽提取物", "Grape Seed Extract", "Vitis Vinifera (Grape) Seed Extract",
         "84929-27-1", "284-511-6", _F, "Vitis vinifera L.", "seed", "ethanol", "powder",
         ("宁夏", "新疆", "河北"), 390, "葡萄（VITIS VINIFERA）籽提取物", 1.5),
    Base("枸杞果提取物", "Goji Berry Extract", "Lycium Barbarum Fruit Extract", None, None, _F,
         "Lycium barbarum L.", "fruit", "water", "powder", ("宁夏", "青海"), 300,
         "宁夏枸杞（LYCIUM BARBARUM）果提取物", 1.0),
    Base("马齿苋提取物", "Purslane Extract", "Portulaca Oleracea Extract", "90083-07-1", None,
         _F, "Portulaca oleracea L.", "aerial parts", "water", "liquid",
         ("河南", "山东", "河北"), 160, "马齿苋（PORTULACA OLERACEA）提取物", 1.5),
    Base("三七根提取物", "Notoginseng Root Extract", "Panax Notoginseng Root Extract", None,
         None, _F, "Panax notoginseng (Burkill) F.H.Chen", "root", "ethanol", "powder",
         ("云南",), 900, "三七（PANAX NOTOGINSENG）根提取物", 0.8),
    Base("白芍根提取物", "White Peony Root Extract", "Paeonia Lactiflora Root Extract", None,
         None, _F, "Paeonia lactiflora Pall.", "root", "ethanol", "powder",
         ("安徽", "浙江", "四川"), 340, "芍药（PAEONIA LACTIFLORA）根提取物", 0.8),
    Base("银杏叶提取物", "Ginkgo Leaf Extract", "Ginkgo Biloba Leaf Extract", "90045-36-6",
         None, _F, "Ginkgo biloba L.", "leaf", "ethanol", "powder", ("江苏", "山东", "湖北"),
         480, "银杏（GINKGO BILOBA）叶提取物", 1.0),
    Base("母菊花提取物", "Chamomile Flower Extract",
         "Chamomilla Recutita (Matricaria) Flower Extract", "84082-60-0", None, _F,
         "Matricaria chamomilla L.", "flower", "co2", "liquid", ("新疆", "河北"), 380,
         "母菊（CHAMOMILLA RECUTITA）花提取物", 1.0),
    Base("迷迭香叶提取物", "Rosemary Leaf Extract",
         "Rosmarinus Officinalis (Rosemary) Leaf Extract", "84604-14-8", None, _F,
         "Rosmarinus officinalis L.", "leaf", "co2", "powder", ("云南", "贵州"), 340,
         "迷迭香（ROSMARINUS OFFICINALIS）叶提取物", 1.0),
    Base("芦荟叶汁", "Aloe Leaf Juice", "Aloe Barbadensis Leaf Juice", "85507-69-3", None, _F,
         "Aloe barbadensis Mill.", "leaf", "cold_pressed", "liquid", ("云南", "海南", "广东"),
         45, "库拉索芦荟（ALOE BARBADENSIS）叶汁", 1.5),
    Base("当归根提取物", "Dong Quai Root Extract", "Angelica Polymorpha Sinensis Root Extract",
         None, None, _F, "Angelica sinensis (Oliv.) Diels", "root", "ethanol", "powder",
         ("甘肃",), 420, "当归（ANGELICA POLYMORPHA SINENSIS）根提取物", 0.7),
    Base("五味子果提取物", "Schisandra Fruit Extract", "Schisandra Chinensis Fruit Extract", None,
         None, _F, "Schisandra chinensis (Turcz.) Baill.", "fruit", "ethanol", "powder",
         ("吉林", "辽宁", "黑龙江"), 520, "五味子（SCHISANDRA CHINENSIS）果提取物", 0.7),
    Base("桂花提取物", "Osmanthus Flower Extract", "Osmanthus Fragrans Flower Extract", None,
         None, _F, "Osmanthus fragrans Lour.", "flower", "water_glycerin", "liquid",
         ("广西", "浙江", "湖北"), 680, "桂花（OSMANTHUS FRAGRANS）花提取物", 0.8),
    Base("沙棘果提取物", "Sea Buckthorn Fruit Extract", "Hippophae Rhamnoides Fruit Extract",
         None, None, _F, "Hippophae rhamnoides L.", "fruit", "ethanol", "powder",
         ("内蒙古", "新疆", "山西", "青海"), 350, "沙棘（HIPPOPHAE RHAMNOIDES）果提取物", 0.8),
    Base("金银花提取物", "Honeysuckle Flower Extract",
         "Lonicera Japonica (Honeysuckle) Flower Extract", None, None, _F,
         "Lonicera japonica Thunb.", "flower", "water", "powder", ("河南", "山东", "河北"),
         290, "忍冬（LONICERA JAPONICA）花提取物", 1.0),
    Base("黄芩根提取物", "Baikal Skullcap Root Extract", "Scutellaria Baicalensis Root Extract",
         None, None, _F, "Scutellaria baicalensis Georgi", "root", "ethanol", "powder",
         ("山西", "河北", "内蒙古"), 380, "黄芩（SCUTELLARIA BAICALENSIS）根提取物", 0.8),
    Base("红景天根提取物", "Rhodiola Root Extract", "Rhodiola Rosea Root Extract", None, None,
         _F, "Rhodiola rosea L.", "root", "ethanol", "powder", ("吉林", "四川", "青海"), 880,
         "红景天（RHODIOLA ROSEA）根提取物", 0.6),
    Base("灵芝提取物", "Reishi Mushroom Extract", "Ganoderma Lucidum (Mushroom) Extract", None,
         None, _F, "Ganoderma lucidum (Curtis) P.Karst.", "fruiting body", "water", "powder",
         ("安徽", "浙江", "吉林", "福建"), 620, "灵芝（GANODERMA LUCIDUM）提取物", 0.8),
    Base("雪莲花提取物", "Snow Lotus Extract", "Saussurea Involucrata Extract", None, None, _F,
         "Saussurea involucrata (Kar. & Kir.) Sch.Bip.", "aerial parts", "ethanol", "liquid",
         ("新疆",), 1200, "天山雪莲（SAUSSUREA INVOLUCRATA）提取物", 0.5),
    Base("苦参根提取物", "Sophora Root Extract", "Sophora Flavescens Root Extract", None, None,
         _F, "Sophora flavescens Aiton", "root", "ethanol", "powder", ("山西", "河北"), 330,
         "苦参（SOPHORA FLAVESCENS）根提取物", 0.6),
    Base("茯苓提取物", "Poria Extract", "Poria Cocos Sclerotium Extract", None, None, _F,
         "Wolfiporia cocos (F.A.Wolf) Ryvarden & Gilb.", "sclerotium", "water", "powder",
         ("云南", "安徽", "湖北"), 260, "茯苓（PORIA COCOS）菌核提取物", 0.7),
    Base("牡丹根皮提取物", "Tree Peony Root Bark Extract", "Paeonia Suffruticosa Root Extract",
         None, None, _F, "Paeonia suffruticosa Andrews", "root bark", "ethanol", "powder",
         ("山东", "安徽"), 480, "牡丹（PAEONIA SUFFRUTICOSA）根提取物", 0.6),
    Base("薏苡仁提取物", "Job's Tears Seed Extract", "Coix Lacryma-Jobi Ma-yuen Seed Extract",
         None, None, _F, "Coix lacryma-jobi var. ma-yuen (Rom.Caill.) Stapf", "seed",
         "fermentation", "liquid", ("贵州", "福建"), 220, None, 0.7),
    Base("燕麦仁提取物", "Oat Kernel Extract", "Avena Sativa (Oat) Kernel Extract",
         "84012-26-0", None, _F, "Avena sativa L.", "kernel", "water", "liquid",
         ("内蒙古", "河北"), 210, "燕麦（AVENA SATIVA）仁提取物", 0.8),
    Base("姜根提取物", "Ginger Root Extract", "Zingiber Officinale (Ginger) Root Extract",
         "84696-15-1", None, _F, "Zingiber officinale Roscoe", "root", "co2", "liquid",
         ("山东", "云南"), 260, "姜（ZINGIBER OFFICINALE）根提取物", 0.6),
    Base("虎杖根提取物", "Japanese Knotweed Root Extract", "Polygonum Cuspidatum Root Extract",
         None, None, _F, "Reynoutria japonica Houtt.", "root", "ethanol", "powder",
         ("四川", "贵州", "湖南"), 360, "虎杖（POLYGONUM CUSPIDATUM）根提取物", 0.6),
    Base("螺旋藻提取物", "Spirulina Extract", "Spirulina Platensis Extract", None, None, _F,
         "Arthrospira platensis Gomont", "whole alga", "water", "powder",
         ("内蒙古", "云南", "海南"), 300, None, 0.5),
    Base("光果甘草根提取物", "Licorice Root Extract (glabridin)", "Glycyrrhiza Glabra Root Extract",
         "84775-66-6", None, _F, "Glycyrrhiza glabra L.", "root", "ethanol", "powder",
         ("新疆",), 2800, "光果甘草（GLYCYRRHIZA GLABRA）根提取物", 0.6),
    # --- essential oils
    Base("薰衣草精油", "Lavender Oil", "Lavandula Angustifolia (Lavender) Oil", "8000-28-0",
         None, "essential_oil", "Lavandula angustifolia Mill.", "flower", "steam", "oil",
         ("新疆",), 680, "薰衣草（LAVANDULA ANGUSTIFOLIA）油", 2.0,
         (("FR", "Provence-Alpes-Côte d'Azur", "Grasse"), ("BG", "Stara Zagora", "Kazanlak"))),
    Base("玫瑰精油", "Rose Oil", "Rosa Rugosa Flower Oil", "8007-01-0", None, "essential_oil",
         "Rosa rugosa Thunb.", "flower", "steam", "oil", ("山东", "甘肃", "新疆"), 42000,
         "玫瑰（ROSA RUGOSA）花油", 0.8, (("BG", "Stara Zagora", "Kazanlak"),)),
    Base("茶树精油", "Tea Tree Oil", "Melaleuca Alternifolia (Tea Tree) Leaf Oil", "68647-73-4",
         "285-377-1", "essential_oil", "Melaleuca alternifolia (Maiden & Betche) Cheel", "leaf",
         "steam", "oil", ("广西", "广东", "云南"), 290,
         "互生叶白千层（MELALEUCA ALTERNIFOLIA）叶油", 1.2,
         (("AU", "New South Wales", "Casino"),)),
    Base("甜橙精油", "Sweet Orange Oil", "Citrus Aurantium Dulcis (Orange) Peel Oil", "8008-57-9",
         "232-433-8", "essential_oil", "Citrus sinensis (L.) Osbeck", "peel", "cold_pressed",
         "oil", ("江西", "湖南", "四川", "重庆"), 110,
         "甜橙（CITRUS AURANTIUM DULCIS）果皮油", 1.0),
    Base("薄荷精油", "Peppermint Oil", "Mentha Piperita (Peppermint) Oil", "8006-90-4", None,
         "essential_oil", "Mentha × piperita L.", "leaf", "steam", "oil", ("安徽", "江苏"), 260,
         "辣薄荷（MENTHA PIPERITA）油", 0.8),
    Base("蓝桉叶油", "Eucalyptus Oil", "Eucalyptus Globulus Leaf Oil", "8000-48-4", None,
         "essential_oil", "Eucalyptus globulus Labill.", "leaf", "steam", "oil",
         ("云南", "广西"), 95, "蓝桉（EUCALYPTUS GLOBULUS）叶油", 0.7),
    Base("迷迭香精油", "Rosemary Oil", "Rosmarinus Officinalis (Rosemary) Leaf Oil", "8000-25-7",
         "283-291-9", "essential_oil", "Rosmarinus officinalis L.", "leaf", "steam", "oil",
         ("云南",), 240, "迷迭香（ROSMARINUS OFFICINALIS）叶油", 0.6),
    Base("柠檬精油", "Lemon Oil", "Citrus Limon (Lemon) Peel Oil", "8008-56-8", "284-515-8",
         "essential_oil", "Citrus limon (L.) Osbeck", "peel", "cold_pressed", "oil",
         ("四川", "重庆"), 260, "柠檬（CITRUS LIMON）果皮油", 0.6),
    Base("艾叶油", "Mugwort Leaf Oil", "Artemisia Argyi Leaf Oil", None, None, "essential_oil",
         "Artemisia argyi H.Lév. & Vaniot", "leaf", "steam", "oil", ("湖北", "河南"), 480,
         "艾（ARTEMISIA ARGYI）叶油", 0.6),
    Base("山苍子油", "Litsea Cubeba Oil", "Litsea Cubeba Fruit Oil", "68855-99-2", None,
         "essential_oil", "Litsea cubeba (Lour.) Pers.", "fruit", "steam", "oil",
         ("江西", "湖南", "广西", "福建"), 180, "山鸡椒（LITSEA CUBEBA）果油", 0.5),
    # --- vegetable oils
    Base("葡萄籽油", "Grape Seed Oil", "Vitis Vinifera (Grape) Seed Oil", "85594-37-2",
         "287-896-9", "vegetable_oil", "Vitis vinifera L.", "seed", "cold_pressed", "oil",
         ("宁夏", "新疆", "河北"), 95, "葡萄（VITIS VINIFERA）籽油", 2.0),
    Base("油茶籽油", "Camellia Seed Oil", "Camellia Oleifera Seed Oil", None, None,
         "vegetable_oil", "Camellia oleifera C.Abel", "seed", "cold_pressed", "oil",
         ("江西", "湖南", "广西"), 120, "油茶（CAMELLIA OLEIFERA）籽油", 1.5),
    Base("荷荷巴油", "Jojoba Oil", "Simmondsia Chinensis (Jojoba) Seed Oil", "61789-91-1", None,
         "vegetable_oil", "Simmondsia chinensis (Link) C.K.Schneid.", "seed", "cold_pressed",
         "oil", ("云南",), 230, "油蜡树（SIMMONDSIA CHINENSIS）籽油", 1.0,
         (("IL", "Southern District", "Negev"), ("AR", "La Rioja", "La Rioja"))),
    Base("甜杏仁油", "Sweet Almond Oil", "Prunus Amygdalus Dulcis (Sweet Almond) Oil",
         "8007-69-0", None, "vegetable_oil", "Prunus dulcis (Mill.) D.A.Webb", "kernel",
         "cold_pressed", "oil", ("新疆",), 110, "甜扁桃（PRUNUS AMYGDALUS DULCIS）油", 0.8),
    Base("沙棘果油", "Sea Buckthorn Fruit Oil", "Hippophae Rhamnoides Fruit Oil", None, None,
         "vegetable_oil", "Hippophae rhamnoides L.", "fruit", "co2", "oil",
         ("内蒙古", "新疆", "青海"), 680, "沙棘（HIPPOPHAE RHAMNOIDES）果油", 0.8),
    Base("红花籽油", "Safflower Seed Oil", "Carthamus Tinctorius (Safflower) Seed Oil",
         "8001-23-8", "232-276-5", "vegetable_oil", "Carthamus tinctorius L.", "seed",
         "cold_pressed", "oil", ("新疆",), 70, "红花（CARTHAMUS TINCTORIUS）籽油", 0.7),
    Base("摩洛哥坚果油", "Argan Oil", "Argania Spinosa Kernel Oil", "223747-87-3", None,
         "vegetable_oil", "Argania spinosa (L.) Skeels", "kernel", "cold_pressed", "oil", (),
         420, "阿甘树（ARGANIA SPINOSA）仁油", 0.8, (("MA", "Souss-Massa", "Agadir"),)),
    Base("牡丹籽油", "Peony Seed Oil", "Paeonia Suffruticosa Seed Oil", None, None,
         "vegetable_oil", "Paeonia ostii T.Hong & J.X.Zhang", "seed", "cold_pressed", "oil",
         ("山东", "河南"), 520, "牡丹（PAEONIA SUFFRUTICOSA）籽油", 0.6),
    Base("月见草油", "Evening Primrose Oil", "Oenothera Biennis (Evening Primrose) Oil",
         "90028-66-3", "289-859-2", "vegetable_oil", "Oenothera biennis L.", "seed",
         "cold_pressed", "oil", ("吉林", "黑龙江"), 160, "月见草（OENOTHERA BIENNIS）油", 0.6),
    Base("橄榄油", "Olive Fruit Oil", "Olea Europaea (Olive) Fruit Oil", "8001-25-0", "232-277-0",
         "vegetable_oil", "Olea europaea L.", "fruit", "cold_pressed", "oil", ("甘肃", "四川"),
         90, "油橄榄（OLEA EUROPAEA）果油", 0.7, (("ES", "Andalucía", "Jaén"),)),
    # --- actives
    Base("烟酰胺", "Niacinamide", "Niacinamide", "98-92-0", "202-713-4", "active", None, None,
         "synthesis", "powder", ("浙江", "江苏", "山东"), 85, "烟酰胺", 2.5),
    Base("依克多因", "Ectoin", "Ectoin", "96702-03-3", None, "active", None, None,
         "fermentation", "powder", ("山东", "江苏"), 5800, "四氢甲基嘧啶羧酸", 1.0),
    Base("甘草酸二钾", "Dipotassium Glycyrrhizate", "Dipotassium Glycyrrhizate", "68797-35-3",
         "272-296-1", "active", "Glycyrrhiza uralensis Fisch.", "root", "ethanol", "powder",
         ("甘肃", "新疆", "宁夏"), 650, "甘草酸二钾", 1.2),
    Base("抗坏血酸葡糖苷", "Ascorbyl Glucoside", "Ascorbyl Glucoside", "129499-78-1", None,
         "active", None, None, "enzymatic", "powder", ("山东", "江苏"), 720, "抗坏血酸葡糖苷", 0.8),
    Base("D-泛醇", "D-Panthenol", "Panthenol", "81-13-0", "201-327-3", "active", None, None,
         "synthesis", "liquid", ("浙江", "江苏"), 150, "泛醇", 1.0),
    Base("神经酰胺NP", "Ceramide NP", "Ceramide NP", "100403-19-8", None, "active", None, None,
         "fermentation", "powder", ("江苏", "上海"), 9800, "神经酰胺NP", 0.7),
    Base("补骨脂酚", "Bakuchiol", "Bakuchiol", "10309-37-2", None, "active",
         "Psoralea corylifolia L.", "seed", "solvent", "oil", ("四川", "云南", "河南"), 18000,
         "补骨脂酚", 0.5),
    Base("阿魏酸", "Ferulic Acid", "Ferulic Acid", "1135-24-6", "214-490-0", "active",
         "Oryza sativa L.", "bran", "enzymatic", "powder", ("江苏", "湖北"), 380, "阿魏酸", 0.6),
    Base("α-熊果苷", "Alpha-Arbutin", "Alpha-Arbutin", "84380-01-8", None, "active", None, None,
         "enzymatic", "powder", ("江苏", "湖北", "浙江"), 1200, "α-熊果苷", 0.8),
    Base("传明酸", "Tranexamic Acid", "Tranexamic Acid", "1197-18-8", "214-818-2", "active",
         None, None, "synthesis", "powder", ("江苏", "湖北"), 420, "凝血酸", 0.7),
    Base("白藜芦醇", "Resveratrol", "Resveratrol", "501-36-0", None, "active",
         "Reynoutria japonica Houtt.", "root", "ethanol", "powder", ("四川", "陕西"), 1600,
         "白藜芦醇", 0.6),
    Base("羟基积雪草苷", "Madecassoside", "Madecassoside", "34540-22-2", None, "active",
         "Centella asiatica (L.) Urb.", "whole plant", "ethanol", "powder", ("广西", "江苏"),
         12000, "羟基积雪草苷", 0.5),
    Base("积雪草苷", "Asiaticoside", "Asiaticoside", "16830-15-2", "240-851-7", "active",
         "Centella asiatica (L.) Urb.", "whole plant", "ethanol", "powder", ("广西",), 4500,
         "积雪草苷", 0.5),
    Base("生育酚", "Natural Vitamin E", "Tocopherol", "10191-41-0", "233-466-0", "active", None,
         None, "hydrogenation", "oil", ("浙江", "江苏"), 210, "生育酚（维生素E）", 0.8),
    Base("玻色因", "Pro-Xylane", "Hydroxypropyl Tetrahydropyrantriol", "439685-79-7", None,
         "active", None, None, "synthesis", "liquid", ("江苏", "上海"), 2200,
         "羟丙基四氢吡喃三醇", 0.7),
    Base("腺苷", "Adenosine", "Adenosine", "58-61-7", "200-389-9", "active", None, None,
         "fermentation", "powder", ("江苏",), 2600, "腺苷", 0.4),
    Base("视黄醇", "Retinol", "Retinol", "68-26-8", "200-683-7", "active", None, None,
         "synthesis", "powder", ("浙江",), 6000, "视黄醇", 0.4),
    Base("水杨酸", "Salicylic Acid", "Salicylic Acid", "69-72-7", "200-712-3", "active", None,
         None, "synthesis", "powder", ("江苏", "山东"), 55, "水杨酸", 0.5),
    Base("咖啡因", "Caffeine", "Caffeine", "58-08-2", "200-362-1", "active", None, None,
         "synthesis", "powder", ("山东", "河北"), 160, "咖啡因", 0.4),
    Base("尿囊素", "Allantoin", "Allantoin", "97-59-6", "202-592-8", "active", None, None,
         "synthesis", "powder", ("江苏", "山东"), 95, "尿囊素", 0.7),
    Base("曲酸", "Kojic Acid", "Kojic Acid", "501-30-4", "207-922-4", "active", None, None,
         "fermentation", "powder", ("湖北", "江苏"), 220, "曲酸", 0.4),
    # --- humectants
    Base("透明质酸钠", "Sodium Hyaluronate", "Sodium Hyaluronate", "9067-32-7", None, "humectant",
         None, None, "fermentation", "powder", ("山东",), 3200, "透明质酸钠", 2.5),
    Base("水解透明质酸钠", "Hydrolyzed Sodium Hyaluronate", "Hydrolyzed Sodium Hyaluronate", None,
         None, "humectant", None, None, "enzymatic", "powder", ("山东",), 5200,
         "水解透明质酸钠", 0.6),
    Base("植物甘油", "Vegetable Glycerin", "Glycerin", "56-81-5", "200-289-5", "humectant", None,
         None, "refined", "liquid", ("江苏", "广东", "浙江"), 12, "甘油", 1.0),
    Base("甜菜碱", "Betaine", "Betaine", "107-43-7", "203-490-6", "humectant", None, None,
         "refined", "powder", ("山东", "新疆"), 38, "甜菜碱", 0.6),
    Base("海藻糖", "Trehalose", "Trehalose", "99-20-7", "202-739-6", "humectant", None, None,
         "enzymatic", "powder", ("山东", "江苏"), 65, "海藻糖", 0.5),
    Base("1,3-丙二醇", "1,3-Propanediol", "Propanediol", "504-63-2", "207-997-3", "humectant",
         None, None, "fermentation", "liquid", ("江苏", "广东"), 48, "丙二醇", 0.5),
    Base("γ-聚谷氨酸", "Polyglutamic Acid", "Polyglutamic Acid", "25513-46-6", None,
         "humectant", None, None, "fermentation", "powder", ("江苏", "山东"), 1800, "聚谷氨酸",
         0.4),
    Base("PCA钠", "Sodium PCA", "Sodium PCA", "28874-51-3", "249-277-1", "humectant", None,
         None, "synthesis", "liquid", ("江苏",), 42, "PCA钠", 0.4),
    # --- emollients
    Base("角鲨烷", "Squalane", "Squalane", "111-01-3", "203-825-6", "emollient",
         "Olea europaea L.", None, "hydrogenation", "oil", ("浙江", "甘肃"), 260, "角鲨烷", 1.0),
    Base("乳木果脂", "Shea Butter", "Butyrospermum Parkii (Shea) Butter", "194043-92-0", None,
         "emollient", "Vitellaria paradoxa C.F.Gaertn.", "nut", "refined", "solid", ("广东",),
         68, "牛油果树（BUTYROSPERMUM PARKII）果脂", 0.8, (("GH", "Northern Region", "Tamale"),)),
    Base("辛酸/癸酸甘油三酯", "Caprylic/Capric Triglyceride", "Caprylic/Capric Triglyceride",
         "73398-61-5", "277-452-2", "emollient", None, None, "refined", "oil",
         ("江苏", "广东"), 28, "辛酸/癸酸甘油三酯", 0.7),
    Base("肉豆蔻酸异丙酯", "Isopropyl Myristate", "Isopropyl Myristate", "110-27-0",
         "203-751-4", "emollient", None, None, "synthesis", "oil", ("江苏", "浙江"), 22,
         "肉豆蔻酸异丙酯", 0.5),
    Base("聚二甲基硅氧烷", "Dimethicone", "Dimethicone", "63148-62-9", None, "emollient", None,
         None, "synthesis", "oil", ("浙江", "江西"), 35, "聚二甲基硅氧烷", 0.6),
    # --- floral waters
    Base("玫瑰纯露", "Rose Floral Water", "Rosa Rugosa Flower Water", None, None, "floral_water",
         "Rosa rugosa Thunb.", "flower", "steam", "liquid", ("山东", "甘肃"), 26,
         "玫瑰（ROSA RUGOSA）花水", 1.2),
    Base("薰衣草纯露", "Lavender Floral Water", "Lavandula Angustifolia (Lavender) Flower Water",
         None, None, "floral_water", "Lavandula angustifolia Mill.", "flower", "steam",
         "liquid", ("新疆",), 22, "薰衣草（LAVANDULA ANGUSTIFOLIA）花水", 0.8),
    Base("金缕梅水", "Witch Hazel Water", "Hamamelis Virginiana (Witch Hazel) Water",
         "68916-39-2", None, "floral_water", "Hamamelis virginiana L.", "leaf", "steam",
         "liquid", ("湖北",), 38, "北美金缕梅（HAMAMELIS VIRGINIANA）水", 0.6),
    Base("橙花纯露", "Neroli Floral Water", "Citrus Aurantium Amara (Bitter Orange) Flower Water",
         None, None, "floral_water", "Citrus × aurantium L.", "flower", "steam", "liquid",
         ("江西", "浙江"), 48, "酸橙（CITRUS AURANTIUM AMARA）花水", 0.5),
    Base("桂花纯露", "Osmanthus Floral Water", "Osmanthus Fragrans Flower Water", None, None,
         "floral_water", "Osmanthus fragrans Lour.", "flower", "steam", "liquid", ("广西",), 32,
         "桂花（OSMANTHUS FRAGRANS）花水", 0.4),
    # --- surfactants, emulsifiers, preservatives, thickeners
    Base("椰油酰胺丙基甜菜碱", "Cocamidopropyl Betaine", "Cocamidopropyl Betaine", "61789-40-0",
         "263-058-8", "surfactant", None, None, "synthesis", "liquid", ("广东", "江苏"), 14,
         "椰油酰胺丙基甜菜碱", 0.8),
    Base("月桂酰谷氨酸钠", "Sodium Lauroyl Glutamate", "Sodium Lauroyl Glutamate", "29923-31-7",
         None, "surfactant", None, None, "synthesis", "powder", ("广东", "浙江"), 42,
         "月桂酰谷氨酸钠", 0.6),
    Base("癸基葡糖苷", "Decyl Glucoside", "Decyl Glucoside", "68515-73-1", None, "surfactant",
         None, None, "enzymatic", "liquid", ("江苏",), 24, "癸基葡糖苷", 0.5),
    Base("鲸蜡硬脂醇", "Cetearyl Alcohol", "Cetearyl Alcohol", "67762-27-0", "267-008-6",
         "emulsifier", None, None, "hydrogenation", "flakes", ("广东",), 26, "鲸蜡硬脂醇", 0.8),
    Base("甘油硬脂酸酯", "Glyceryl Stearate", "Glyceryl Stearate", "31566-31-1", "250-705-4",
         "emulsifier", None, None, "synthesis", "flakes", ("江苏", "广东"), 30, "甘油硬脂酸酯",
         0.6),
    Base("聚山梨醇酯-20", "Polysorbate 20", "Polysorbate 20", "9005-64-5", None, "emulsifier",
         None, None, "synthesis", "liquid", ("江苏",), 28, "聚山梨醇酯-20", 0.5),
    Base("苯氧乙醇", "Phenoxyethanol", "Phenoxyethanol", "122-99-6", "204-589-7", "preservative",
         None, None, "synthesis", "liquid", ("江苏",), 48, "苯氧乙醇", 0.6),
    Base("1,2-己二醇", "1,2-Hexanediol", "1,2-Hexanediol", "6920-22-5", "230-029-6",
         "preservative", None, None, "synthesis", "liquid", ("江苏", "浙江"), 60, "1,2-己二醇",
         0.6),
    Base("乙基己基甘油", "Ethylhexylglycerin", "Ethylhexylglycerin", "70445-33-9", None,
         "preservative", None, None, "synthesis", "liquid", ("江苏",), 180, "乙基己基甘油", 0.4),
    Base("羟苯乙酮", "Hydroxyacetophenone", "Hydroxyacetophenone", "99-93-4", "202-802-8",
         "preservative", None, None, "synthesis", "powder", ("江苏", "湖北"), 320, "羟苯乙酮",
         0.4),
    Base("黄原胶", "Xanthan Gum", "Xanthan Gum", "11138-66-2", "234-394-2", "thickener", None,
         None, "fermentation", "powder", ("内蒙古", "山东"), 32, "黄原胶", 0.8),
    Base("卡波姆", "Carbomer", "Carbomer", "9007-20-9", None, "thickener", None, None,
         "synthesis", "powder", ("浙江", "江苏"), 120, "卡波姆", 0.6),
    Base("羟乙基纤维素", "Hydroxyethylcellulose", "Hydroxyethylcellulose", "9004-62-0", None,
         "thickener", None, None, "synthesis", "powder", ("山东", "浙江"), 65, "羟乙基纤维素",
         0.4),
    # --- colorants, fragrance, other
    Base("二氧化钛", "Titanium Dioxide", "Titanium Dioxide", "13463-67-7", "236-675-5",
         "colorant", None, None, "mineral", "powder", ("四川", "山东"), 30, "二氧化钛", 0.7),
    Base("氧化锌", "Zinc Oxide", "Zinc Oxide", "1314-13-2", "215-222-5", "colorant", None, None,
         "mineral", "powder", ("河北", "江苏"), 28, "氧化锌", 0.5),
    Base("氧化铁红", "Red Iron Oxide", "Iron Oxides", "1309-37-1", "215-168-2", "colorant", None,
         None, "mineral", "powder", ("浙江", "江苏"), 40, "氧化铁类", 0.4),
    Base("云母", "Mica", "Mica", "12001-26-2", None, "colorant", None, None, "mineral",
         "powder", ("河北", "湖南"), 18, "云母", 0.4),
    Base("桂花净油", "Osmanthus Absolute", "Osmanthus Fragrans Flower Extract", None, None,
         "fragrance", "Osmanthus fragrans Lour.", "flower", "solvent", "liquid",
         ("广西", "浙江"), 26000, "桂花（OSMANTHUS FRAGRANS）花提取物", 0.4),
    Base("茉莉净油", "Jasmine Sambac Absolute", "Jasminum Sambac Flower Extract", None, None,
         "fragrance", "Jasminum sambac (L.) Aiton", "flower", "solvent", "liquid",
         ("广西", "福建"), 32000, "茉莉（JASMINUM SAMBAC）花提取物", 0.4),
    Base("香叶醇", "Geraniol", "Geraniol", "106-24-1", "203-377-1", "fragrance", None, None,
         "synthesis", "liquid", ("江西", "云南"), 190, "香叶醇", 0.3),
    Base("珍珠粉", "Pearl Powder", "Pearl Powder", None, None, "other", None, None, "milling",
         "powder", ("浙江", "广西"), 480, "珍珠粉", 0.4),
    Base("高岭土", "Kaolin", "Kaolin", "1332-58-7", "310-194-1", "other", None, None, "mineral",
         "powder", ("江苏", "广东"), 8, "高岭土", 0.3),
)

# Variants per category: (Chinese suffix, English suffix, price factor, form or None).
VARIANTS: dict[str, tuple[tuple[str, str, float, str | None], ...]] = {
    "plant_extract": (
        ("（水溶）", "water-soluble", 1.0, "liquid"), ("（油溶）", "oil-soluble", 1.2, "liquid"),
        ("（粉末）", "powder", 1.1, "powder"),
        ("（液体，丁二醇/水）", "liquid, butylene glycol/water", 0.6, "liquid"),
        ("（10:1）", "10:1", 1.0, "powder"), ("（20:1）", "20:1", 1.6, "powder"),
        ("（总多酚≥30%）", "polyphenols ≥30%", 1.8, "powder"),
        ("（化妆品级）", "cosmetic grade", 1.0, None), ("（有机）", "organic", 1.4, None),
        ("（无防腐）", "preservative-free", 1.2, "liquid"),
        ("（超临界CO₂萃取）", "supercritical CO2", 2.2, "liquid"), ("", "", 1.0, None),
    ),
    "essential_oil": (
        ("（一级）", "first grade", 1.0, None), ("（特级）", "premium grade", 1.5, None),
        ("（有机）", "organic", 1.6, None), ("（天然）", "natural", 1.1, None),
        ("（精馏）", "rectified", 1.2, None), ("", "", 1.0, None),
    ),
    "vegetable_oil": (
        ("（冷榨）", "cold pressed", 1.2, None), ("（精炼）", "refined", 1.0, None),
        ("（初榨）", "virgin", 1.3, None), ("（有机）", "organic", 1.6, None),
        ("（化妆品级）", "cosmetic grade", 1.1, None), ("", "", 1.0, None),
    ),
    "active": (
        ("（≥98%）", "≥98%", 1.0, None), ("（≥99%）", "≥99%", 1.25, None),
        ("（化妆品级）", "cosmetic grade", 1.0, None), ("（高纯）", "high purity", 1.4, None),
        ("（医药级）", "pharmaceutical grade", 1.8, None),
        ("（发酵法）", "fermentation-derived", 1.3, None), ("", "", 1.0, None),
    ),
    "humectant": (
        ("（化妆品级）", "cosmetic grade", 1.0, None), ("（高分子）", "high molecular weight",
                                                  1.3, None),
        ("（低分子）", "low molecular weight", 1.4, None), ("（USP级）", "USP grade", 1.2, None),
        ("", "", 1.0, None),
    ),
}
_DEFAULT_VARIANTS: tuple[tuple[str, str, float, str | None], ...] = (
    ("（化妆品级）", "cosmetic grade", 1.0, None), ("（工业级）", "technical grade", 0.7, None),
    ("（进口）", "imported", 1.5, None), ("", "", 1.0, None),
)
USES = {
    "plant_extract": ("爽肤水、精华和面膜", "toners, serums and sheet masks"),
    "essential_oil": ("香氛、按摩油和洗护产品", "fragrances, massage oils and rinse-off products"),
    "vegetable_oil": ("面霜、乳液和卸妆油", "creams, lotions and cleansing oils"),
    "active": ("美白、抗衰和修护精华", "brightening, anti-ageing and repair serums"),
    "humectant": ("保湿水乳和面膜", "moisturising toners, lotions and masks"),
    "emollient": ("面霜、身体乳和唇膏", "creams, body lotions and lip balms"),
    "floral_water": ("爽肤水、喷雾和面膜液", "toners, mists and mask liquids"),
    "surfactant": ("洁面、沐浴露和洗发水", "cleansers, shower gels and shampoos"),
    "emulsifier": ("乳液和面霜", "lotions and creams"),
    "preservative": ("各类水性配方", "water-based formulas"),
    "thickener": ("凝胶、精华和乳液", "gels, serums and lotions"),
    "colorant": ("彩妆、防晒和粉底", "colour cosmetics, sunscreens and foundations"),
    "fragrance": ("香水和香氛产品", "perfumes and scented products"),
    "other": ("面膜粉和洁面产品", "mask powders and cleansers"),
}
FORMS_ZH = {"liquid": "液体", "powder": "粉末", "oil": "油状液体", "solid": "固体",
            "flakes": "片状"}
CERTIFICATIONS = (
    ("ISO_22716", 10), ("HALAL", 6), ("KOSHER", 5), ("VEGAN", 6), ("ECOCERT", 4),
    ("COSMOS_NATURAL", 3), ("COSMOS_ORGANIC", 3), ("USDA_ORGANIC", 2), ("CN_ORGANIC", 3),
    ("RSPO", 1), ("GI", 1),
)
SPECS = (
    ("Appearance", ("light yellow liquid", "white powder", "clear oil", "amber liquid",
                    "off-white powder"), None),
    ("pH", ("4.0–6.0", "5.5–7.0", "6.0–8.0"), "GB/T 13531.1"),
    ("Heavy metals (Pb)", ("≤ 10 ppm", "≤ 5 ppm"), "GB/T 30942"),
    ("Total plate count", ("≤ 100 CFU/g", "≤ 1000 CFU/g"), "STSC 2015"),
    ("Assay", ("≥ 95%", "≥ 98%", "≥ 99%"), "HPLC"),
    ("Acid value", ("≤ 0.5 mg KOH/g", "≤ 1.0 mg KOH/g"), "GB 5009.229"),
    ("Loss on drying", ("≤ 5.0%", "≤ 3.0%"), "105 °C, 3 h"),
)
INCOTERMS = ("EXW", "FCA", "FOB", "CIF", "DAP", "CFR")
PACKAGING = ("1 kg aluminium foil bag", "5 kg HDPE jerrican", "25 kg HDPE drum",
             "25 kg fibre drum", "180 kg steel drum", "1000 L IBC", "100 g aluminium bottle")
BRAND_CHARS = "华美源康绿禾本草天润瑞泽森清雅丰盛恒鑫宏嘉晨馨颐和安汇诺金峰谷"
TRADES = {
    "plant_extract": ("植物提取", "生物科技", "天然产物", "中药材提取"),
    "essential_oil": ("香料", "精油", "芳香植物"),
    "vegetable_oil": ("油脂", "植物油", "粮油科技"),
    "floral_water": ("花卉科技", "香料", "生物科技"),
    "fragrance": ("香料", "香精香料"),
}
_OTHER_TRADES = ("生物科技", "精细化工", "化妆品原料", "新材料", "生物工程", "日化原料")
SUFFIXES = (("有限公司", 7), ("股份有限公司", 2), ("有限责任公司", 1))


def _check_registry_numbers() -> None:
    from marketplace.web.validators import is_valid_cas, is_valid_ec

    for base in BASES:
        assert base.cas is None or is_valid_cas(base.cas), base
        assert base.ec is None or is_valid_ec(base.ec), base
        assert all(p in PROVINCES for p in base.origins), base
        assert base.origins or base.foreign, base


def _new_id(rng: random.Random, prefix: str) -> str:
    return prefix + "_" + "".join(rng.choices(_ID_ALPHABET, k=16))


def _uscc(rng: random.Random, region: str) -> str:
    from marketplace.web.validators import USCC_CHARSET, uscc_check_character

    first17 = "91" + region + "".join(rng.choices(USCC_CHARSET, k=9))
    return first17 + uscc_check_character(first17)


@dataclass
class Supplier:
    id: str
    name: str
    province: str
    city: str
    verified: bool
    focus: list[Base]
    weights: list[float]


def make_suppliers(rng: random.Random, count: int) -> tuple[list[Supplier], list[dict[str, Any]]]:
    """Suppliers (with the bases they trade) and their `organizations` rows."""
    provinces = list(SUPPLIER_PROVINCE_WEIGHTS)
    province_weights = list(SUPPLIER_PROVINCE_WEIGHTS.values())
    categories = sorted({b.category for b in BASES})
    by_category = {c: [b for b in BASES if b.category == c] for c in categories}
    category_weights = [sum(b.weight for b in by_category[c]) for c in categories]
    suffixes, suffix_weights = zip(*SUFFIXES, strict=True)
    suppliers: list[Supplier] = []
    rows: list[dict[str, Any]] = []
    names: set[str] = set()
    usccs: set[str] = set()
    attempts = 0
    while len(suppliers) < count:
        attempts += 1
        if attempts > count * 50:
            raise RuntimeError("could not make enough distinct supplier names")
        province = rng.choices(provinces, province_weights)[0]
        city, region = rng.choice(PROVINCES[province][1])
        category = rng.choices(categories, category_weights)[0]
        place = city if rng.random() < 0.5 else province
        brand = "".join(rng.sample(BRAND_CHARS, 2))
        trade = rng.choice(TRADES.get(category, _OTHER_TRADES))
        name = place + brand + trade + rng.choices(suffixes, suffix_weights)[0]
        if name in names:
            continue
        names.add(name)
        roll = rng.random()
        status = "verified" if roll < 0.87 else "pending" if roll < 0.93 else "unverified"
        created = NOW - timedelta(days=rng.randint(200, 2000))
        uscc = None
        if status != "unverified":
            while uscc is None or uscc in usccs:
                uscc = _uscc(rng, region)
            usccs.add(uscc)
        primary = by_category[category]
        focus = rng.sample(primary, min(len(primary), rng.randint(2, 8)))
        others = rng.choices(BASES, [b.weight for b in BASES], k=rng.randint(0, 5))
        focus += [b for b in others if b not in focus]
        supplier = Supplier(
            id=_new_id(rng, "org"), name=name, province=province, city=city,
            verified=status == "verified", focus=focus, weights=[b.weight for b in focus],
        )
        suppliers.append(supplier)
        rows.append({
            "id": supplier.id, "name": name, "kind": "supplier", "country": "CN",
            "province": province, "city": city, "verification_status": status,
            "legal_name": name, "uscc": uscc, "verification_reason": None,
            "verification_submitted_at": created + timedelta(days=3) if uscc else None,
            "verified_at": created + timedelta(days=5) if status == "verified" else None,
            "created_at": created,
        })
    return suppliers, rows


def _money(value: float) -> Decimal:
    return max(Decimal(str(round(value, 2))), Decimal("0.01"))


def _tiers(rng: random.Random, unit_price: float, unit: str) -> list[tuple[Decimal, Decimal]]:
    if unit == "g":
        moq = rng.choice((10, 50, 100, 500))
    elif unit == "mL":
        moq = rng.choice((100, 500, 1000))
    else:
        moq = rng.choice((1, 1, 5, 5, 10, 25, 25, 50, 100, 200, 1000))
    price = unit_price * rng.uniform(0.8, 1.25)
    tiers = [(Decimal(moq), _money(price))]
    for _ in range(rng.choices((0, 1, 2, 3), (2, 4, 3, 1))[0]):
        quantity = tiers[-1][0] * rng.choice((2, 4, 5, 10))
        price *= rng.uniform(0.85, 0.97)
        tiers.append((quantity, min(_money(price), tiers[-1][1])))
    return tiers


def make_listing(rng: random.Random, supplier: Supplier, index: int) -> tuple[dict[str, Any],
                                                                              list[dict[str, Any]]]:
    """One `listings` row (status published) and its `listing_price_tiers` rows."""
    base = rng.choices(supplier.focus, supplier.weights)[0]
    zh_suffix, en_suffix, factor, variant_form = rng.choice(
        VARIANTS.get(base.category, _DEFAULT_VARIANTS)
    )
    # Origin: mostly where the material grows/is made; sometimes the supplier's own
    # province; imported materials from abroad.
    if base.foreign and (not base.origins or rng.random() < 0.35):
        country, province, city = rng.choice(base.foreign)
        province_en = province
        prefix = ""
    else:
        country = "CN"
        province = rng.choice(base.origins) if rng.random() < 0.85 else supplier.province
        city = rng.choice(PROVINCES[province][1])[0]
        province_en = PROVINCES[province][0]
        roll = rng.random()
        prefix = province if roll < 0.25 else city if roll < 0.4 else ""
    title_zh = f"{prefix}{base.zh}{zh_suffix}"
    title_en = (f"{province_en} " if prefix else "") + base.en + (
        f" ({en_suffix})" if en_suffix else ""
    )
    method_zh, method_en = METHODS[base.method]
    form = variant_form or base.form
    uses_zh, uses_en = USES[base.category]
    place = province if country != "CN" else f"{province}{city}" if city != province else city
    description = _description(rng, base, place, province_en, form, uses_zh, uses_en,
                               method_zh, method_en)

    price = base.price * factor * rng.uniform(0.85, 1.2)
    unit = "kg"
    if base.price > 5000 and rng.random() < 0.6:
        unit, price = "g", price / 1000
    elif base.category == "floral_water" and rng.random() < 0.3:
        unit = "L"
    tiers = _tiers(rng, price, unit)
    moq = tiers[0][0]
    roll = rng.random()
    stock = Decimal(0) if roll < 0.07 else (moq / 2 if roll < 0.1 else moq * rng.randint(2, 400))
    count = rng.choices((0, 1, 2, 3, 4), (35, 30, 20, 10, 5))[0]
    codes = [c for c, _ in CERTIFICATIONS]
    weights = [w for _, w in CERTIFICATIONS]
    certifications = sorted({rng.choices(codes, weights)[0] for _ in range(count)})
    created = NOW - timedelta(seconds=rng.randint(3 * 86400, 3 * 365 * 86400))
    submitted = created + timedelta(hours=rng.randint(1, 200))
    published = submitted + timedelta(hours=rng.randint(1, 48))
    updated = min(published + timedelta(days=rng.randint(0, 120)), NOW)
    listing_id = _new_id(rng, "lst")
    listing = {
        "id": listing_id, "supplier_id": supplier.id, "status": "published",
        "version": rng.choices((1, 2, 3, 4, 5), (50, 25, 12, 8, 5))[0],
        "title_zh": title_zh, "title_en": title_en, "inci_name": base.inci,
        "cas_number": base.cas if rng.random() < 0.92 else None,
        "ec_number": base.ec if rng.random() < 0.7 else None,
        "category": base.category, "botanical_name": base.botanical, "plant_part": base.part,
        "extraction_method": method_en, "form": form, "description": description,
        "origin_country": country, "origin_province": province, "origin_city": city,
        "certifications": certifications,
        "iecic_listed": base.iecic is not None, "iecic_name_zh": base.iecic,
        "iecic_serial": None,
        "specifications": [
            {"parameter": name, "value": rng.choice(values), **({"method": m} if m else {})}
            for name, values, m in rng.sample(SPECS, rng.randint(1, 3))
        ],
        "unit": unit, "moq": moq, "stock_quantity": stock,
        "lead_time_days": rng.choice((3, 5, 7, 10, 15, 30)),
        "shelf_life_months": rng.choice((12, 18, 24, 36)),
        "packaging": rng.choice(PACKAGING),
        "currency": "USD" if country != "CN" and rng.random() < 0.3 else "CNY",
        "min_unit_price": min(p for _, p in tiers),
        "sample_available": rng.random() < 0.65,
        "incoterms": sorted(rng.sample(INCOTERMS, rng.randint(1, 3))),
        "rejection_reason": None, "suspension_reason": None,
        "review_flags": [], "changed_fields": [],
        "created_at": created, "updated_at": updated, "submitted_at": submitted,
        "published_at": published,
    }
    tier_rows = [{"listing_id": listing_id, "min_quantity": q, "unit_price": p} for q, p in tiers]
    return listing, tier_rows


_CLAUSES_ZH = (
    "{place}产地直供{zh}，{method}工艺",
    "原料来自{place}自有种植基地，{month}月采收，{method}",
    "{place}{zh}，{year}年新货，{form}",
    "采用{method}工艺，低温浓缩，不添加乙醇",
    "适用于{uses}，建议添加量{lo}–{hi}%",
    "每批附COA与MSDS，可提供第三方检测报告",
    "重金属、微生物按《化妆品安全技术规范》（{year}年版）检测",
    "{pack}包装，阴凉干燥处密封保存，保质期{shelf}个月",
    "现货充足，付款后{lead}个工作日内发货",
    "支持小批量试单，可提供{sample}g免费小样",
    "已完成化妆品新原料备案核对，原料目录序号可查",
    "工厂通过ISO 22716审核，可配合客户现场审厂",
    "可按客户要求定制含量与溶剂体系",
    "颜色随批次略有差异，不影响使用效果",
    "长期供应国内外品牌及OEM工厂，质量稳定",
    "{zh}为{place}特色原料，产量有限，欢迎预订",
)
_CLAUSES_EN = (
    "Source-direct {en} from {province}, {method}.",
    "Suggested use level {lo}-{hi}% in {uses}.",
    "COA and MSDS with every batch; third-party reports on request.",
    "Free {sample} g sample; small trial orders welcome.",
    "Ships within {lead} working days after payment.",
    "Stored cool and dry; shelf life {shelf} months in the original {pack}.",
)


def _description(rng: random.Random, base: Base, place: str, province_en: str, form: str,
                 uses_zh: str, uses_en: str, method_zh: str, method_en: str) -> str:
    """2–5 clauses in Chinese (often followed by 1–3 in English), varied like suppliers'
    own texts: fixed phrases recur, the combinations and details differ."""
    values = {
        "place": place, "zh": base.zh, "en": base.en, "province": province_en,
        "method": method_zh, "form": FORMS_ZH.get(form, form), "uses": uses_zh,
        "month": rng.randint(4, 10), "year": rng.choice((2015, 2022, 2023, 2024, 2025)),
        "lo": rng.choice((0.1, 0.5, 1, 2, 3)), "hi": rng.choice((3, 5, 8, 10, 20)),
        "pack": rng.choice(("1 kg铝箔袋", "5 kg塑料桶", "25 kg纸板桶", "200 kg铁桶")),
        "shelf": rng.choice((12, 18, 24, 36)), "lead": rng.choice((2, 3, 5, 7)),
        "sample": rng.choice((10, 20, 50, 100)),
    }
    zh = "，".join(c.format(**values) for c in rng.sample(_CLAUSES_ZH, rng.randint(2, 5))) + "。"
    values.update(method=method_en, uses=uses_en,
                  pack=rng.choice(("aluminium bag", "HDPE drum", "fibre drum", "steel drum")))
    en = " ".join(c.format(**values) for c in rng.sample(_CLAUSES_EN, rng.randint(1, 3)))
    style = rng.random()
    return zh if style < 0.55 else f"{zh}\n{en}" if style < 0.9 else en


def _supplier_weights(rng: random.Random, count: int) -> list[float]:
    """A long tail: a few suppliers with hundreds of listings, most with a few dozen."""
    weights = [1.0 / (rank + 1) ** 0.7 for rank in range(count)]
    rng.shuffle(weights)
    return weights


def generate_rows(
    listings: int, suppliers: int = DEFAULT_SUPPLIERS, seed: int = SEED
) -> tuple[list[dict[str, Any]], Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]]:
    """Organization rows, and an iterator of (listing row, tier rows)."""
    _check_registry_numbers()
    rng = random.Random(seed)
    people, org_rows = make_suppliers(rng, suppliers)
    weights = _supplier_weights(rng, len(people))

    def rows() -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
        cumulative: list[float] = []
        total = 0.0
        for w in weights:
            total += w
            cumulative.append(total)
        for index in range(listings):
            supplier = rng.choices(people, cum_weights=cumulative)[0]
            yield make_listing(rng, supplier, index)

    return org_rows, rows()


def _batches(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path.resolve()}"


def build_database(
    url: str,
    listings: int,
    *,
    suppliers: int = DEFAULT_SUPPLIERS,
    seed: int = SEED,
    wipe: bool = False,
    search_index_path: str | None = None,
    echo: bool = True,
) -> dict[str, Any]:
    """Migrate a fresh database and insert the rows; returns figures about what was made.

    `wipe`: downgrade to base first (for an existing PostgreSQL database)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import insert

    from marketplace.accounts.models import Organization
    from marketplace.app import create_app
    from marketplace.catalog.models import Listing, PriceTier
    from marketplace.extensions import db

    config: dict[str, Any] = {"SQLALCHEMY_DATABASE_URI": url}
    if search_index_path:
        config["SEARCH_INDEX_PATH"] = search_index_path
    app = create_app(config)
    started = time.perf_counter()
    categories: Counter[str] = Counter()
    tiers_total = 0
    with app.app_context():
        if wipe:
            downgrade(revision="base")
        upgrade()
        org_rows, rows = generate_rows(listings, suppliers, seed)
        db.session.execute(insert(Organization), org_rows)
        done = 0
        for batch in _batches(rows, BATCH):
            listing_rows = [listing for listing, _ in batch]
            tier_rows = [tier for _, tiers in batch for tier in tiers]
            db.session.execute(insert(Listing), listing_rows)
            db.session.execute(insert(PriceTier), tier_rows)
            categories.update(row["category"] for row in listing_rows)
            tiers_total += len(tier_rows)
            done += len(batch)
            if echo:
                print(f"\r  inserted {done:,}/{listings:,} listings", end="", flush=True)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    if echo:
        print()
    return {
        "listings": listings,
        "suppliers": len(org_rows),
        "unverified_suppliers": sum(r["verification_status"] != "verified" for r in org_rows),
        "price_tiers": tiers_total,
        "categories": dict(categories.most_common()),
        "seconds": time.perf_counter() - started,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=DEFAULT_LISTINGS)
    parser.add_argument("--suppliers", type=int, default=DEFAULT_SUPPLIERS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path,
                        help="SQLite file (default bench/data/listings-N.sqlite3)")
    parser.add_argument("--database-url", help="PostgreSQL URL (the database is wiped)")
    args = parser.parse_args(argv)
    if args.listings < 1 or args.suppliers < 1:
        parser.error("--listings and --suppliers must be positive")
    if args.database_url:
        url = args.database_url
    else:
        out = args.out or Path("bench/data") / f"listings-{args.listings}.sqlite3"
        out.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{out}{suffix}").unlink(missing_ok=True)
        url = sqlite_url(out)
    figures = build_database(url, args.listings, suppliers=args.suppliers, seed=args.seed,
                             wipe=bool(args.database_url))
    print(f"{figures['listings']:,} listings, {figures['price_tiers']:,} price tiers, "
          f"{figures['suppliers']:,} suppliers ({figures['unverified_suppliers']:,} not "
          f"verified) in {figures['seconds']:.1f} s → {url}")
    print("categories: " + ", ".join(f"{k} {v:,}" for k, v in figures["categories"].items()))


if __name__ == "__main__":
    main()
