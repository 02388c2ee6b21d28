"""Write N realistic listing rows in the import format (UTF-8 with BOM), deterministically.

    .venv/bin/python -m bench.generate_import_csv 10000 /tmp/listings-10000.csv

Ingredients, grades, origins, tiers, certifications and specifications vary row to row;
the same N always gives the same file (fixed seed). Every row is valid, so an import of
the file should create N drafts.
"""

from __future__ import annotations

import argparse
import csv
import random
from decimal import Decimal
from pathlib import Path

from marketplace.catalog.importer import COLUMNS

SEED = 20_260_101

# title_zh, title_en, INCI, CAS, category, botanical, part, method, form, province, city,
# base price CNY/kg, IECIC name.
INGREDIENTS: tuple[tuple[str, ...], ...] = (
    ("平阴重瓣玫瑰花提取物", "Pingyin Rose Flower Extract", "Rosa Rugosa Flower Extract", "",
     "plant_extract", "Rosa rugosa Thunb.", "flower", "water-glycerin extraction", "liquid",
     "山东", "济南", "180", "玫瑰（ROSA RUGOSA）花提取物"),
    ("大马士革玫瑰精油", "Damask Rose Oil", "Rosa Damascena Flower Oil", "8007-01-0",
     "essential_oil", "Rosa damascena Mill.", "flower", "steam distillation", "oil",
     "山东", "济南", "42000", "突厥蔷薇（ROSA DAMASCENA）花油"),
    ("宁夏葡萄籽油", "Ningxia Grape Seed Oil", "Vitis Vinifera (Grape) Seed Oil", "85594-37-2",
     "vegetable_oil", "Vitis vinifera L.", "seed", "cold pressed", "oil", "宁夏", "银川", "95",
     "葡萄（VITIS VINIFERA）籽油"),
    ("霍山石斛提取物", "Huoshan Dendrobium Extract", "Dendrobium Huoshanense Extract", "",
     "plant_extract", "Dendrobium huoshanense", "stem", "ultrasonic extraction", "powder",
     "安徽", "六安", "2600", ""),
    ("伊犁薰衣草精油", "Yili Lavender Oil", "Lavandula Angustifolia (Lavender) Oil", "8000-28-0",
     "essential_oil", "Lavandula angustifolia Mill.", "flower", "steam distillation", "oil",
     "新疆", "伊犁", "680", "薰衣草（LAVANDULA ANGUSTIFOLIA）油"),
    ("透明质酸钠", "Sodium Hyaluronate", "Sodium Hyaluronate", "9067-32-7", "humectant", "", "",
     "fermentation", "powder", "山东", "济南", "3200", "透明质酸钠"),
    ("甘草根提取物", "Licorice Root Extract", "Glycyrrhiza Uralensis (Licorice) Root Extract",
     "84775-66-6", "plant_extract", "Glycyrrhiza uralensis Fisch.", "root", "ethanol extraction",
     "powder", "甘肃", "酒泉", "560", "乌拉尔甘草（GLYCYRRHIZA URALENSIS）根提取物"),
    ("人参根提取物", "Ginseng Root Extract", "Panax Ginseng Root Extract", "84650-12-4",
     "plant_extract", "Panax ginseng C.A.Mey.", "root", "water extraction", "liquid", "吉林",
     "白山", "420", "人参（PANAX GINSENG）根提取物"),
    ("油茶籽油", "Camellia Seed Oil", "Camellia Oleifera Seed Oil", "225233-97-6",
     "vegetable_oil", "Camellia oleifera Abel.", "seed", "cold pressed", "oil", "江西", "赣州",
     "120", "油茶（CAMELLIA OLEIFERA）籽油"),
    ("积雪草提取物", "Centella Asiatica Extract", "Centella Asiatica Extract", "84696-21-9",
     "plant_extract", "Centella asiatica (L.) Urb.", "whole plant", "ethanol extraction",
     "powder", "广西", "玉林", "1500", "积雪草（CENTELLA ASIATICA）提取物"),
    ("烟酰胺", "Niacinamide", "Niacinamide", "98-92-0", "active", "", "", "synthesis", "powder",
     "浙江", "杭州", "85", "烟酰胺"),
    ("植物甘油", "Vegetable Glycerin", "Glycerin", "56-81-5", "humectant", "", "",
     "hydrolysis", "liquid", "江苏", "南通", "12", "甘油"),
    ("橄榄角鲨烷", "Olive Squalane", "Squalane", "111-01-3", "emollient", "Olea europaea L.", "",
     "hydrogenation", "oil", "浙江", "宁波", "260", "角鲨烷"),
    ("天然维生素E", "Natural Vitamin E", "Tocopherol", "59-02-9", "active", "", "",
     "molecular distillation", "oil", "浙江", "杭州", "210", "生育酚（维生素E）"),
    ("荷荷巴油", "Jojoba Oil", "Simmondsia Chinensis (Jojoba) Seed Oil", "61789-91-1",
     "vegetable_oil", "Simmondsia chinensis", "seed", "cold pressed", "oil", "云南", "元谋",
     "230", "油蜡树（SIMMONDSIA CHINENSIS）籽油"),
    ("乳木果脂", "Shea Butter", "Butyrospermum Parkii (Shea) Butter", "194043-92-0",
     "emollient", "Butyrospermum parkii", "nut", "refined", "solid", "广东", "广州", "68",
     "牛油果树（BUTYROSPERMUM PARKII）果脂"),
    ("依克多因", "Ectoin", "Ectoin", "96702-03-3", "active", "", "", "fermentation", "powder",
     "山东", "潍坊", "5800", "四氢甲基嘧啶羧酸"),
    ("D-泛醇", "D-Panthenol", "Panthenol", "81-13-0", "active", "", "", "synthesis", "liquid",
     "浙江", "绍兴", "150", "泛醇"),
    ("芦荟叶汁", "Aloe Leaf Juice", "Aloe Barbadensis Leaf Juice", "85507-69-3",
     "plant_extract", "Aloe barbadensis Mill.", "leaf", "cold pressed", "liquid", "云南", "元江",
     "45", "库拉索芦荟（ALOE BARBADENSIS）叶汁"),
    ("母菊花提取物", "Chamomile Flower Extract", "Chamomilla Recutita (Matricaria) Flower Extract",
     "84082-60-0", "plant_extract", "Matricaria chamomilla L.", "flower", "CO2 extraction",
     "liquid", "新疆", "塔城", "380", "母菊（CHAMOMILLA RECUTITA）花提取物"),
    ("金缕梅水", "Witch Hazel Water", "Hamamelis Virginiana (Witch Hazel) Water", "68916-39-2",
     "floral_water", "Hamamelis virginiana L.", "leaf", "steam distillation", "liquid", "湖北",
     "恩施", "38", "北美金缕梅（HAMAMELIS VIRGINIANA）水"),
    ("黄原胶", "Xanthan Gum", "Xanthan Gum", "11138-66-2", "thickener", "", "", "fermentation",
     "powder", "内蒙古", "呼和浩特", "32", "黄原胶"),
    ("鲸蜡硬脂醇", "Cetearyl Alcohol", "Cetearyl Alcohol", "67762-27-0", "emulsifier", "", "",
     "hydrogenation", "flakes", "广东", "佛山", "26", "鲸蜡硬脂醇"),
    ("苯氧乙醇", "Phenoxyethanol", "Phenoxyethanol", "122-99-6", "preservative", "", "",
     "synthesis", "liquid", "江苏", "苏州", "48", "苯氧乙醇"),
    ("抗坏血酸葡糖苷", "Ascorbyl Glucoside", "Ascorbyl Glucoside", "129499-78-1", "active", "",
     "", "enzymatic synthesis", "powder", "山东", "济南", "720", "抗坏血酸葡糖苷"),
    ("茶树精油", "Tea Tree Oil", "Melaleuca Alternifolia (Tea Tree) Leaf Oil", "68647-73-4",
     "essential_oil", "Melaleuca alternifolia", "leaf", "steam distillation", "oil", "广西",
     "桂林", "290", "互生叶白千层（MELALEUCA ALTERNIFOLIA）叶油"),
    ("迷迭香叶提取物", "Rosemary Leaf Extract", "Rosmarinus Officinalis (Rosemary) Leaf Extract",
     "84604-14-8", "plant_extract", "Rosmarinus officinalis L.", "leaf", "CO2 extraction",
     "powder", "云南", "昆明", "340", "迷迭香（ROSMARINUS OFFICINALIS）叶提取物"),
    ("甜橙精油", "Sweet Orange Oil", "Citrus Aurantium Dulcis (Orange) Peel Oil", "8008-57-9",
     "fragrance", "Citrus sinensis (L.) Osbeck", "peel", "cold pressed", "oil", "江西", "赣州",
     "110", "甜橙（CITRUS AURANTIUM DULCIS）果皮油"),
    ("银杏叶提取物", "Ginkgo Leaf Extract", "Ginkgo Biloba Leaf Extract", "90045-36-6",
     "plant_extract", "Ginkgo biloba L.", "leaf", "ethanol extraction", "powder", "江苏", "邳州",
     "480", "银杏（GINKGO BILOBA）叶提取物"),
    ("桂花净油", "Osmanthus Absolute", "Osmanthus Fragrans Flower Extract", "", "fragrance",
     "Osmanthus fragrans Lour.", "flower", "solvent extraction", "liquid", "广西", "桂林",
     "26000", "桂花（OSMANTHUS FRAGRANS）花提取物"),
)
GRADES = ("", "（化妆品级）", "（有机）", "（高纯）", "（标准品）", "（批次A）", "（批次B）")
CERTIFICATIONS = ("COSMOS_ORGANIC", "COSMOS_NATURAL", "ECOCERT", "USDA_ORGANIC", "CN_ORGANIC",
                  "HALAL", "KOSHER", "VEGAN", "ISO_22716", "GI")
INCOTERMS = ("EXW", "FCA", "FOB", "CIF", "DAP")
PACKAGING = ("1 kg aluminium bottle", "5 kg HDPE jerrican", "25 kg HDPE drum",
             "25 kg fibre drum", "190 kg steel drum", "1000 L IBC")
SPECS = (
    ("Appearance", ("light yellow liquid", "white powder", "clear oil", "amber liquid"), ""),
    ("pH", ("4.0-6.0", "5.5-7.0", "6.0-8.0"), "GB/T 13531.1"),
    ("Heavy metals", ("≤10 ppm", "≤20 ppm"), "GB/T 30942"),
    ("Total bacteria", ("≤100 CFU/g", "≤1000 CFU/g"), "GB/T 30941"),
    ("Assay", ("≥95%", "≥98%", "≥99%"), "HPLC"),
    ("Acid value", ("≤0.5 mg KOH/g", "≤1.0 mg KOH/g"), "GB 5009.229"),
)


def _tiers(rng: random.Random, base: Decimal, unit: str) -> tuple[str, str]:
    moq = rng.choice((1, 5, 10, 25, 50, 100) if unit == "kg" else (100, 500, 1000))
    factor = Decimal(rng.randint(80, 125)) / 100
    price = (base * factor).quantize(Decimal("0.01"))
    tiers = [(moq, price)]
    for _ in range(rng.randint(0, 3)):
        quantity = tiers[-1][0] * rng.choice((2, 4, 5, 10))
        price = max((price * rng.randint(85, 97) / 100).quantize(Decimal("0.01")),
                    Decimal("0.01"))
        tiers.append((quantity, price))
    return str(moq), ";".join(f"{q}:{p}" for q, p in tiers)


def make_row(rng: random.Random, index: int) -> dict[str, str]:
    (title_zh, title_en, inci, cas, category, botanical, part, method, form, province, city,
     base, iecic_name) = rng.choice(INGREDIENTS)
    unit = "g" if Decimal(base) > 20000 and rng.random() < 0.7 else "kg"
    base_price = Decimal(base) / (1000 if unit == "g" else 1)
    moq, tiers = _tiers(rng, base_price, unit)
    specs = rng.sample(SPECS, rng.randint(1, 3))
    grade = rng.choice(GRADES)
    return {
        "title_zh": f"{title_zh}{grade}",
        "title_en": f"{title_en} #{index}",
        "inci_name": inci,
        "cas_number": cas,
        "category": category,
        "botanical_name": botanical,
        "plant_part": part,
        "extraction_method": method,
        "form": form,
        "description": f"{province}{city}产地直供{title_zh}，{method}，每批附COA与MSDS。",
        "origin_country": "CN",
        "origin_province": province,
        "origin_city": city,
        "certifications": ";".join(rng.sample(CERTIFICATIONS, rng.randint(0, 3))),
        "iecic_listed": "是" if iecic_name else "否",
        "iecic_name_zh": iecic_name,
        "specifications": ";".join(
            f"{name}={rng.choice(values)}" + (f"@{test}" if test else "")
            for name, values, test in specs
        ),
        "unit": unit,
        "moq": moq,
        "stock_quantity": str(int(moq) * rng.randint(5, 400)),
        "lead_time_days": str(rng.choice((3, 7, 10, 15, 30))),
        "shelf_life_months": str(rng.choice((12, 18, 24, 36))),
        "packaging": rng.choice(PACKAGING),
        "currency": "CNY",
        "price_tiers": tiers,
        "sample_available": rng.choice(("true", "false", "yes")),
        "incoterms": ";".join(rng.sample(INCOTERMS, rng.randint(1, 3))),
    }


def generate(rows: int, out: Path, seed: int = SEED) -> int:
    """Write the file; returns its size in bytes."""
    rng = random.Random(seed)
    with out.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for index in range(1, rows + 1):
            writer.writerow(make_row(rng, index))
    return out.stat().st_size


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    size = generate(args.rows, args.out, args.seed)
    print(f"wrote {args.rows} rows, {size / 1024 / 1024:.2f} MiB → {args.out}")


if __name__ == "__main__":
    main()
