"""The demo organizations. Add a dict to extend the seed; `seed.py` reads only this data.

USCCs are built with a real GB 32100 check character from each supplier's actual region
code, so verification works as it would for a real licence.
"""

from __future__ import annotations

DEMO_PASSWORD = "demo-password-2026"
OPERATOR = {"email": "operator@meigu.example", "display_name": "平台审核员 王敏"}

SUPPLIERS: list[dict[str, str]] = [
    {
        "key": "pingyin_rose", "name": "平阴玫瑰生物科技有限公司", "email": "rose@pingyin.example",
        "contact": "李秀英", "province": "山东", "city": "济南", "region": "370124",
    },
    {
        "key": "huoshan_dendrobium", "name": "霍山石斛生态农业有限公司",
        "email": "sales@huoshan-shihu.example", "contact": "张伟", "province": "安徽",
        "city": "六安", "region": "341525",
    },
    {
        "key": "ningxia_grape", "name": "宁夏贺兰山葡萄籽油有限公司",
        "email": "oil@helanshan.example", "contact": "马强", "province": "宁夏",
        "city": "银川", "region": "640100",
    },
    {
        "key": "yunnan_botanicals", "name": "云南高原植物提取有限公司",
        "email": "export@yn-botanicals.example", "contact": "杨丽", "province": "云南",
        "city": "昆明", "region": "530100",
    },
    {
        "key": "xinjiang_lavender", "name": "伊犁薰衣草精油有限公司",
        "email": "lavender@yili.example", "contact": "阿依古丽", "province": "新疆",
        "city": "伊犁", "region": "654000",
    },
    {
        "key": "zhejiang_actives", "name": "浙江华美生物科技股份有限公司",
        "email": "actives@huamei-bio.example", "contact": "陈静", "province": "浙江",
        "city": "杭州", "region": "330100",
    },
    {
        "key": "changbai_ginseng", "name": "长白山人参生物制品有限公司",
        "email": "ginseng@changbai.example", "contact": "金成浩", "province": "吉林",
        "city": "白山", "region": "220600",
    },
    {
        "key": "shandong_ha", "name": "山东福源透明质酸有限公司",
        "email": "ha@fuyuan-bio.example", "contact": "刘洋", "province": "山东",
        "city": "济南", "region": "370100",
    },
    {
        "key": "gansu_licorice", "name": "甘肃陇原甘草制品有限公司",
        "email": "licorice@longyuan.example", "contact": "王芳", "province": "甘肃",
        "city": "酒泉", "region": "620900",
    },
    {
        # Deliberately left unverified: shows the verification queue in the demo.
        "key": "guangxi_newcomer", "name": "广西桂花香料新创有限公司",
        "email": "hello@guihua.example", "contact": "黄磊", "province": "广西",
        "city": "桂林", "region": "450300", "verification": "pending",
    },
]

BUYERS: list[dict[str, str]] = [
    {
        "key": "brand_qingyan", "name": "清妍化妆品品牌管理（上海）有限公司",
        "email": "purchasing@qingyan.example", "contact": "周婷", "country": "CN",
    },
    {
        "key": "oem_guangzhou", "name": "广州美源化妆品OEM制造有限公司",
        "email": "sourcing@meiyuan-oem.example", "contact": "吴军", "country": "CN",
    },
    {
        "key": "odm_suzhou", "name": "苏州雅研生物科技ODM有限公司",
        "email": "rd@yayan-odm.example", "contact": "徐娜", "country": "CN",
    },
]
