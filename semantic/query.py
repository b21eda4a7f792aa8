"""SemanticQuery: the one structure every question, chart, tile and link becomes.

It names metrics and dimensions from the model, never SQL, so the LLM's output
schema, a dashboard tile's payload, the Explore page's state and a share link's
query string are all this type, serialised with `to_dict`/`from_dict`.

>>> q = SemanticQuery(metrics=("revenue",), dimensions=("channel",), time_grain="month",
...                   filters=parse_where("region = 'East'"))
>>> SemanticQuery.from_dict(q.to_dict()) == q
True
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp

from errors import QueryError
from viz.i18n import keyed_error

GRAINS = ("day", "week", "month", "quarter", "year")
COMPARISONS = ("previous_period", "previous_year")
OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "in", "not in", "between", "like", "not like",
             "is null", "is not null")
Scalar = str | int | float | bool | dt.date


@dataclass(frozen=True)
class Filter:
    """`field op value`; `value` is a tuple for in/not in/between and None for is (not) null."""

    field: str
    op: str = "="
    value: Scalar | tuple[Scalar, ...] | None = None

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise keyed_error(QueryError, "errors.query.operator", op=self.op, field=self.field,
                              choices=", ".join(OPERATORS))
        if isinstance(self.value, list):
            object.__setattr__(self, "value", tuple(self.value))


@dataclass(frozen=True)
class TimeRange:
    """Inclusive start and end dates."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise keyed_error(QueryError, "errors.query.period_order", start=self.start, end=self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class OrderBy:
    field: str
    desc: bool = False


@dataclass(frozen=True)
class Policy:
    """A user's data access, applied by the compiler to every query it builds and to raw SQL.

    `row_filters` are ANDed to every fact; a `masked` dimension is shown as 138****5678 or 张**;
    a `hidden` dimension cannot be shown or filtered at all.
    """

    name: str = "everyone"
    row_filters: tuple[Filter, ...] = ()
    masked: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("row_filters", "masked", "hidden"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @property
    def restricted(self) -> bool:
        """Whether the policy limits anything (an unrestricted policy leaves SQL unchanged)."""
        return bool(self.row_filters or self.masked or self.hidden)

    def combined(self, other: Policy) -> Policy:
        """Both policies at once: rows must pass every filter, and what either masks or hides stays so.

        A share link's frozen policy is combined with the viewer's, never swapped in, so a link frozen by an
        unrestricted owner cannot widen a restricted viewer's access. The name stays this (the acting) policy's.
        """
        def union(mine: tuple[Any, ...], theirs: tuple[Any, ...]) -> tuple[Any, ...]:
            return mine + tuple(x for x in theirs if x not in mine)

        return Policy(self.name, union(self.row_filters, other.row_filters), union(self.masked, other.masked),
                      union(self.hidden, other.hidden))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, so a link can freeze its owner's policy."""
        return {"name": self.name, "row_filters": [_filter_dict(f) for f in self.row_filters],
                "masked": list(self.masked), "hidden": list(self.hidden)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Policy:
        try:
            filters = tuple(Filter(f["field"], f.get("op", "="), _from_json(f.get("value")))
                            for f in data.get("row_filters") or ())
            return cls(str(data.get("name", "everyone")), filters, tuple(data.get("masked") or ()),
                       tuple(data.get("hidden") or ()))
        except (AttributeError, KeyError, TypeError) as err:
            raise keyed_error(QueryError, "errors.query.bad_policy", reason=str(err)) from err


@dataclass(frozen=True)
class SemanticQuery:
    metrics: tuple[str, ...]
    dimensions: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    time_grain: str | None = None
    time_range: TimeRange | None = None
    order_by: tuple[OrderBy, ...] = ()
    limit: int | None = None
    compare: str | None = None

    def __post_init__(self) -> None:
        for name in ("metrics", "dimensions", "filters", "order_by"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.metrics and not self.dimensions:
            raise keyed_error(QueryError, "errors.query.empty")
        _check_choice("time grain", self.time_grain, GRAINS)
        _check_choice("comparison", self.compare, COMPARISONS)
        if self.compare and self.time_range is None:
            raise keyed_error(QueryError, "errors.query.compare_period")
        if self.limit is not None and self.limit < 1:
            raise keyed_error(QueryError, "errors.query.limit", limit=self.limit)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; dates as ISO strings, empty parts left out."""
        out: dict[str, Any] = {"metrics": list(self.metrics)}
        if self.dimensions:
            out["dimensions"] = list(self.dimensions)
        if self.filters:
            out["filters"] = [_filter_dict(f) for f in self.filters]
        if self.time_grain:
            out["time_grain"] = self.time_grain
        if self.time_range:
            out["time_range"] = [self.time_range.start.isoformat(), self.time_range.end.isoformat()]
        if self.order_by:
            out["order_by"] = [{"field": o.field, "desc": o.desc} for o in self.order_by]
        for key in ("limit", "compare"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SemanticQuery:
        """Inverse of `to_dict`; anything malformed becomes a QueryError that says what."""
        if not isinstance(data, dict):
            raise keyed_error(QueryError, "errors.query.not_an_object")
        unknown = set(data) - {"metrics", "dimensions", "filters", "time_grain", "time_range",
                               "order_by", "limit", "compare"}
        if unknown:
            raise keyed_error(QueryError, "errors.query.unknown_part", parts=", ".join(sorted(unknown)))
        try:
            return cls(metrics=tuple(data.get("metrics") or ()),
                       dimensions=tuple(data.get("dimensions") or ()),
                       filters=tuple(Filter(f["field"], f.get("op", "="), _from_json(f.get("value")))
                                     for f in data.get("filters") or ()),
                       time_grain=data.get("time_grain"),
                       time_range=_range_from(data.get("time_range")),
                       order_by=tuple(OrderBy(o["field"], bool(o.get("desc", False)))
                                      for o in data.get("order_by") or ()),
                       limit=data.get("limit"), compare=data.get("compare"))
        except (KeyError, TypeError, ValueError) as err:
            if isinstance(err, QueryError):
                raise
            raise keyed_error(QueryError, "errors.query.malformed", reason=str(err)) from err


def _check_choice(what: str, value: str | None, options: tuple[str, ...]) -> None:
    if value is not None and value not in options:
        raise keyed_error(QueryError, "errors.query.unknown_choice", value=value, choices=", ".join(options),
                          what_key=f"errors.query.what.{what.replace(' ', '_')}")


def _filter_dict(f: Filter) -> dict[str, Any]:
    value = f.value
    if isinstance(value, tuple):
        value = [v.isoformat() if isinstance(v, dt.date) else v for v in value]
    elif isinstance(value, dt.date):
        value = value.isoformat()
    return {"field": f.field, "op": f.op, "value": value}


def _from_json(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _range_from(value: Any) -> TimeRange | None:
    if value is None:
        return None
    start, end = value
    return TimeRange(parse_date(start), parse_date(end))


def parse_date(text: str | dt.date) -> dt.date:
    """An ISO date (2025-06-18); anything else is a QueryError that quotes it."""
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError as err:
        raise keyed_error(QueryError, "errors.query.not_a_date", text=text) from err


def parse_order(text: str) -> OrderBy:
    """'revenue desc', 'revenue asc', '-revenue' or 'revenue'.

    >>> parse_order("revenue DESC"), parse_order("-aov")
    (OrderBy(field='revenue', desc=True), OrderBy(field='aov', desc=True))
    """
    words = text.strip().split()
    direction = words[1].lower() if len(words) == 2 else "asc"
    if not words or len(words) > 2 or direction not in ("asc", "desc"):
        raise keyed_error(QueryError, "errors.query.sort_order", text=repr(text))
    field = words[0]
    return OrderBy(field.lstrip("-"), desc=direction == "desc" or field.startswith("-"))


_COMPARISON_OPS: dict[type[exp.Expression], str] = {
    exp.EQ: "=", exp.NEQ: "!=", exp.GT: ">", exp.GTE: ">=", exp.LT: "<", exp.LTE: "<=",
    exp.Like: "like",
}


def parse_where(text: str) -> tuple[Filter, ...]:
    """Parse `region = 'East' AND age >= 30` style conditions (joined by AND) into filters.

    >>> parse_where("channel IN ('Tmall', 'JD') AND age BETWEEN 20 AND 30")[1]
    Filter(field='age', op='between', value=(20, 30))
    """
    try:
        tree = sqlglot.parse_one(text, read="duckdb", into=exp.Condition)
    except sqlglot.errors.ParseError as err:
        first = err.errors[0] if err.errors else {}
        raise keyed_error(QueryError, "errors.query.filter_unreadable", text=repr(text),
                          reason=str(first.get("description", err)), column=first.get("col", "?")) from err
    return tuple(_condition(part, text) for part in tree.flatten() if part is not None) \
        if isinstance(tree, exp.And) else (_condition(tree, text),)


def _condition(node: exp.Expression, text: str) -> Filter:
    if isinstance(node, exp.Or):
        raise keyed_error(QueryError, "errors.query.filter_or", text=repr(text))
    negated = isinstance(node, exp.Not) or bool(node.args.get("negate"))
    inner = node.this if isinstance(node, exp.Not) else node
    inner = inner.this if isinstance(inner, exp.Paren) else inner
    field = _field_name(inner, text)
    if isinstance(inner, exp.Is):
        return Filter(field, "is not null" if negated else "is null")
    if isinstance(inner, exp.In):
        return Filter(field, "not in" if negated else "in", tuple(_literal(v, text) for v in inner.expressions))
    if isinstance(inner, exp.Between):
        return Filter(field, "between", (_literal(inner.args["low"], text), _literal(inner.args["high"], text)))
    op = _COMPARISON_OPS.get(type(inner))
    if op is None or (negated and op != "like"):
        raise keyed_error(QueryError, "errors.query.filter_condition", condition=node.sql(), text=repr(text))
    return Filter(field, f"not {op}" if negated else op, _literal(inner.expression, text))


def _field_name(node: exp.Expression, text: str) -> str:
    column = node.this if node is not None else None
    if not isinstance(column, exp.Column):
        raise keyed_error(QueryError, "errors.query.filter_field", text=repr(text))
    return column.name


def _literal(node: exp.Expression, text: str) -> Scalar:
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        return -_literal(node.this, text)  # type: ignore[operator]
    if isinstance(node, exp.Boolean):
        return bool(node.this)
    if not isinstance(node, exp.Literal):
        raise keyed_error(QueryError, "errors.query.filter_value", text=repr(text), got=node.sql())
    if node.is_string:
        return node.this
    number = float(node.this)
    return int(number) if number.is_integer() and "." not in node.this else number
