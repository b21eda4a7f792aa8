"""Per-customer behaviour as of a date, aggregated in DuckDB from one sqlglot query.

RFM, clustering, lifecycle and churn all read the same few numbers per customer
(days since the last purchase, purchases, spend, tenure, the usual gap between
purchases, recent activity). They are computed by one GROUP BY over the mapped
purchase rows that end at the cutoff, so a million customers cost one scan, and
nothing dated after the cutoff can reach a feature: the churn model's honesty
depends on that (tests/test_churn.py checks it by changing the future).

>>> sorted(FEATURES)[:3]
['amount_window', 'avg_gap_days', 'avg_order_value']
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl
import sqlglot
from sqlglot import exp

from errors import InputError
from ml.mapping import NUMBER_TYPES, Mapping, check_mapping, columns_of, purchases
from viz.i18n import keyed_error
from workspace import clock

FEATURES = {  # over one row per order (day = the order's day, amount = its total), so counts are plain counts
    "recency_days": "date_diff('day', max(day), as_of)",
    "frequency": "count(*)",
    "monetary": "round(sum(amount), 6)",  # rounded: a parallel sum's last bits vary between runs
    "tenure_days": "date_diff('day', min(day), as_of)",
    "avg_order_value": "round(sum(amount), 6) / count(*)",
    "avg_gap_days": "CASE WHEN count(*) > 1 THEN date_diff('day', min(day), max(day)) / (count(*) - 1) END",
    "orders_window": "count(*) FILTER (WHERE day > as_of - window)",
    "amount_window": "round(coalesce(sum(amount) FILTER (WHERE day > as_of - window), 0), 6)",
    "orders_prev_window": "count(*) FILTER (WHERE day > as_of - 2 * window AND day <= as_of - window)",
}
WINDOW_DAYS = 90  # "recent" activity: the last 90 days, and the 90 before them
MIN_CUSTOMERS = 20


def template(sql: str, **values: exp.Expression) -> exp.Expression:
    """Parse fixed SQL text and put sqlglot values where its bare names are (no user text is ever parsed)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(lambda node: values[node.name].copy()
                          if isinstance(node, exp.Column) and not node.table and node.name in values else node)


def date_literal(day: dt.date) -> exp.Expression:
    return exp.cast(exp.Literal.string(day.isoformat()), "DATE")


def _day_end(day: dt.date) -> exp.Expression:
    """Midnight after `day`: rows of that day are before it, whatever their time of day."""
    return exp.cast(exp.Add(this=date_literal(day), expression=exp.Interval(this=exp.Literal.string("1"),
                                                                            unit=exp.var("DAY"))), "TIMESTAMP")


def before(mapping: Mapping, cutoff: dt.date) -> exp.Select:
    """Purchase rows up to and including the cutoff day, and nothing later."""
    return purchases(mapping).where(exp.column("ts") < _day_end(cutoff))


def buyers_after(con: duckdb.DuckDBPyConnection, mapping: Mapping, cutoff: dt.date, days: int) -> set[str]:
    """Customers with a purchase in the `days` days after the cutoff day (the churn label's window)."""
    window = before(mapping, cutoff + dt.timedelta(days=days)).where(exp.column("ts") >= _day_end(cutoff))
    query = exp.select(exp.column("customer")).distinct().from_(window.subquery("p"))
    return {row[0] for row in con.execute(query.sql("duckdb")).fetchall()}


def orders_before(mapping: Mapping, cutoff: dt.date) -> exp.Select:
    """One row per customer and order up to the cutoff: its first day and total amount."""
    return (exp.select(exp.column("customer"), exp.column("order_key"),
                       exp.cast(exp.Min(this=exp.column("ts")), "DATE").as_("day"),
                       exp.Sum(this=exp.column("amount")).as_("amount"))
            .from_(before(mapping, cutoff).subquery("p")).group_by(exp.column("customer"), exp.column("order_key")))


def feature_query(mapping: Mapping, as_of: dt.date, window_days: int = WINDOW_DAYS) -> exp.Select:
    """One row per customer with every feature in FEATURES, from purchases up to `as_of`."""
    values = {"as_of": date_literal(as_of),
              "window": exp.Interval(this=exp.Literal.string(str(int(window_days))), unit=exp.var("DAY"))}
    columns = [template(sql, **values).as_(name) for name, sql in FEATURES.items()]
    return (exp.select(exp.column("customer"), *columns)
            .from_(orders_before(mapping, as_of).subquery("o")).group_by(exp.column("customer"))
            .order_by(exp.column("customer")))


def data_bounds(con: duckdb.DuckDBPyConnection, mapping: Mapping) -> tuple[dt.date, dt.date]:
    """First and last purchase day; an InputError when no row survives the exclusions."""
    check_mapping(con, mapping)
    rows = purchases(mapping).subquery("p")
    select = exp.select(exp.cast(exp.Min(this=exp.column("ts")), "DATE"),
                        exp.cast(exp.Max(this=exp.column("ts")), "DATE")).from_(rows)
    first, last = con.execute(select.sql("duckdb")).fetchall()[0]
    if first is None:
        raise keyed_error(InputError, "errors.features.no_purchases", table=mapping.table)
    return first, last


def check_as_of(as_of: dt.date, first: dt.date, today: dt.date | None = None) -> None:
    """Refuse analysis dates in the future or before the first purchase."""
    today = today or clock.today()
    if as_of > today:
        raise keyed_error(InputError, "errors.features.future", as_of=as_of.isoformat(), today=today.isoformat())
    if as_of < first:
        raise keyed_error(InputError, "errors.features.before_first", as_of=as_of.isoformat(), first=first.isoformat())


def customer_features(con: duckdb.DuckDBPyConnection, mapping: Mapping, as_of: dt.date,
                      window_days: int = WINDOW_DAYS, minimum: int = MIN_CUSTOMERS) -> pl.DataFrame:
    """The feature frame (one row per customer who bought by `as_of`), refusing too few customers."""
    frame = con.sql(feature_query(mapping, as_of, window_days).sql("duckdb")).pl()
    if frame.height < minimum:
        raise keyed_error(InputError, "errors.features.too_few", count=frame.height, table=mapping.table,
                          as_of=as_of.isoformat(), minimum=minimum)
    frame = frame.with_columns(pl.col(c).cast(pl.Float64) for c in FEATURES)
    if mapping.extras:
        frame = frame.join(con.sql(extras_query(con, mapping, as_of).sql("duckdb")).pl(), on="customer", how="left")
    return frame


def extra_name(column: str) -> str:
    return f"extra_{column}"


def extras_query(con: duckdb.DuckDBPyConnection, mapping: Mapping, as_of: dt.date) -> exp.Select:
    """The user's extra columns per customer: the mean of a numeric one (age, discount), the most frequent value
    of any other (category, channel, tier)."""
    types = columns_of(con, mapping.table)
    columns = []
    for i, name in enumerate(mapping.extras):
        value = exp.column(f"x_{i}")
        numeric = any(k in types[name] for k in NUMBER_TYPES)
        summary = exp.Avg(this=exp.cast(value, "DOUBLE")) if numeric else exp.func("mode", exp.cast(value, "VARCHAR"))
        columns.append(exp.alias_(summary, extra_name(name), quoted=True))
    return (exp.select(exp.column("customer"), *columns).from_(before(mapping, as_of).subquery("p"))
            .group_by(exp.column("customer")))
