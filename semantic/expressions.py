"""Small sqlglot builders the compiler is made of: each returns an expression tree, never a string.

User values enter SQL only as sqlglot literals typed by the dimension, so a value
can never become SQL:

>>> from semantic.model import Dimension
>>> condition(Filter("region", "=", "East' OR 1=1 --"), Dimension("region"), exp.column("region")).sql()
"region = 'East'' OR 1=1 --'"
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import sqlglot
from sqlglot import exp

from errors import QueryError
from semantic.model import Dimension, Measure
from semantic.periods import Shift
from semantic.query import Filter, Scalar, TimeRange, parse_date
from viz.i18n import keyed_error

_AGGREGATES: dict[str, type[exp.Func]] = {
    "sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max, "count": exp.Count,
}
_COMPARE: dict[str, type[exp.Binary]] = {
    "=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE, "like": exp.Like,
}


@lru_cache(maxsize=1024)
def _parsed(text: str) -> exp.Expression:
    return sqlglot.parse_one(text, read="duckdb")


def parse_expr(text: str) -> exp.Expression:
    """A fresh copy of a model expression (parsed once, copied because callers mutate it)."""
    return _parsed(text).copy()


def qualified(text: str, table: str) -> exp.Expression:
    """A model expression whose bare column names are qualified with `table`."""
    tree = parse_expr(text)
    for column in tree.find_all(exp.Column):
        if not column.table:
            column.set("table", exp.to_identifier(table))
    return tree


def aggregate(measure: Measure, table: str, primary_key: str | None = None) -> exp.Expression:
    """SUM/COUNT/... of the measure's expression, over its filtered rows only (CASE WHEN).

    A distinct count of the fact table's own primary key is a plain COUNT: facts are only joined
    many-to-one, so each key appears once, and COUNT is several times cheaper on large tables.
    """
    star = measure.expr.strip() == "*"
    value: exp.Expression = exp.Literal.number(1) if star else qualified(measure.expr, table)
    if measure.filter:
        value = exp.Case().when(qualified(measure.filter, table), value)
    elif star:
        value = exp.Star()
    if measure.agg == "count_distinct" and measure.expr.strip() != primary_key:
        return exp.Count(this=exp.Distinct(expressions=[value]))
    if measure.agg == "count_distinct":
        return exp.Count(this=value)
    return _AGGREGATES[measure.agg](this=value)


def safe_ratio(numerator: exp.Expression, denominator: exp.Expression) -> exp.Expression:
    """Floating-point division that gives NULL, not an error, when the denominator is 0."""
    return exp.Div(this=exp.cast(numerator, "DOUBLE"),
                   expression=exp.func("NULLIF", denominator, exp.Literal.number(0)))


def null_safe_equal(left: exp.Expression, right: exp.Expression) -> exp.Expression:
    return exp.NullSafeEQ(this=left, expression=right)


def time_key(column: exp.Expression, grain: str, shift: Shift | None) -> exp.Expression:
    """The period a row falls in, as a DATE; `shift` moves comparison rows onto the current calendar."""
    if shift:
        column = exp.Add(this=column, expression=shift.interval())
    return exp.cast(exp.DateTrunc(this=column, unit=exp.Literal.string(grain)), "DATE")


def time_window(column: exp.Expression, window: TimeRange) -> exp.Expression:
    """start <= column < end + 1 day, which is right for DATE and TIMESTAMP columns alike."""
    after = window.end + dt.timedelta(days=1)
    return exp.and_(column.copy() >= _date(window.start), column.copy() < _date(after))


def _date(value: dt.date) -> exp.Expression:
    return exp.cast(exp.Literal.string(value.isoformat()), "DATE")


def condition(flt: Filter, dim: Dimension, target: exp.Expression) -> exp.Expression:
    """A filter as a condition on `target`, with its values typed by the dimension."""
    op = flt.op
    if op in ("is null", "is not null"):
        test: exp.Expression = exp.Is(this=target, expression=exp.Null())
        return exp.not_(test) if op == "is not null" else test
    if op in ("in", "not in"):
        values = _values(flt, dim, minimum=1)
        test = exp.In(this=target, expressions=values)
        return exp.not_(test) if op == "not in" else test
    if op == "between":
        low, high = _values(flt, dim, minimum=2, maximum=2)
        return exp.Between(this=target, low=low, high=high)
    base = op.removeprefix("not ")
    test = _COMPARE[base](this=target, expression=_literal(_scalar(flt), dim, flt))
    return exp.not_(test) if op.startswith("not ") else test


def _scalar(flt: Filter) -> Scalar:
    if isinstance(flt.value, tuple) or flt.value is None:
        raise keyed_error(QueryError, "errors.query.one_value", field=flt.field, op=flt.op, value=repr(flt.value))
    return flt.value


def _values(flt: Filter, dim: Dimension, minimum: int, maximum: int | None = None) -> list[exp.Expression]:
    values = flt.value if isinstance(flt.value, tuple) else (flt.value,)
    if flt.value is None or len(values) < minimum or (maximum and len(values) > maximum):
        need = "errors.query.exactly" if maximum == minimum else "errors.query.at_least"
        raise keyed_error(QueryError, "errors.query.values", field=flt.field, op=flt.op, need_key=need, count=minimum)
    return [_literal(v, dim, flt) for v in values]


def _literal(value: Scalar, dim: Dimension, flt: Filter) -> exp.Expression:
    if dim.type == "number":
        return exp.Literal.number(_number(value, flt))
    if dim.type == "date":
        return _date(parse_date(value if isinstance(value, dt.date) else str(value)))
    if dim.type == "boolean":
        return exp.Boolean(this=str(value).strip().lower() in ("true", "1", "yes", "t"))
    return exp.Literal.string(value.isoformat() if isinstance(value, dt.date) else str(value))


def _number(value: Scalar, flt: Filter) -> int | float:
    if isinstance(value, (bool, dt.date)):
        raise keyed_error(QueryError, "errors.query.number", field=flt.field, value=repr(value))
    try:
        number = float(value)
    except ValueError as err:
        raise keyed_error(QueryError, "errors.query.number", field=flt.field, value=repr(value)) from err
    return int(number) if number.is_integer() else number


# Phone-like: digits (with + - or spaces), at least 10 characters: 138****5678; anything else: 张**.
_PHONE_LIKE = r"^\+?[0-9][0-9 -]{9,}$"


def masked(value: exp.Expression) -> exp.Expression:
    """A value a user may see only in part: the first 3 and last 4 characters of a phone number,
    the first character of anything else (a name, an e-mail); NULL stays NULL.

    >>> import duckdb
    >>> duckdb.sql(f"SELECT {masked(exp.Literal.string('13812345678')).sql('duckdb')}").fetchall()[0][0]
    '138****5678'
    """
    text = exp.cast(value, "VARCHAR")
    phone = exp.DPipe(this=exp.DPipe(this=exp.Left(this=text.copy(), expression=exp.Literal.number(3)),
                                     expression=exp.Literal.string("****")),
                      expression=exp.Right(this=text.copy(), expression=exp.Literal.number(4)))
    other = exp.DPipe(this=exp.Left(this=text.copy(), expression=exp.Literal.number(1)),
                      expression=exp.Literal.string("**"))
    test = exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(_PHONE_LIKE))
    return exp.Case().when(test, phone).else_(other)
