"""A small, realistic catalogue for the search contract suite (no database needed).

Listings are real `Listing`/`Organization` objects that are never added to a session;
`documents()` turns them into search documents with `search.documents.listing_document`.
Ids are readable so expectations in the tests read like the catalogue.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from marketplace.accounts.models import Organization
from marketplace.catalog.models import Listing, PriceTier
from search.documents import listing_document

_T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def _org(org_id: str, name: str, province: str, verified: bool) -> Organization:
    return Organization(
        id=org_id, name=name, kind="supplier", country="CN", province=province,
        verification_status="verified" if verified else "unverified",
    )


ORGS = {
    "rose": _org("org_rosevalley", "平阴玫瑰谷生物科技有限公司", "山东", True),
    "kushui": _org("org_kushui", "永登苦水玫瑰合作社", "甘肃", False),
    "huoshan": _org("org_huoshan", "霍山石斛源农业开发有限公司", "安徽", True),
    "helan": _org("org_helan", "宁夏贺兰山油脂有限公司", "宁夏", True),
    "diancao": _org("org_diancao", "云南滇草生物科技有限公司", "云南", True),
    "qinglan": _org("org_qinglan", "浙江青岚生物科技有限公司", "浙江", False),
    "tianshan": _org("org_tianshan", "伊犁天山香料有限公司", "新疆", True),
    "changbai": _org("org_changbai", "吉林长白山参业有限公司", "吉林", True),
    "luquan": _org("org_luquan", "山东鲁泉生物科技有限公司", "山东", True),
    "huacheng": _org("org_huacheng", "江苏华澄精细化工有限公司", "江苏", False),
}


def _listing(
    listing_id: str,
    org: str,
    *,
    day: int,
    price: str,
    moq: str,
    stock: str,
    **fields: Any,
) -> Listing:
    supplier = ORGS[org]
    fields.setdefault("origin_country", "CN")
    fields.setdefault("unit", "kg")
    fields.setdefault("currency", "CNY")
    fields.setdefault("certifications", [])
    fields.setdefault("sample_available", False)
    published = _T0 + timedelta(days=day)
    return Listing(
        id=listing_id, supplier_id=supplier.id, supplier=supplier, status="published",
        version=1, moq=Decimal(moq), stock_quantity=Decimal(stock),
        min_unit_price=Decimal(price),
        price_tiers=[PriceTier(min_quantity=Decimal(moq), unit_price=Decimal(price))],
        created_at=published - timedelta(days=2), updated_at=published, published_at=published,
        **fields,
    )


def listings() -> list[Listing]:
    """Fresh listing objects (tests may change them)."""
    return [
        _listing(
            "lst_rose_extract", "rose", day=1, price="380.00", moq="1", stock="200",
            title_zh="平阴玫瑰花提取物", title_en="Pingyin Rose Flower Extract",
            inci_name="Rosa Rugosa Flower Extract", cas_number="84696-47-9",
            botanical_name="Rosa rugosa Thunb.", plant_part="花", category="plant_extract",
            extraction_method="水提醇沉", form="粉末", origin_province="山东",
            origin_city="济南", certifications=["CN_ORGANIC", "GI"], sample_available=True,
            description="山东平阴重瓣玫瑰花蕾，低温水提，富含多酚与黄酮，用于舒缓与抗氧化配方。",
        ),
        _listing(
            "lst_rose_water", "rose", day=5, price="45.00", moq="25", stock="1000",
            title_zh="玫瑰纯露", title_en="Rose Flower Water",
            inci_name="Rosa Rugosa Flower Water", botanical_name="Rosa rugosa Thunb.",
            category="floral_water", extraction_method="水蒸气蒸馏", form="液体",
            origin_province="山东", origin_city="济南", certifications=["CN_ORGANIC"],
            sample_available=True,
            description="蒸馏玫瑰精油时收集的芳香水，可直接用作爽肤水基底。",
        ),
        _listing(
            "lst_rose_oil", "kushui", day=3, price="28000.00", moq="0.1", stock="2",
            title_zh="苦水玫瑰精油", title_en="Kushui Rose Oil",
            inci_name="Rosa Rugosa Flower Oil", cas_number="8007-01-0",
            botanical_name="Rosa sertata × Rosa rugosa", category="essential_oil",
            extraction_method="水蒸气蒸馏", form="液体", origin_province="甘肃",
            origin_city="兰州", certifications=["GI"], unit="kg",
            description="甘肃永登苦水玫瑰，约三吨鲜花得一公斤精油。",
        ),
        _listing(
            "lst_dendrobium", "huoshan", day=2, price="1200.00", moq="1", stock="50",
            title_zh="霍山石斛提取物", title_en="Dendrobium Huoshanense Extract",
            inci_name="Dendrobium Huoshanense Stem Extract",
            botanical_name="Dendrobium huoshanense", plant_part="茎", category="plant_extract",
            form="粉末", origin_province="安徽", origin_city="六安",
            certifications=["GI", "CN_ORGANIC"], sample_available=True,
            description="安徽霍山特产米斛，石斛多糖含量高，用于保湿与修护。",
        ),
        _listing(
            "lst_dendrobium_zj", "qinglan", day=9, price="680.00", moq="5", stock="0",
            title_zh="铁皮石斛茎提取物", title_en="Dendrobium Officinale Stem Extract",
            inci_name="Dendrobium Officinale Stem Extract",
            botanical_name="Dendrobium officinale", plant_part="茎", category="plant_extract",
            form="液体", origin_province="浙江", origin_city="金华",
            description="浙江雁荡山铁皮石斛鲜条萃取。",
        ),
        _listing(
            "lst_grapeseed_oil", "helan", day=4, price="68.00", moq="50", stock="5000",
            title_zh="冷榨葡萄籽油", title_en="Cold Pressed Grape Seed Oil",
            inci_name="Vitis Vinifera (Grape) Seed Oil", cas_number="8024-22-2",
            botanical_name="Vitis vinifera", plant_part="籽", category="vegetable_oil",
            extraction_method="冷榨", form="液体", origin_province="宁夏",
            origin_city="银川", certifications=["HALAL", "ISO_22716"], sample_available=True,
            description="贺兰山东麓酿酒葡萄的籽，冷榨工艺，亚油酸含量约70%。",
        ),
        _listing(
            "lst_grapeseed_extract", "helan", day=6, price="420.00", moq="5", stock="300",
            title_zh="葡萄籽提取物", title_en="Grape Seed Extract OPC 95%",
            inci_name="Vitis Vinifera (Grape) Seed Extract", cas_number="84929-27-1",
            botanical_name="Vitis vinifera", plant_part="籽", category="plant_extract",
            form="粉末", origin_province="宁夏", origin_city="银川",
            certifications=["HALAL"], description="原花青素（OPC）≥95%，强效抗氧化。",
        ),
        _listing(
            "lst_centella_yn", "diancao", day=7, price="260.00", moq="5", stock="400",
            title_zh="积雪草提取物", title_en="Centella Asiatica Extract",
            inci_name="Centella Asiatica Extract", cas_number="84696-21-9",
            botanical_name="Centella asiatica", plant_part="全草", category="plant_extract",
            form="粉末", origin_province="云南", origin_city="文山",
            certifications=["COSMOS_NATURAL", "VEGAN"], sample_available=True,
            description="云南文山积雪草，积雪草苷与羟基积雪草苷合计≥40%。",
        ),
        _listing(
            "lst_centella_zj", "qinglan", day=8, price="190.00", moq="10", stock="800",
            title_zh="积雪草叶水", title_en=None,
            inci_name="Centella Asiatica Leaf Water", botanical_name="Centella asiatica",
            plant_part="叶", category="floral_water", form="液体", origin_province="浙江",
            origin_city="丽水", certifications=["VEGAN"],
            description="浙江丽水种植基地，鲜叶蒸馏。",
        ),
        _listing(
            "lst_lavender_oil", "tianshan", day=10, price="520.00", moq="1", stock="120",
            title_zh="伊犁薰衣草精油", title_en="Yili Lavender Essential Oil",
            inci_name="Lavandula Angustifolia (Lavender) Oil", cas_number="8000-28-0",
            botanical_name="Lavandula angustifolia", plant_part="花穗",
            category="essential_oil", extraction_method="水蒸气蒸馏", form="液体",
            origin_province="新疆", origin_city="伊犁", certifications=["ECOCERT", "HALAL"],
            sample_available=True, description="新疆伊犁河谷种植，芳樟醇与乙酸芳樟酯含量高。",
        ),
        _listing(
            "lst_ginseng", "changbai", day=11, price="880.00", moq="1", stock="60",
            title_zh="人参根提取物", title_en="Ginseng Root Extract",
            inci_name="Panax Ginseng Root Extract", cas_number="84650-12-4",
            botanical_name="Panax ginseng C.A.Mey.", plant_part="根", category="plant_extract",
            form="粉末", origin_province="吉林", origin_city="白山",
            certifications=["CN_ORGANIC"],
            description="长白山林下参，人参皂苷≥10%。",
        ),
        _listing(
            "lst_ha_sd", "luquan", day=12, price="1500.00", moq="1", stock="500",
            title_zh="透明质酸钠", title_en="Sodium Hyaluronate (Cosmetic Grade)",
            inci_name="Sodium Hyaluronate", cas_number="9067-32-7", category="humectant",
            form="粉末", origin_province="山东", origin_city="济南",
            certifications=["ISO_22716", "HALAL"], sample_available=True,
            description="微生物发酵法生产，分子量100万-140万道尔顿。",
        ),
        _listing(
            "lst_ha_zj", "qinglan", day=13, price="2100.00", moq="0.5", stock="20",
            title_zh="低分子透明质酸钠", title_en="Low Molecular Weight Sodium Hyaluronate",
            inci_name="Sodium Hyaluronate", cas_number="9067-32-7", category="humectant",
            form="粉末", origin_province="浙江", origin_city="杭州",
            certifications=["ISO_22716"],
            description="分子量小于1万道尔顿，易渗透。",
        ),
        _listing(
            "lst_niacinamide", "huacheng", day=14, price="95.00", moq="25", stock="2000",
            title_zh="烟酰胺", title_en="Niacinamide (Vitamin B3)", inci_name="Niacinamide",
            cas_number="98-92-0", ec_number="202-713-4", category="active", form="粉末",
            origin_province="江苏", origin_city="南通", certifications=["ISO_22716"],
            description="纯度≥99.5%，低烟酸残留。",
        ),
        _listing(
            "lst_dpg", "tianshan", day=15, price="1350.00", moq="1", stock="80",
            title_zh="甘草酸二钾", title_en="Dipotassium Glycyrrhizate",
            inci_name="Dipotassium Glycyrrhizate", cas_number="68797-35-3",
            category="active", form="粉末", origin_province="新疆", origin_city="阿克苏",
            certifications=["HALAL"], sample_available=True,
            description="以新疆乌拉尔甘草为原料，舒缓抗敏。",
        ),
        _listing(
            "lst_licorice", "tianshan", day=16, price="3200.00", moq="0.5", stock="10",
            title_zh="光果甘草根提取物", title_en="Licorice Root Extract (Glabridin 40%)",
            inci_name="Glycyrrhiza Glabra (Licorice) Root Extract", cas_number="84775-66-6",
            botanical_name="Glycyrrhiza glabra", plant_part="根", category="plant_extract",
            form="粉末", origin_province="新疆", origin_city="塔城",
            certifications=["HALAL", "VEGAN"],
            description="光甘草定含量40%，美白淡斑。",
        ),
        _listing(
            "lst_squalane", "huacheng", day=17, price="160.00", moq="20", stock="900",
            title_zh="植物角鲨烷", title_en="Plant Squalane", inci_name="Squalane",
            cas_number="111-01-3", category="emollient", form="液体",
            origin_province="江苏", origin_city="南通", certifications=["VEGAN"],
            description="由橄榄油脱臭馏出物加氢制得。",
        ),
        _listing(
            "lst_glycerin", "luquan", day=18, price="12.50", moq="200", stock="20000",
            title_zh="植物甘油", title_en="Vegetable Glycerin 99.7%", inci_name="Glycerin",
            cas_number="56-81-5", category="humectant", form="液体",
            origin_province="山东", origin_city="潍坊", certifications=["HALAL", "KOSHER"],
            description="棕榈仁油来源，USP级。",
        ),
        _listing(
            "lst_massage_blend", "huacheng", day=19, price="150.00", moq="10", stock="300",
            title_zh="舒缓复方按摩油", title_en="Soothing Massage Oil Blend",
            inci_name="Caprylic/Capric Triglyceride, Parfum", category="other", form="液体",
            origin_province="江苏", origin_city="苏州",
            description="以中链甘油三酯为基底，调入少量玫瑰与薰衣草香气。",
        ),
        _listing(
            "lst_seabuckthorn", "helan", day=20, price="310.00", moq="5", stock="150",
            title_zh="沙棘果油", title_en="Sea Buckthorn Fruit Oil",
            inci_name="Hippophae Rhamnoides Fruit Oil", cas_number="225234-03-7",
            botanical_name="Hippophae rhamnoides", plant_part="果", category="vegetable_oil",
            extraction_method="超临界CO2萃取", form="液体", origin_province="宁夏",
            origin_city="固原", certifications=["CN_ORGANIC", "HALAL"],
            description="富含棕榈油酸与类胡萝卜素。",
        ),
    ]


def documents() -> list[dict[str, Any]]:
    return [listing_document(listing) for listing in listings()]


ALL_IDS = frozenset(listing.id for listing in listings())
