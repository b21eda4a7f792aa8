"""The words Beacon reads in column headers, English and Chinese, to guess what a column holds and name it.

A model proposal decides from measurements, but headers say what a column means: `InvoiceNo`
and 订单编号 are ids, `unit_price` and 单价 are prices, `created_at` and 创建时间 place a row in
time. This module holds those word lists, the small glossary that labels a header in the other
language when it covers the whole header, and the synonyms that let Ask find a column by
another word for the same concept. It measures nothing and imports nothing from `semantic`.

>>> header_words("InvoiceNo"), header_role("订单编号"), header_role("unit_price")
(['invoice', 'no'], 'id', 'price')
>>> header_labels("收货地址", True), header_labels("unit_price", True)
({'en': 'Shipping address', 'zh': '收货地址'}, {'en': 'unit_price', 'zh': '单价'})
"""

from __future__ import annotations

import re

from ingest.names import safe_name

CJK = re.compile(r"[\u3400-\u9fff]")
ID_WORDS = {"id", "no", "nr", "num", "number", "uuid", "code", "key", "sku"}
ENTITY_SUFFIXES = {"id", "no", "nr", "num", "number", "uuid"}  # dropped to name what an id counts
ZH_ID = ("编号", "单号", "编码", "代码", "ID", "id")
ROLES = (  # (role, English words, Chinese parts), checked in order
    ("rate", {"rate", "ratio", "pct", "percent", "percentage", "share", "ctr", "cvr"}, ("率", "占比", "比例")),
    ("price", {"price"}, ("单价", "价格")),
    ("money", {"amount", "revenue", "sales", "total", "spend", "cost", "gmv", "income", "profit", "payment",
               "paid", "value", "fee", "budget", "discount", "refund"},
     ("金额", "销售额", "收入", "元", "费用", "花费", "成本", "利润", "支付", "营收", "预算", "总价", "折扣")),
    ("quantity", {"qty", "quantity", "units", "volume", "clicks", "impressions", "views", "visits", "sessions"},
     ("数量", "件数", "销量", "点击", "曝光", "访问", "次数")),
    ("average", {"age", "score", "rating", "stars", "duration"}, ("年龄", "评分", "分数", "得分", "时长")),
)
WORSE_WHEN_HIGHER = ({"refund", "refunds", "return", "returns", "cost", "spend", "discount", "churn"},
                     ("退款", "退货", "成本", "花费", "折扣", "流失"))
TIME_WORDS = (  # (weight, English words, Chinese parts): the event a table records comes first
    (2, {"order", "invoice", "transaction", "purchase", "sale", "event"}, ("订单", "下单", "交易", "成交")),
    (1, {"created", "create", "start", "signup", "first"}, ("创建", "开始", "注册", "首次")),
    (1, {"date", "time", "timestamp", "day", "at", "dt"}, ("日期", "时间")),
    (-1, {"end", "updated", "modified", "deleted"}, ("结束", "更新", "修改", "删除")),
)
EN_ZH = {  # read both ways (first English word wins) to label a header in the other language
    "country": "国家", "region": "地区", "province": "省份", "city": "城市", "address": "地址", "channel": "渠道",
    "origin": "来源", "source": "来源", "platform": "平台", "store": "店铺", "category": "品类", "product": "商品",
    "brand": "品牌", "stock code": "商品编码", "description": "描述", "customer": "客户", "buyer": "买家",
    "seller": "卖家", "member": "会员", "user": "用户", "order": "订单", "invoice": "发票", "campaign": "活动",
    "event": "事件", "date": "日期", "time": "时间", "created": "创建", "payment": "付款", "amount": "金额",
    "total": "总", "net": "净", "revenue": "销售额", "unit price": "单价", "price": "价格", "quantity": "数量",
    "discount": "折扣", "refund": "退款", "cost": "成本", "spend": "花费", "budget": "预算", "profit": "利润",
    "status": "状态", "type": "类型", "name": "名称", "gender": "性别", "age": "年龄", "tier": "等级",
    "shipping": "收货", "id": "编号", "no": "编号", "code": "编码", "rate": "率",
}
ZH_EN = {zh: en for en, zh in reversed(EN_ZH.items())} | {
    "编号": "ID", "实际支付": "paid", "支付": "payment", "创建时间": "creation time", "省": "province"}
SYNONYMS = {  # concept → (English, Chinese) words people also use for it
    "country": (("nation",), ("国别",)), "region": (("area", "territory"), ("区域", "大区")),
    "province": (("state",), ("省",)), "city": (("town",), ("市",)),
    "channel": (("platform", "sales channel"), ("平台", "销售渠道")),
    "origin": (("source", "acquisition channel"), ("渠道", "来源渠道")),
    "category": (("product category", "product line"), ("类目", "类别", "分类")),
    "product": (("item", "goods"), ("产品", "货品")), "customer": (("client", "buyer"), ("顾客", "买家", "用户")),
    "quantity": (("units", "volume", "qty"), ("销量", "件数")), "gender": (("sex",), ()),
    "revenue": (("sales", "turnover", "gmv", "income"), ("营收", "收入", "成交额", "GMV")),
}


def header_words(name: str) -> list[str]:
    """'InvoiceNo' → ['invoice', 'no']; 'unit_price' → ['unit', 'price']; Chinese stays one word."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return [w.lower() for w in re.findall(r"[A-Za-z]+|\d+|[\u3400-\u9fff]+", spaced)]


def has_word(name: str, english: set[str], chinese: tuple[str, ...]) -> bool:
    """Whether the header uses one of the English words (singular or plural) or contains a Chinese part."""
    words = header_words(name)
    return bool(english & {*words, *map(singular, words)}) or any(z in name for z in chinese)


def word_score(name: str, table: tuple[tuple[int, set[str], tuple[str, ...]], ...]) -> int:
    """The summed weights of the rows of `table` (see TIME_WORDS) whose words the header uses."""
    return sum(weight for weight, english, chinese in table if has_word(name, english, chinese))


def header_role(name: str) -> str | None:
    """id, rate, price, money, quantity, average or None, read from the header."""
    words = header_words(name)
    if (words and words[-1] in ID_WORDS) or name.endswith(ZH_ID):
        return "id"
    for role, english, chinese in ROLES:
        if has_word(name, english, chinese):
            return "money" if role == "price" and {"total", "amount", "sum"} & set(words) else role
    return None


def singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + ("es" if word.endswith(("x", "ch", "sh")) else "s")


def to_zh(words: list[str]) -> str | None:
    """Chinese for English words when the glossary knows every one (two-word phrases first)."""
    out, i = [], 0
    while i < len(words):
        pair = " ".join(words[i:i + 2])
        if i + 1 < len(words) and pair in EN_ZH:
            out.append(EN_ZH[pair])
            i += 2
        elif (found := EN_ZH.get(words[i]) or EN_ZH.get(singular(words[i]))) is not None:
            out.append(found)
            i += 1
        else:
            return None
    return "".join(out) or None


def to_en(text: str) -> str | None:
    """English for a Chinese header when the glossary covers all of it (longest pieces first)."""
    out, i = [], 0
    while i < len(text):
        size = next((n for n in range(min(6, len(text) - i), 0, -1) if text[i:i + n] in ZH_EN), 0)
        if not size:
            return None
        out.append(ZH_EN[text[i:i + size]])
        i += size
    words = " ".join(out)
    return words[:1].upper() + words[1:] or None


def humanize(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def header_labels(header: str, lang_labels: bool) -> dict[str, str]:
    """The header itself in its own language, and a translation into the other when known."""
    if CJK.search(header):
        return {"en": (to_en(header) if lang_labels else None) or humanize(safe_name(header)), "zh": header}
    zh = to_zh(header_words(header)) if lang_labels else None
    return {"en": header, **({"zh": zh} if zh else {})}


def header_synonyms(header: str, samples: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """Words in both languages for the concepts a header names (country ↔ 国家, region ↔ 地区...)."""
    concepts = [c for c in SYNONYMS if has_word(header, {c}, (EN_ZH[c],))]
    if any(s.endswith(("省", "自治区")) for s in samples) and "province" not in concepts:
        concepts.append("province")  # e.g. 收货地址 holding province names
    en = [w for c in concepts for w in (c, *SYNONYMS[c][0]) if w != header.lower()]
    zh = [w for c in concepts for w in (EN_ZH[c], *SYNONYMS[c][1]) if w != header]
    return {lang: tuple(dict.fromkeys(ws)) for lang, ws in (("en", en), ("zh", zh)) if ws}
