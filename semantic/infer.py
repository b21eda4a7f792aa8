"""Propose a semantic model for tables a user has just loaded, so Explore and Ask work at once.

The proposal decides only from what it measured: column types and a profile from one
aggregate query per table (counts, distinct counts, min/max, frequent values), plus one
query per candidate join to check that the keys really match. Everything it keeps has
compiled and run on the data; anything that failed is left out and named in the model's
description, so a person reviews a model that works rather than one that looks right.

Ids are safe names (pinyin for Chinese headers); labels keep the user's own headers, with
the other language added where a small glossary can translate the whole header.

This module decides the model; what it decides from lives beside it: the measured profile
of each table in `semantic.infer_profile`, and the header words, glossary and synonyms in
`semantic.infer_words`.

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

import duckdb
import sqlglot
import yaml
from sqlglot import exp

from errors import BeaconError
from ingest.names import safe_name, unique_names
from semantic.compile import compile_query
from semantic.infer_profile import Column, Profile, check_tables, fetch, profile_table
from semantic.infer_words import (
    CJK,
    ENTITY_SUFFIXES,
    SYNONYMS,
    WORSE_WHEN_HIGHER,
    ZH_ID,
    has_word,
    header_labels,
    header_role,
    header_synonyms,
    header_words,
    humanize,
    plural,
    singular,
    to_en,
    to_zh,
)
from semantic.model import Described, Dimension, Join, Measure, Metric, SemanticModel, Table, model_to_dict, parse_model
from semantic.plan import reachable_dimensions
from semantic.query import GRAINS, SemanticQuery

LOW_CARDINALITY = 50  # text with at most this many values, or ...
LOW_CARDINALITY_SHARE = 0.05  # ... this share of the rows, is a dimension
JOIN_COVERAGE = 0.9  # share of a key's non-null rows that must find their row in the other table
PERCENT_MAX = 1.5  # a rate whose values stay below this is a fraction, shown as a percent

PLAIN = re.compile(r"^[a-z_][a-z0-9_]*$")
AGG_FORMAT = {"rate": ("avg", "percent"), "price": ("avg", "currency"), "money": ("sum", "currency"),
              "quantity": ("sum", "integer"), "average": ("avg", "number"), None: ("sum", "number")}


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
    check_tables(con, tables)
    profiles = [profile_table(con, table, table_id)
                for table, table_id in zip(tables, unique_names(tables), strict=True)]
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
    zh = to_zh([singular(w) for w in header_words(p.id)]) if lang_labels else None
    key, time = p.key, p.time
    return Table(p.id, labels={"en": humanize(p.id), **({"zh": zh} if zh else {})}, sql_table=p.name,
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
            rows, matched = fetch(con, select)[0]  # b's key is unique, so the join adds no rows
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
            dims[dim_id] = Dimension(dim_id, labels=header_labels(col.name, lang_labels),
                                     synonyms=header_synonyms(col.name, col.samples),
                                     descriptions=_dimension_texts(col), exprs={p.id: expr}, type=kind)
    return dims


def _dimension_spec(p: Profile, col: Column, join_key: bool) -> tuple[str, str] | None:
    """(type, expression) when the column is worth grouping by, else None."""
    ref, role = _ref(col.name), header_role(col.name)
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
        role = header_role(col.name)
        if role == "id" and col.kind in ("integer", "number", "text"):
            out.append(_count_distinct(p, col, lang_labels))
        elif col.numeric and not (role is None and col.kind == "integer" and col.distinct <= LOW_CARDINALITY):
            out.append(_numeric(p, col, role, lang_labels))
    zh = to_zh([singular(w) for w in header_words(p.id)]) if lang_labels else None
    texts = Described(p.id, labels={"en": f"{humanize(p.id)} rows", "zh": f"{zh or p.id}行数"},
                      descriptions={"en": f"Number of rows in {p.name}.", "zh": f"{p.name} 的行数。"})
    return [*out, _Proposal(f"{p.id}_rows", p.id, "count", "*", "integer", texts, 3, f"{p.id}_count")]


def _revenue(p: Profile) -> list[_Proposal]:
    """Quantity × unit price, summed, when a table has both and no revenue column of its own."""
    qty = next((c for c in p.columns if c.numeric and has_word(c.name, {"qty", "quantity", "units"},
                                                            ("数量", "件数", "销量"))), None)
    price = next((c for c in p.columns if c.numeric and header_role(c.name) == "price"), None)
    if not qty or not price or any(has_word(c.name, {"revenue", "gmv"}, ("销售额", "营收")) for c in p.columns):
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
    labels = header_labels(col.name, lang_labels)
    if agg == "avg":
        labels = {"en": f"Average {labels['en']}", **({"zh": f"平均{labels['zh']}"} if "zh" in labels else {})}
    what = {"sum": ("Sum", "合计"), "avg": ("Average", "平均值")}[agg]
    texts = Described(col.id, labels=labels, synonyms=header_synonyms(col.name),
                      descriptions={"en": f"{what[0]} of {col.name} in {p.name}.",
                                    "zh": f"{p.name} 中 {col.name} 的{what[1]}。"})
    return _Proposal(col.id if agg == "sum" else f"avg_{col.id}", p.id, agg, _ref(col.name), fmt, texts,
                     measure=f"{col.id}_{agg}", higher_is_better=not has_word(col.name, *WORSE_WHEN_HIGHER))


def _counted(p: Profile, col: Column, lang_labels: bool) -> tuple[str, dict[str, str], dict[str, tuple[str, ...]]]:
    """Id, labels and concept words of what an id column counts.

    'CustomerID' → customers (客户数); '订单编号' → dingdanshu (订单数, Orders); 'id' → the table's rows.
    """
    if CJK.search(col.name):
        entity = re.sub(f"({'|'.join(ZH_ID)})$", "", col.name) or col.name
        english = to_en(entity) if lang_labels else None
        labels = {"en": plural(english) if english else f"Distinct {humanize(col.id)}", "zh": f"{entity}数"}
        return safe_name(labels["zh"]), labels, header_synonyms(entity)
    words = header_words(col.name)
    entity = words[:-1] if len(words) > 1 and words[-1] in ENTITY_SUFFIXES else words
    entity = entity if entity != ["id"] else [singular(w) for w in header_words(p.id)]
    counted = " ".join([*entity[:-1], plural(entity[-1])])
    zh = to_zh(entity) if lang_labels else None
    labels = {"en": humanize(counted), **({"zh": f"{zh}数"} if zh else {})}
    return safe_name(counted), labels, header_synonyms(" ".join(entity))


def _count_priority(p: Profile, col: Column, base: str) -> int:
    """Who gets a count's plain name: the table named after what it counts, then own ids, then references."""
    if singular(base.split("_")[-1]) in {singular(w) for w in header_words(p.id)}:
        return 0
    return 2 if col.name in p.foreign else 1


def _fraction(col: Column) -> bool:
    return col.high is not None and float(col.high) <= PERCENT_MAX


def _count_distinct(p: Profile, col: Column, lang_labels: bool) -> _Proposal:
    """Distinct values of an id, named after what it counts."""
    base, labels, concepts = _counted(p, col, lang_labels)
    synonyms = {"en": tuple(plural(w) for w in concepts.get("en", ())),
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
