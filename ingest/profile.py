"""What each column of a loaded table looks like, and what a marketer should check before trusting it.

A profile is four queries whatever the width of the table, all built as sqlglot
trees and run through the read-only engine: the columns, one aggregate pass for
every per-column statistic (and the duplicate-row count), one for the top values
of every column, and one for every histogram (which also counts outliers).

Warnings are codes with numbers, never sentences, so the UI words them in the
user's language. `share` is `count / rows` except where noted:

=====================  ======================================================================
code                   rule (fields)
=====================  ======================================================================
duplicate_rows         rows identical to an earlier row in every column (count)
high_null_share        nulls / rows >= 10% (count = nulls)
constant               exactly one distinct non-null value in a table of >= 2 rows (value, count)
identifier_like        integer/text column with no nulls and a different value in every row of
                       >= 2 rows: a key, not a measure (count = distinct)
mixed_types            text column holding numbers (like "12", "-3.5", "1,200", "$9", "45%")
                       and other text, numbers >= 5% of the non-blank values (count = numbers,
                       other_count = the rest, share = count / non-blank values)
outliers               numeric values more than 4 standard deviations from the mean, |z| > 4
                       (count, low and high = the bounds, share = count / non-null values)
negative_values        values < 0 in a quantity/amount-like column: the name contains qty,
                       quantity, amount, price, cost, revenue, sales, spend, 数量, 金额, 价格... (count)
cancellation_codes     text values "C" + digit in an invoice/order-number-like column (invoice,
                       order, receipt, bill, transaction, 订单, 发票, 单号...) where not every
                       value has the prefix: Online Retail's cancelled invoices (count, value="C")
=====================  ======================================================================

Outliers use |z| > 4 rather than 1.5×IQR because marketing numbers are long-tailed:
the IQR fences flag 5-10% of ordinary orders as outliers, while |z| > 4 flags the
values that are really apart (Online Retail: the 80,995-unit order and its
cancellation). In n values no |z| can exceed (n-1)/√n, so tables under 18 rows
never show outliers.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from errors import InputError, UnknownNameError
from ingest.source import table_ref
from semantic.compile import CompiledSQL
from semantic.engine import DuckDBEngine
from viz.i18n import keyed_error

HIGH_NULL_SHARE = 0.10
MIXED_MIN_SHARE = 0.05
OUTLIER_Z = 4.0
NUMBER_PATTERN = r"\s*[-+]?[$€£¥]?\s*(\d+(,\d{3})*(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*%?\s*"
CANCEL_PATTERN = "^C[0-9]"
AMOUNT_WORDS = ("qty", "quantity", "amount", "amt", "price", "cost", "revenue", "sales", "spend",
                "数量", "金额", "价格", "单价", "销量", "销售额", "收入", "花费", "成本", "总价")
ORDER_WORDS = ("invoice", "order", "receipt", "bill", "transaction", "订单", "发票", "单号", "单据")
_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT", "UHUGEINT", "INT", "INT1", "INT2", "INT4", "INT8", "LONG", "SHORT"}
_FLOATS = {"FLOAT", "DOUBLE", "REAL", "DECIMAL", "NUMERIC", "FLOAT4", "FLOAT8"}
_TEMPORAL = {"DATE", "TIMESTAMP", "DATETIME", "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ", "TIMESTAMP_S",
             "TIMESTAMP_MS", "TIMESTAMP_NS"}
_TEXT = {"VARCHAR", "TEXT", "STRING", "CHAR", "BPCHAR", "ENUM", "UUID"}


@dataclass(frozen=True)
class Warning:  # shadows the builtin on purpose: the name the UI uses; import it as `profile.Warning`
    """Something to check, as a code and its numbers (see the module docstring for each code)."""

    code: str
    column: str | None = None
    count: int = 0
    share: float = 0.0
    low: float | None = None
    high: float | None = None
    value: Any = None
    other_count: int | None = None


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    type: str
    nulls: int
    null_share: float
    blanks: int  # text only: empty or only spaces
    blank_share: float
    distinct: int  # distinct non-null values
    min: Any
    max: Any
    mean: float | None  # numeric only
    top_values: tuple[tuple[Any, int], ...]  # most frequent non-null values, ties by value
    histogram: tuple[tuple[Any, Any, int], ...]  # numeric and date columns: (start, end, count)
    warnings: tuple[Warning, ...]


@dataclass(frozen=True)
class TableProfile:
    table: str
    rows: int
    duplicate_rows: int
    columns: tuple[ColumnProfile, ...]
    warnings: tuple[Warning, ...]  # the table's and every column's, in column order

    def column(self, name: str) -> ColumnProfile:
        for column in self.columns:
            if column.name == name:
                return column
        raise UnknownNameError("column", name, [c.name for c in self.columns])


@dataclass(frozen=True)
class _Column:
    index: int
    name: str
    type: str
    kind: str  # integer, float, temporal, text, boolean, other

    @property
    def ref(self) -> exp.Expression:
        column = exp.Column(this=exp.to_identifier(self.name, quoted=True))
        is_varchar = self.type.upper() == "VARCHAR"
        return exp.cast(column, "VARCHAR") if self.kind == "text" and not is_varchar else column

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "float")

    def alias(self, stat: str) -> str:
        return f"c{self.index}_{stat}"


def profile_table(engine: DuckDBEngine, table: str, top_n: int = 10, bins: int = 20) -> TableProfile:
    """Profile `table` of the engine's warehouse (see the module docstring for the warnings)."""
    if top_n < 0 or bins < 1:
        raise keyed_error(InputError, "errors.profile.sizes", top_n=top_n, bins=bins)
    name, columns = _columns(engine, table)
    source = table_ref(name)
    stats = _one_row(engine, _stats_query(source, columns))
    tops = _one_row(engine, _top_query(source, columns, top_n)) if any(c.kind != "other" for c in columns) else {}
    hists = _histograms(engine, source, columns, stats, bins)
    rows = int(stats["rows"])
    profiles = tuple(_profile(_Facts(c, rows, stats, hists.get(c.index, _Histogram())), tops) for c in columns)
    duplicates = rows - int(stats["distinct_rows"])
    found = [Warning("duplicate_rows", count=duplicates, share=_share(duplicates, rows))] if duplicates else []
    found += [w for p in profiles for w in p.warnings]
    return TableProfile(name, rows, duplicates, profiles, tuple(found))


def kind_of(type_: str) -> str:
    """integer, float, temporal, text, boolean or other, from a DuckDB type name.

    >>> kind_of("DECIMAL(18,2)"), kind_of("TIMESTAMP WITH TIME ZONE"), kind_of("INTEGER[]")
    ('float', 'temporal', 'other')
    """
    base = type_.upper().split("(")[0].strip()
    kinds = ((_INTEGERS, "integer"), (_FLOATS, "float"), (_TEMPORAL, "temporal"), (_TEXT, "text"),
             ({"BOOLEAN", "BOOL"}, "boolean"))
    return next((kind for names, kind in kinds if base in names), "other")


def _columns(engine: DuckDBEngine, table: str) -> tuple[str, list[_Column]]:
    """The table's stored name and columns; unknown tables get a "did you mean"."""
    info = exp.column("table_name")
    query = (exp.select(info, "column_name", "data_type").from_("information_schema.columns")
             .where(exp.and_(exp.column("table_schema").eq(exp.Literal.string("main")),
                             exp.func("LOWER", info).eq(exp.func("LOWER", exp.Literal.string(table)))))
             .order_by("ordinal_position"))
    found = _run(engine, query).rows()
    if not found:
        raise UnknownNameError("table", table, engine.table_names())
    return found[0][0], [_Column(i, n, t, kind_of(t)) for i, (_, n, t) in enumerate(found)]


def _run(engine: DuckDBEngine, query: exp.Select) -> Any:
    sql = query.sql("duckdb", identify=True)
    return engine.run(CompiledSQL(sql, tuple(e.alias_or_name for e in query.expressions), "duckdb")).frame


def _one_row(engine: DuckDBEngine, query: exp.Select) -> dict[str, Any]:
    return _run(engine, query).row(0, named=True)


def _count_if(condition: exp.Expression) -> exp.Expression:
    return exp.CountIf(this=condition)


def _stats_query(source: exp.Table, columns: list[_Column]) -> exp.Select:
    """One pass: row count, distinct rows, and every column's statistics under c<i>_<stat> aliases."""
    distinct_rows = exp.select(exp.Count(this=exp.Star())).from_(
        exp.select(exp.Star()).from_(source.copy()).distinct().subquery("distinct_rows"))
    select = exp.select(exp.alias_(exp.Count(this=exp.Star()), "rows"),
                        exp.alias_(distinct_rows.subquery(), "distinct_rows")).from_(source.copy())
    for column in columns:
        select = select.select(*(exp.alias_(e, column.alias(s)) for s, e in _column_stats(column).items()))
    return select


def _column_stats(c: _Column) -> dict[str, exp.Expression]:
    ref = c.ref
    stats: dict[str, exp.Expression] = {"nulls": exp.Count(this=exp.Star()) - exp.Count(this=ref.copy()),
                                        "distinct": exp.Count(this=exp.Distinct(expressions=[ref.copy()]))}
    if c.kind != "other":
        stats |= {"min": exp.Min(this=ref.copy()), "max": exp.Max(this=ref.copy())}
    if c.kind == "text":
        stats["blanks"] = _count_if(exp.Trim(this=ref.copy()).eq(exp.Literal.string("")))
        stats["numbers"] = _count_if(exp.RegexpFullMatch(this=ref.copy(), expression=_text(NUMBER_PATTERN)))
        if _named_like(c.name, ORDER_WORDS):
            stats["cancels"] = _count_if(exp.RegexpLike(this=ref.copy(), expression=_text(CANCEL_PATTERN)))
    if c.numeric:
        as_double = exp.cast(ref.copy(), "DOUBLE")
        stats |= {"mean": exp.Avg(this=as_double), "sd": exp.StddevPop(this=as_double.copy())}
        if _named_like(c.name, AMOUNT_WORDS):
            stats["negatives"] = _count_if(ref.copy() < 0)
    if c.kind == "temporal":
        stats |= {"lo": exp.TimeToUnix(this=exp.Min(this=ref.copy())),
                  "hi": exp.TimeToUnix(this=exp.Max(this=ref.copy()))}
    return stats


def _text(value: str) -> exp.Literal:
    return exp.Literal.string(value)


def _named_like(name: str, words: tuple[str, ...]) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in words)


def _top_query(source: exp.Table, columns: list[_Column], top_n: int) -> exp.Select:
    """Every column's `top_n` most frequent values as a list of {value, count}, in one statement."""
    select = exp.select()
    for c in (c for c in columns if c.kind != "other"):
        # GROUP/ORDER BY the expressions, not the aliases: a table column named v or n would win over them
        counted = (exp.select(exp.alias_(c.ref, "v"), exp.alias_(exp.Count(this=exp.Star()), "n"))
                   .from_(source.copy()).where(exp.Not(this=exp.Is(this=c.ref, expression=exp.null())))
                   .group_by(c.ref).order_by(exp.Count(this=exp.Star()).desc(), c.ref).limit(top_n))
        pair = exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(key), expression=exp.column(name))
                                       for key, name in (("value", "v"), ("count", "n"))])
        select = select.select(exp.alias_(exp.select(exp.ArrayAgg(this=pair)).from_(
            counted.subquery("counted")).subquery(), c.alias("top")))
    return select


# --- histograms and outliers ---------------------------------------------------------------------

@dataclass(frozen=True)
class _Histogram:
    bins: tuple[tuple[Any, Any, int], ...] = ()
    outliers: int = 0
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class _Bins:
    column: _Column
    lo: float
    hi: float
    count: int
    low: float | None = None  # outlier bounds: mean ± OUTLIER_Z·sd
    high: float | None = None

    @property
    def width(self) -> float:
        return (self.hi - self.lo) / self.count if self.hi > self.lo else 1.0


def _bins_plan(c: _Column, stats: dict[str, Any], bins: int) -> _Bins | None:
    """Equal-width bins between min and max (epoch seconds for dates); None when there is nothing to bin."""
    if c.numeric:
        lo, hi = stats[c.alias("min")], stats[c.alias("max")]
    elif c.kind == "temporal":
        lo, hi = stats[c.alias("lo")], stats[c.alias("hi")]
    else:
        return None
    if lo is None or hi is None or not (math.isfinite(float(lo)) and math.isfinite(float(hi))):
        return None
    lo, hi = float(lo), float(hi)
    mean, sd = stats.get(c.alias("mean")), stats.get(c.alias("sd"))
    bounds = (mean - OUTLIER_Z * sd, mean + OUTLIER_Z * sd) if mean is not None and sd else (None, None)
    return _Bins(c, lo, hi, bins if hi > lo else 1, *bounds)


def _histogram_branch(source: exp.Table, plan: _Bins) -> exp.Select:
    """SELECT <column index>, <bin>, COUNT(*), <outliers> for one column, grouped by bin."""
    c = plan.column
    x = exp.cast(c.ref, "DOUBLE") if c.numeric else exp.TimeToUnix(this=c.ref)
    scaled = exp.Floor(this=exp.Div(this=exp.Paren(this=x.copy() - _number(plan.lo)), expression=_number(plan.width)))
    bin_ = exp.Greatest(this=exp.Least(this=exp.cast(scaled, "BIGINT"), expressions=[_number(plan.count - 1)]),
                        expressions=[_number(0)])
    outliers: exp.Expression = _number(0)
    if plan.low is not None and plan.high is not None:
        outliers = _count_if(exp.or_(x.copy() < _number(plan.low), x.copy() > _number(plan.high)))
    return (exp.select(exp.alias_(_number(c.index), "col"), exp.alias_(bin_, "bin"),
                       exp.alias_(exp.Count(this=exp.Star()), "n"), exp.alias_(outliers, "outliers"))
            .from_(source.copy()).where(exp.Not(this=exp.Is(this=c.ref, expression=exp.null())))
            .group_by(bin_.copy()))


def _number(value: float) -> exp.Expression:
    """A numeric literal; negatives as -(x) so no "--" can ever appear in the SQL."""
    literal = exp.Literal.number(repr(abs(value)))
    return exp.Neg(this=literal) if value < 0 else literal


def _histograms(engine: DuckDBEngine, source: exp.Table, columns: list[_Column], stats: dict[str, Any],
                bins: int) -> dict[int, _Histogram]:
    """Every numeric and date column's histogram and outlier count, from one UNION ALL statement."""
    plans = {c.index: plan for c in columns if (plan := _bins_plan(c, stats, bins))}
    if not plans:
        return {}
    branches = [_histogram_branch(source, plan) for plan in plans.values()]
    union: exp.Query = branches[0]
    for branch in branches[1:]:
        union = exp.union(union, branch, distinct=False)
    frame = _run(engine, exp.select("col", "bin", "n", "outliers").from_(union.subquery("bins")))
    counts: dict[int, dict[int, int]] = {i: {} for i in plans}
    outliers = dict.fromkeys(plans, 0)
    for col, bin_, n, out in frame.rows():
        counts[int(col)][int(bin_)] = int(n)
        outliers[int(col)] += int(out)
    return {i: _Histogram(_edges(plan, counts[i]), outliers[i], plan.low, plan.high) for i, plan in plans.items()}


def _edges(plan: _Bins, counts: dict[int, int]) -> tuple[tuple[Any, Any, int], ...]:
    as_value = _as_time(plan.column) if plan.column.kind == "temporal" else float
    ends = [plan.lo + i * plan.width for i in range(plan.count)] + [plan.hi]
    return tuple((as_value(ends[i]), as_value(ends[i + 1]), counts.get(i, 0)) for i in range(plan.count))


def _as_time(c: _Column) -> Any:
    zoned = "TIME ZONE" in c.type.upper() or c.type.upper() == "TIMESTAMPTZ"

    def convert(seconds: float) -> dt.datetime:
        moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        return moment if zoned else moment.replace(tzinfo=None)

    return convert


# --- column profiles and warnings ----------------------------------------------------------------

@dataclass(frozen=True)
class _Facts:
    """One column's numbers from the queries, as the warning rules read them."""

    column: _Column
    rows: int
    stats: dict[str, Any]
    histogram: _Histogram

    def get(self, stat: str, default: Any = None) -> Any:
        value = self.stats.get(self.column.alias(stat))
        return default if value is None else value

    @property
    def nulls(self) -> int:
        return int(self.get("nulls", 0))

    @property
    def distinct(self) -> int:
        return int(self.get("distinct", 0))

    @property
    def name(self) -> str:
        return self.column.name


def _share(count: int, whole: int) -> float:
    return count / whole if whole else 0.0


def _profile(f: _Facts, tops: dict[str, Any]) -> ColumnProfile:
    blanks = int(f.get("blanks", 0))
    pairs = [(item["value"], int(item["count"])) for item in tops.get(f.column.alias("top")) or []]
    top = tuple(sorted(pairs, key=lambda pair: (-pair[1], pair[0])))
    mean = f.get("mean")
    warnings = tuple(w for rule in RULES if (w := rule(f)) is not None)
    return ColumnProfile(f.name, f.column.type, f.nulls, _share(f.nulls, f.rows), blanks, _share(blanks, f.rows),
                         f.distinct, f.get("min"), f.get("max"), None if mean is None else float(mean), top,
                         f.histogram.bins, warnings)


def _high_nulls(f: _Facts) -> Warning | None:
    share = _share(f.nulls, f.rows)
    return Warning("high_null_share", f.name, f.nulls, share) if f.nulls and share >= HIGH_NULL_SHARE else None


def _constant(f: _Facts) -> Warning | None:
    if f.distinct != 1 or f.rows < 2:
        return None
    filled = f.rows - f.nulls
    return Warning("constant", f.name, filled, _share(filled, f.rows), value=f.get("min"))


def _identifier(f: _Facts) -> Warning | None:
    if f.column.kind not in ("integer", "text") or f.rows < 2 or f.nulls or f.distinct != f.rows:
        return None
    return Warning("identifier_like", f.name, f.distinct, 1.0)


def _mixed(f: _Facts) -> Warning | None:
    if f.column.kind != "text":
        return None
    numbers = int(f.get("numbers", 0))
    other = f.rows - f.nulls - int(f.get("blanks", 0)) - numbers
    share = _share(numbers, numbers + other)
    if not numbers or not other or share < MIXED_MIN_SHARE:
        return None
    return Warning("mixed_types", f.name, numbers, share, other_count=other)


def _outliers(f: _Facts) -> Warning | None:
    h = f.histogram
    if not h.outliers:
        return None
    return Warning("outliers", f.name, h.outliers, _share(h.outliers, f.rows - f.nulls), low=h.low, high=h.high)


def _negatives(f: _Facts) -> Warning | None:
    count = int(f.get("negatives", 0))
    return Warning("negative_values", f.name, count, _share(count, f.rows)) if count else None


def _cancellations(f: _Facts) -> Warning | None:
    count = int(f.get("cancels", 0))
    if not count or count >= f.rows - f.nulls:  # every code has the prefix: it is the scheme, not a marker
        return None
    return Warning("cancellation_codes", f.name, count, _share(count, f.rows), value="C")


RULES = (_high_nulls, _constant, _identifier, _mixed, _outliers, _negatives, _cancellations)
