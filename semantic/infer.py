"""Propose a semantic model for tables a user has just loaded, so Explore and Ask work at once.

The proposal decides only from what it measured: column types and a profile from one
aggregate query per table (counts, distinct counts, min/max, frequent values), plus one
query per candidate join to check that the keys really match. Everything it keeps has
compiled and run on the data; anything that failed is left out and named in the model's
description, so a person reviews a model that works rather than one that looks right.

Ids are safe names (pinyin for Chinese headers); labels keep the user's own headers, with
the other language added where a small glossary can translate the whole header.

>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.sql("CREATE TABLE sales AS SELECT DATE '2024-01-01' + i::INT AS sale_date, ['North', 'South'][i % 2 + 1] "
...         "AS region, i % 7 + 1 AS qty, 2.5 AS unit_price FROM range(100) t(i)")
>>> model = propose_model(con, ["sales"], "shop")
>>> model.tables["sales"].time, list(model.dimensions), list(model.metrics)
('sale_date', ['region'], ['revenue', 'qty', 'avg_unit_price', 'sales_rows'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import sqlglot
import yaml
from sqlglot import exp

from errors import BeaconError, InputError, UnknownNameError
from ingest.names import safe_name, unique_names
from semantic.compile import compile_query
from semantic.model import Described, Dimension, Join, Measure, Metric, SemanticModel, Table, model_to_dict, parse_model
from semantic.plan import reachable_dimensions
from semantic.query import GRAINS, SemanticQuery

LOW_CARDINALITY = 50  # text with at most this many values, or ...
LOW_CARDINALITY_SHARE = 0.05  # ... this share of the rows, is a dimension
JOIN_COVERAGE = 0.9  # share of a key's non-null rows that must find their row in the other table
TEXT_TIME_SHARE = 0.95  # a text column whose values read as timestamps this often holds dates
PERCENT_MAX = 1.5  # a rate whose values stay below this is a fraction, shown as a percent

CJK = re.compile(r"[\u3400-\u9fff]")
PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "UHUGEINT"}
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
AGG_FORMAT = {"rate": ("avg", "percent"), "price": ("avg", "currency"), "money": ("sum", "currency"),
              "quantity": ("sum", "integer"), "average": ("avg", "number"), None: ("sum", "number")}
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


@dataclass(frozen=True)
class Column:
    """One column's profile: everything the proposal decides from."""

    name: str
    kind: str  # integer, number, date, timestamp, boolean, text or other
    rows: int
    non_null: int = 0
    distinct: int = 0
    high: Any = None  # the maximum, for numbers, dates and booleans
    text_times: int = 0  # text values that read as timestamps
    samples: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return safe_name(self.name)

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "number")

    @property
    def unique(self) -> bool:
        return self.rows > 0 and self.distinct == self.non_null == self.rows

    @property
    def holds_times(self) -> bool:
        return self.kind == "text" and self.non_null > 0 and self.text_times >= TEXT_TIME_SHARE * self.non_null


@dataclass(frozen=True)
class Profile:
    name: str  # as the database names it
    id: str
    rows: int
    columns: tuple[Column, ...]
    foreign: frozenset[str] = frozenset()  # columns that join to another table's key

    def column(self, column_id: str) -> Column | None:
        return next((c for c in self.columns if c.id == column_id), None)

    @property
    def time(self) -> Column | None:
        """The date or timestamp column that best places a row in time (see TIME_WORDS), fullest first."""
        dated = [c for c in self.columns if c.kind in ("date", "timestamp") and c.non_null]
        return max(dated, key=lambda c: _score(c, TIME_WORDS) + c.non_null / c.rows, default=None)

    @property
    def keys(self) -> list[Column]:
        """Columns that identify a row (unique, never null, named like an id), the table's own id first."""
        found = [c for c in self.columns if c.unique and _role(c) == "id" and c.kind in ("integer", "number", "text")]
        return sorted(found, key=lambda c: c.id not in ("id", f"{_singular(self.id)}_id"))

    @property
    def key(self) -> Column | None:
        """The primary key: the first key that is not a reference to another table's row."""
        return next((c for c in self.keys if c.name not in self.foreign), None) or next(iter(self.keys), None)


@dataclass(frozen=True)
class _Proposal:
    """A metric with its one measure, before names are settled across tables."""

    base: str
    table: str
    agg: str
    expr: str
    format: str
    texts: Described
    priority: int = 1  # lower claims its name first: 0 revenue and a table's own count ... 3 row counts
    measure: str = ""
    higher_is_better: bool = True


def propose_model(con: duckdb.DuckDBPyConnection, tables: list[str], name: str,
                  lang_labels: bool = True) -> SemanticModel:
    """A model for `tables` that `parse_model` accepts and whose every part compiles and runs on `con`.

    `lang_labels` adds a label in the other language where the glossary translates a whole header.
    """
    _check_tables(con, tables)
    profiles = [_profile(con, table, table_id) for table, table_id in zip(tables, unique_names(tables), strict=True)]
    joins = _joins(con, profiles)
    profiles = [replace(p, foreign=frozenset(a for j in joins if j.left == p.id for a, _ in j.on)) for p in profiles]
    dimensions = _dimensions(profiles, joins, lang_labels)
    measures, metrics = _metrics(profiles, set(dimensions) | set(GRAINS), lang_labels)
    model = SemanticModel(name=name, labels={"en": name}, tables={p.id: _table(p, lang_labels) for p in profiles},
                          joins=tuple(joins), dimensions=dimensions, measures=measures, metrics=metrics)
    model, dropped = _self_check(con, model)
    notes = [note for p in profiles for note in _time_notes(p)] + dropped
    model = replace(model, descriptions=_description(tables, notes))
    text = yaml.safe_dump(model_to_dict(model), allow_unicode=True, sort_keys=False)
    return parse_model(text, f"{name}.yaml")


# --- profile -------------------------------------------------------------------------------------

def _profile(con: duckdb.DuckDBPyConnection, table: str, table_id: str) -> Profile:
    """Types from the table's schema, the rest from one aggregate query over all its rows."""
    source = exp.to_table(table)
    relation = con.sql(exp.select("*").from_(source.copy()).limit(0).sql("duckdb"))
    kinds = [_kind(str(t)) for t in relation.types]
    parts: list[exp.Expression] = [exp.Count(this=exp.Star())]
    for name, kind in zip(relation.columns, kinds, strict=True):
        parts += _aggregates(exp.column(name, quoted=True), kind)
    row = _fetch(con, exp.select(*parts).from_(source))[0]
    rows = int(row[0])
    columns = []
    for i, (name, kind) in enumerate(zip(relation.columns, kinds, strict=True)):
        non_null, distinct, high, text_times, frequent = row[1 + 5 * i:6 + 5 * i]
        columns.append(Column(name, kind, rows, non_null or 0, distinct or 0, high, text_times or 0,
                              tuple(str(v) for v in frequent or ())))
    return Profile(table, table_id, rows, tuple(columns))


def _check_tables(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Refuse, in words, a table the connection cannot see, before any query names it."""
    if not tables:
        raise InputError("Choose at least one table to propose a model for.")
    known = [r[0] for r in _fetch(con, exp.select("table_name").from_("information_schema.tables"))]
    lowered = {k.lower() for k in known}
    for table in tables:
        if table.split(".")[-1].lower() not in lowered:
            raise UnknownNameError("table", table, known)


def _kind(type_name: str) -> str:
    base = type_name.upper().split("(")[0]
    if base in INTEGERS:
        return "integer"
    if base in ("FLOAT", "DOUBLE", "DECIMAL", "REAL"):
        return "number"
    if base == "DATE":
        return "date"
    if base.startswith("TIMESTAMP"):
        return "timestamp"
    return {"BOOLEAN": "boolean", "VARCHAR": "text", "ENUM": "text"}.get(base, "other")


def _aggregates(col: exp.Column, kind: str) -> list[exp.Expression]:
    """Non-null count, distinct count, maximum, values that read as timestamps, frequent values."""
    if kind == "other":
        return [exp.null()] * 5
    counts = [exp.Count(this=col.copy()), exp.Count(this=exp.Distinct(expressions=[col.copy()]))]
    if kind != "text":
        return [*counts, exp.Max(this=col.copy()), exp.null(), exp.null()]
    as_time = exp.Count(this=exp.TryCast(this=col.copy(), to=exp.DataType.build("TIMESTAMP")))
    frequent = exp.Anonymous(this="approx_top_k", expressions=[col.copy(), exp.Literal.number(3)])
    return [*counts, exp.null(), as_time, frequent]


def _fetch(con: duckdb.DuckDBPyConnection, select: exp.Expression) -> list[tuple]:
    return con.sql(select.sql("duckdb")).fetchall()  # fetch all: a half-read result blocks the connection


# --- words ---------------------------------------------------------------------------------------

def _words(name: str) -> list[str]:
    """'InvoiceNo' → ['invoice', 'no']; 'unit_price' → ['unit', 'price']; Chinese stays one word."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return [w.lower() for w in re.findall(r"[A-Za-z]+|\d+|[\u3400-\u9fff]+", spaced)]


def _has(name: str, english: set[str], chinese: tuple[str, ...]) -> bool:
    words = _words(name)
    return bool(english & {*words, *map(_singular, words)}) or any(z in name for z in chinese)


def _score(col: Column, table: tuple[tuple[int, set[str], tuple[str, ...]], ...]) -> int:
    return sum(weight for weight, english, chinese in table if _has(col.name, english, chinese))


def _role(col: Column) -> str | None:
    """id, rate, price, money, quantity, average or None, read from the header."""
    words = _words(col.name)
    if (words and words[-1] in ID_WORDS) or col.name.endswith(ZH_ID):
        return "id"
    for role, english, chinese in ROLES:
        if _has(col.name, english, chinese):
            return "money" if role == "price" and {"total", "amount", "sum"} & set(words) else role
    return None


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + ("es" if word.endswith(("x", "ch", "sh")) else "s")


def _to_zh(words: list[str]) -> str | None:
    """Chinese for English words when the glossary knows every one (two-word phrases first)."""
    out, i = [], 0
    while i < len(words):
        pair = " ".join(words[i:i + 2])
        if i + 1 < len(words) and pair in EN_ZH:
            out.append(EN_ZH[pair])
            i += 2
        elif (found := EN_ZH.get(words[i]) or EN_ZH.get(_singular(words[i]))) is not None:
            out.append(found)
            i += 1
        else:
            return None
    return "".join(out) or None


def _to_en(text: str) -> str | None:
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


def _humanize(name: str) -> str:
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _labels(header: str, lang_labels: bool) -> dict[str, str]:
    """The header itself in its own language, and a translation into the other when known."""
    if CJK.search(header):
        return {"en": (_to_en(header) if lang_labels else None) or _humanize(safe_name(header)), "zh": header}
    zh = _to_zh(_words(header)) if lang_labels else None
    return {"en": header, **({"zh": zh} if zh else {})}


def _synonyms(header: str, samples: tuple[str, ...] = ()) -> dict[str, tuple[str, ...]]:
    """Words in both languages for the concepts a header names (country ↔ 国家, region ↔ 地区...)."""
    concepts = [c for c in SYNONYMS if _has(header, {c}, (EN_ZH[c],))]
    if any(s.endswith(("省", "自治区")) for s in samples) and "province" not in concepts:
        concepts.append("province")  # e.g. 收货地址 holding province names
    en = [w for c in concepts for w in (c, *SYNONYMS[c][0]) if w != header.lower()]
    zh = [w for c in concepts for w in (EN_ZH[c], *SYNONYMS[c][1]) if w != header]
    return {lang: tuple(dict.fromkeys(ws)) for lang, ws in (("en", en), ("zh", zh)) if ws}


def _ref(name: str) -> str:
    """A column as a model expression: bare when that parses back to the same column, else quoted."""
    try:
        if PLAIN.match(name) and sqlglot.parse_one(name, read="duckdb") == exp.column(name):
            return name
    except sqlglot.errors.ParseError:
        pass
    return exp.column(name, quoted=True).sql("duckdb")


# --- tables and joins ----------------------------------------------------------------------------

def _table(p: Profile, lang_labels: bool) -> Table:
    zh = _to_zh([_singular(w) for w in _words(p.id)]) if lang_labels else None
    key, time = p.key, p.time
    return Table(p.id, labels={"en": _humanize(p.id), **({"zh": zh} if zh else {})}, sql_table=p.name,
                 primary_key=key.name if key else None, time=time.name if time else None)


def _joins(con: duckdb.DuckDBPyConnection, profiles: list[Profile]) -> list[Join]:
    """Many-to-one joins on same-named columns whose values find their row in the other table.

    Where both directions hold (one-to-one), only the one from the bigger table is kept.
    """
    found = [j for a in profiles for b in profiles if a is not b and (j := _join(con, a, b))]
    rows = {p.id: (p.rows, -i) for i, p in enumerate(profiles)}
    return [j for j in found
            if not any(k.left == j.right and k.right == j.left for k in found) or rows[j.left] > rows[j.right]]


def _join(con: duckdb.DuckDBPyConnection, a: Profile, b: Profile) -> Join | None:
    for key in b.keys:
        col = a.column(key.id)
        if col and col.non_null and (col.kind == key.kind == "text" or (col.numeric and key.numeric)):
            left, right = exp.column(col.name, "a", quoted=True), exp.column(key.name, "b", quoted=True)
            select = exp.select(exp.Count(this=left.copy()), exp.Count(this=right.copy())).from_(
                exp.to_table(a.name).as_("a")).join(exp.to_table(b.name).as_("b"), on=left.eq(right), join_type="left")
            rows, matched = _fetch(con, select)[0]  # b's key is unique, so the join adds no rows
            if rows and matched >= JOIN_COVERAGE * rows:
                return Join(a.id, b.id, ((col.name, key.name),))
    return None


# --- dimensions ----------------------------------------------------------------------------------

def _dimensions(profiles: list[Profile], joins: list[Join], lang_labels: bool) -> dict[str, Dimension]:
    """One dimension per column worth grouping by; same-named columns of one type share a dimension."""
    keys = {(j.left, a) for j in joins for a, _ in j.on} | {(j.right, b) for j in joins for _, b in j.on}
    dims: dict[str, Dimension] = {}
    for p in profiles:
        for col in p.columns:
            spec = _dimension_spec(p, col, (p.id, col.name) in keys)
            if spec is None:
                continue
            kind, expr = spec
            shared = dims.get(col.id)
            if shared and shared.type == kind and p.id not in shared.exprs:
                dims[col.id] = replace(shared, exprs={**shared.exprs, p.id: expr})
                continue
            dim_id = _free(col.id if col.id not in GRAINS else f"{col.id}_value", dims, p.id)
            dims[dim_id] = Dimension(dim_id, labels=_labels(col.name, lang_labels),
                                     synonyms=_synonyms(col.name, col.samples),
                                     descriptions=_dimension_texts(col), exprs={p.id: expr}, type=kind)
    return dims


def _dimension_spec(p: Profile, col: Column, join_key: bool) -> tuple[str, str] | None:
    """(type, expression) when the column is worth grouping by, else None."""
    ref, role = _ref(col.name), _role(col)
    if col is p.time or col.kind == "other" or not col.non_null:
        return None
    if col.kind in ("boolean", "date"):
        return col.kind, ref
    if col.kind == "timestamp":
        return "date", f"CAST({ref} AS DATE)"
    if col.holds_times:
        return "date", f"CAST(TRY_CAST({ref} AS TIMESTAMP) AS DATE)"
    few = col.distinct <= max(LOW_CARDINALITY, LOW_CARDINALITY_SHARE * p.rows)
    if col.kind == "text" and (join_key or role == "id" or few):
        return "string", ref
    if col.numeric and (join_key or role == "id" or (col.kind == "integer" and role in (None, "average")
                                                     and col.distinct <= LOW_CARDINALITY)):
        return "number", ref
    return None


def _dimension_texts(col: Column) -> dict[str, str]:
    if not col.samples:
        return {"en": f"{col.name}: {col.distinct:,} distinct values.",
                "zh": f"{col.name}:共 {col.distinct:,} 个取值。"}
    return {"en": f"{col.name}: {col.distinct:,} distinct values, e.g. {', '.join(col.samples)}.",
            "zh": f"{col.name}:共 {col.distinct:,} 个取值,例如 {'、'.join(col.samples)}。"}


def _free(name: str, taken: dict[str, object] | set[str], table: str) -> str:
    """`name`, or `table_name`, or `table_name_2`... whichever is not taken yet."""
    candidate, n = name, 1
    if candidate in taken:
        candidate = f"{table}_{name}"
    while candidate in taken:
        n += 1
        candidate = f"{table}_{name}_{n}"
    return candidate


# --- measures and metrics ------------------------------------------------------------------------

def _metrics(profiles: list[Profile], taken: set[str],
             lang_labels: bool) -> tuple[dict[str, Measure], dict[str, Metric]]:
    """Settle names across tables: revenue and each table's own count first, row counts last."""
    taken = set(taken)
    measures: dict[str, Measure] = {}
    metrics: dict[str, Metric] = {}
    proposals = [x for p in profiles for x in _proposals(p, lang_labels)]
    for x in sorted(proposals, key=lambda x: x.priority):
        metric_id = _free(x.base, taken, x.table)
        measure_id = _free(x.measure, taken | {metric_id}, x.table)
        taken |= {metric_id, measure_id}
        labels = x.texts.labels if metric_id == x.base else {k: f"{v} ({x.table})" for k, v in x.texts.labels.items()}
        measures[measure_id] = Measure(measure_id, table=x.table, agg=x.agg, expr=x.expr)
        metrics[metric_id] = Metric(metric_id, labels=labels, synonyms=x.texts.synonyms,
                                    descriptions=x.texts.descriptions, measure=measure_id, format=x.format,
                                    higher_is_better=x.higher_is_better)
    return measures, metrics


def _proposals(p: Profile, lang_labels: bool) -> list[_Proposal]:
    out = _revenue(p)
    for col in p.columns:
        role = _role(col)
        if role == "id" and col.kind in ("integer", "number", "text"):
            out.append(_count_distinct(p, col, lang_labels))
        elif col.numeric and not (role is None and col.kind == "integer" and col.distinct <= LOW_CARDINALITY):
            out.append(_numeric(p, col, role, lang_labels))
    zh = _to_zh([_singular(w) for w in _words(p.id)]) if lang_labels else None
    texts = Described(p.id, labels={"en": f"{_humanize(p.id)} rows", "zh": f"{zh or p.id}行数"},
                      descriptions={"en": f"Number of rows in {p.name}.", "zh": f"{p.name} 的行数。"})
    return [*out, _Proposal(f"{p.id}_rows", p.id, "count", "*", "integer", texts, 3, f"{p.id}_count")]


def _revenue(p: Profile) -> list[_Proposal]:
    """Quantity × unit price, summed, when a table has both and no revenue column of its own."""
    qty = next((c for c in p.columns if c.numeric and _has(c.name, {"qty", "quantity", "units"},
                                                            ("数量", "件数", "销量"))), None)
    price = next((c for c in p.columns if c.numeric and _role(c) == "price"), None)
    if not qty or not price or any(_has(c.name, {"revenue", "gmv"}, ("销售额", "营收")) for c in p.columns):
        return []
    texts = Described("revenue", labels={"en": "Revenue", "zh": "销售额"},
                      synonyms={"en": SYNONYMS["revenue"][0], "zh": SYNONYMS["revenue"][1]},
                      descriptions={"en": f"{qty.name} × {price.name}, summed over the rows of {p.name}.",
                                    "zh": f"{p.name} 各行 {qty.name} × {price.name} 之和。"})
    return [_Proposal("revenue", p.id, "sum", f"{_ref(qty.name)} * {_ref(price.name)}", "currency", texts, 0,
                      "revenue_sum")]


def _numeric(p: Profile, col: Column, role: str | None, lang_labels: bool) -> _Proposal:
    agg, fmt = AGG_FORMAT[role]
    if (role == "quantity" and col.kind != "integer") or (role == "rate" and not _fraction(col)):
        fmt = "number"
    labels = _labels(col.name, lang_labels)
    if agg == "avg":
        labels = {"en": f"Average {labels['en']}", **({"zh": f"平均{labels['zh']}"} if "zh" in labels else {})}
    what = {"sum": ("Sum", "合计"), "avg": ("Average", "平均值")}[agg]
    texts = Described(col.id, labels=labels, synonyms=_synonyms(col.name),
                      descriptions={"en": f"{what[0]} of {col.name} in {p.name}.",
                                    "zh": f"{p.name} 中 {col.name} 的{what[1]}。"})
    return _Proposal(col.id if agg == "sum" else f"avg_{col.id}", p.id, agg, _ref(col.name), fmt, texts,
                     measure=f"{col.id}_{agg}", higher_is_better=not _has(col.name, *WORSE_WHEN_HIGHER))


def _counted(p: Profile, col: Column, lang_labels: bool) -> tuple[str, dict[str, str], dict[str, tuple[str, ...]]]:
    """Id, labels and concept words of what an id column counts.

    'CustomerID' → customers (客户数); '订单编号' → dingdanshu (订单数, Orders); 'id' → the table's rows.
    """
    if CJK.search(col.name):
        entity = re.sub(f"({'|'.join(ZH_ID)})$", "", col.name) or col.name
        english = _to_en(entity) if lang_labels else None
        labels = {"en": _plural(english) if english else f"Distinct {_humanize(col.id)}", "zh": f"{entity}数"}
        return safe_name(labels["zh"]), labels, _synonyms(entity)
    words = _words(col.name)
    entity = words[:-1] if len(words) > 1 and words[-1] in ENTITY_SUFFIXES else words
    entity = entity if entity != ["id"] else [_singular(w) for w in _words(p.id)]
    plural = " ".join([*entity[:-1], _plural(entity[-1])])
    zh = _to_zh(entity) if lang_labels else None
    labels = {"en": _humanize(plural), **({"zh": f"{zh}数"} if zh else {})}
    return safe_name(plural), labels, _synonyms(" ".join(entity))


def _count_priority(p: Profile, col: Column, base: str) -> int:
    """Who gets a count's plain name: the table named after what it counts, then own ids, then references."""
    if _singular(base.split("_")[-1]) in {_singular(w) for w in _words(p.id)}:
        return 0
    return 2 if col.name in p.foreign else 1


def _fraction(col: Column) -> bool:
    return col.high is not None and float(col.high) <= PERCENT_MAX


def _count_distinct(p: Profile, col: Column, lang_labels: bool) -> _Proposal:
    """Distinct values of an id, named after what it counts."""
    base, labels, concepts = _counted(p, col, lang_labels)
    synonyms = {"en": tuple(_plural(w) for w in concepts.get("en", ())),
                "zh": tuple(f"{w}数" for w in concepts.get("zh", ()))}
    texts = Described(base, labels=labels, synonyms={k: v for k, v in synonyms.items() if v},
                      descriptions={"en": f"Number of distinct {col.name} in {p.name}.",
                                    "zh": f"{p.name} 中 {col.name} 的去重计数。"})
    return _Proposal(base, p.id, "count_distinct", _ref(col.name), "integer", texts, _count_priority(p, col, base),
                     f"{col.id}_count_distinct")


# --- self-check and notes ------------------------------------------------------------------------

Notes = list[tuple[str, str]]  # (English, Chinese)


def _self_check(con: duckdb.DuckDBPyConnection, model: SemanticModel) -> tuple[SemanticModel, Notes]:
    """Run every dimension (on each of its tables) and every metric (by a dimension and by month) on `con`.

    Whatever fails is dropped and noted, so the proposal never offers a chart that errors.
    """
    notes: Notes = []
    dims = {n: d for n, d in model.dimensions.items()
            if all(_runs(con, model, q, ("dimension", "维度", n), notes) for q in _dimension_checks(model, n))}
    model = replace(model, dimensions=dims)
    metrics = {n: m for n, m in model.metrics.items()
               if all(_runs(con, model, q, ("metric", "指标", n), notes) for q in _metric_checks(model, n))}
    used = {m.measure for m in metrics.values()}
    return replace(model, metrics=metrics, measures={n: m for n, m in model.measures.items() if n in used}), notes


def _dimension_checks(model: SemanticModel, name: str) -> list[SemanticQuery]:
    measures = {n: model.measures[m.measure or ""] for n, m in model.metrics.items()}
    counts = {m.table: n for n, m in measures.items() if m.agg == "count"}
    return [SemanticQuery((counts[t],) if t in counts else (), (name,), limit=5) for t in model.dimensions[name].exprs]


def _metric_checks(model: SemanticModel, name: str) -> list[SemanticQuery]:
    table = model.measures[model.metrics[name].measure or ""].table
    dims = sorted(reachable_dimensions(model, table), key=lambda d: model.dimensions[d].type != "string")
    checks = [SemanticQuery((name,), tuple(dims[:1]), limit=5)]
    if model.tables[table].time:
        checks.append(SemanticQuery((name,), time_grain="month", limit=5))
    return checks


def _runs(con: duckdb.DuckDBPyConnection, model: SemanticModel, query: SemanticQuery,
          what: tuple[str, str, str], notes: Notes) -> bool:
    try:
        con.sql(compile_query(query, model).sql).fetchall()
        return True
    except (BeaconError, duckdb.Error) as err:
        first_line = str(err).splitlines()[0]
        notes.append((f"Left out {what[0]} '{what[2]}': {first_line}.", f"未采用{what[1]} {what[2]}:{first_line}。"))
        return False


def _time_notes(p: Profile) -> Notes:
    if p.time is not None:
        return []
    texts = [c.name for c in p.columns if c.holds_times]
    if texts:
        return [(f"{p.name}.{texts[0]} holds dates as text, so the table has no time column; load it as a "
                 "timestamp to split its metrics by month.",
                 f"{p.name}.{texts[0]} 的日期以文本存储,因此该表没有时间列;将其导入为时间戳后即可按月分析。")]
    return [(f"{p.name} has no date column, so its metrics cannot be split by time.",
             f"{p.name} 没有日期列,其指标无法按时间拆分。")]


def _description(tables: list[str], notes: Notes) -> dict[str, str]:
    en = f"Proposed by Beacon from {', '.join(tables)}; review labels, formats and joins before publishing."
    zh = f"由 Beacon 根据 {'、'.join(tables)} 自动生成;发布前请检查名称、格式和关联。"
    return {"en": " ".join([en, *(n[0] for n in notes)]), "zh": "".join([zh, *(n[1] for n in notes)])}
