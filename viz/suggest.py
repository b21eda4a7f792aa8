"""Which chart fits a result, and where a click drills down to next.

The rules follow the shape of the result, the way an analyst would choose:

- one number → a KPI card (a sparkline can be drawn from `sparkline_query`);
- a time grain → a line (one line per category of a second dimension); bars for one or two buckets;
- two measures by a category → a scatter of one against the other (grouped bars for
  fewer than `SCATTER_MIN` categories or more measures);
- one category → bars sorted by value, or a donut for a share of a whole
  (a single additive measure over at most `PIE_MAX` categories of a dimension
  that splits a whole, like channel or product category);
- two categories → a heatmap, or stacked bars when one side has few values;
- more rows than a chart can show → a table.

>>> from semantic.model import load_model
>>> from workspace.home import DEMO_MODEL
>>> model = load_model(DEMO_MODEL)
>>> drill_next("region", model), drill_next("year", model), drill_next("city", model)
('city', 'quarter', None)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import polars as pl

from errors import QueryError
from semantic.model import SemanticModel
from semantic.periods import add_months
from semantic.query import GRAINS, Filter, SemanticQuery, TimeRange, parse_date
from viz.chart_spec import ChartSpec
from viz.i18n import keyed_error
from viz.labels import key_columns

PIE_MAX = 6
STACK_MAX = 8
TABLE_ROWS = 60
HEATMAP_CELLS = 400
SCATTER_MIN = 5
LINE_MIN = 3
DRILL_PATHS: dict[str, str] = {"region": "city", "campaign_type": "campaign_name", "age_band": "age",
                               "year": "quarter", "quarter": "month", "month": "day", "week": "day"}


def suggest_chart(query: SemanticQuery, frame: pl.DataFrame, model: SemanticModel) -> ChartSpec:
    """The chart a reader would draw for this result."""
    keys = key_columns(query)
    metrics = query.metrics
    if not keys:
        return ChartSpec("kpi", y=metrics[:1]) if len(metrics) == 1 else ChartSpec("table")
    too_many = HEATMAP_CELLS if len(keys) == 2 else TABLE_ROWS
    if (frame.height > too_many and not query.time_grain) or len(keys) > 2:
        return ChartSpec("table")
    if query.time_grain:  # a line needs three points; one or two buckets (a month of 30 days) read as bars
        kind = "line" if _distinct(frame, query.time_grain) > LINE_MIN - 1 else "bar"
        return ChartSpec(kind, x=query.time_grain, y=metrics, color=_other(keys, query.time_grain))
    first = keys[0]
    if len(keys) == 2:
        return _two_categories(keys, frame, metrics)
    if len(metrics) == 2 and _distinct(frame, first) >= SCATTER_MIN:
        return ChartSpec("scatter", x=first, y=metrics)
    if len(metrics) > 1:
        return ChartSpec("bar_grouped", x=first, y=metrics)
    if _share_of_whole(metrics, first, frame, model):
        return ChartSpec("donut", x=first, y=metrics)
    return ChartSpec("bar_horizontal" if _distinct(frame, first) > 12 else "bar", x=first, y=metrics)


def _other(keys: tuple[str, ...], key: str) -> str | None:
    return next((k for k in keys if k != key), None)


def _distinct(frame: pl.DataFrame, column: str) -> int:
    return frame[column].n_unique() if column in frame.columns else 0


def _two_categories(keys: tuple[str, ...], frame: pl.DataFrame, metrics: tuple[str, ...]) -> ChartSpec:
    small = min(keys, key=lambda k: _distinct(frame, k))
    big = _other(keys, small)
    if _distinct(frame, small) <= STACK_MAX and len(metrics) == 1 and _distinct(frame, big or small) <= 15:
        return ChartSpec("bar_stacked", x=big, y=metrics, color=small)
    return ChartSpec("heatmap", x=keys[0], y=metrics[:1], color=keys[1])


def _share_of_whole(metrics: tuple[str, ...], dimension: str, frame: pl.DataFrame, model: SemanticModel) -> bool:
    """One additive, non-negative metric split by a few categories: parts of a whole."""
    if len(metrics) != 1 or not 2 <= frame.height <= PIE_MAX or dimension in GRAINS:
        return False
    metric = model.metrics[metrics[0]]
    additive = metric.measure is not None and model.measures[metric.measure].agg in ("sum", "count")
    values = frame[metrics[0]].drop_nulls() if metrics[0] in frame.columns else pl.Series([])
    return additive and dimension in model.dimensions and model.dimensions[dimension].type == "string" \
        and bool(values.len()) and float(values.min()) >= 0  # type: ignore[arg-type]


def grain_for(window: TimeRange | None) -> str:
    """The time grain that gives a period a readable line: days up to two months, weeks up to half a year,
    months up to three years, quarters beyond; months for all time.

    >>> grain_for(TimeRange(dt.date(2025, 12, 2), dt.date(2025, 12, 31))), grain_for(None)
    ('day', 'month')
    """
    days = window.days if window is not None else None
    if days is None:
        return "month"
    return "day" if days <= 62 else "week" if days <= 190 else "month" if days <= 1100 else "quarter"


def sparkline_query(query: SemanticQuery) -> SemanticQuery:
    """The KPI's metric over time, for the small line under the number: by day up to 92 days, else by month."""
    days = query.time_range.days if query.time_range else 10_000
    return replace(query, metrics=query.metrics[:1], dimensions=(), time_grain="day" if days <= 92 else "month",
                   compare=None, order_by=(), limit=None)


def drill_next(dimension: str, model: SemanticModel) -> str | None:
    """The finer level below `dimension` (region → city; year → quarter → month → day), if the model has it."""
    following = DRILL_PATHS.get(dimension)
    if following is None or (following not in GRAINS and following not in model.dimensions):
        return None
    return following


def drill(query: SemanticQuery, dimension: str, value: object, model: SemanticModel | None = None) -> SemanticQuery:
    """The query after clicking `value` of `dimension`: filtered to it, split by the next level instead.

    Clicking a time bucket narrows the period to that bucket and moves to the next grain.
    """
    if dimension in GRAINS:
        return _drill_time(query, dimension, value)
    if dimension not in query.dimensions:
        raise keyed_error(QueryError, "errors.chart.no_drill", dimension=dimension)
    following = DRILL_PATHS.get(dimension) if model is None else drill_next(dimension, model)
    kept = tuple(f for f in query.filters if f.field != dimension)
    dims = tuple(following if d == dimension else d for d in query.dimensions if d != following) \
        if following else tuple(d for d in query.dimensions if d != dimension)
    if not dims and not query.metrics:
        dims = (dimension,)
    return replace(query, dimensions=dims, filters=(*kept, Filter(dimension, "=", value)),  # type: ignore[arg-type]
                   order_by=tuple(o for o in query.order_by if o.field != dimension))


def _drill_time(query: SemanticQuery, grain: str, value: object) -> SemanticQuery:
    start = value.date() if isinstance(value, dt.datetime) else parse_date(value)  # type: ignore[arg-type]
    end = _bucket_end(start, grain)
    if query.time_range is not None:
        start, end = max(start, query.time_range.start), min(end, query.time_range.end)
    return replace(query, time_range=TimeRange(start, end), time_grain=DRILL_PATHS.get(grain, grain),
                   compare=None)


def _bucket_end(start: dt.date, grain: str) -> dt.date:
    months = {"year": 12, "quarter": 3, "month": 1}.get(grain)
    if months:
        return add_months(start, months) - dt.timedelta(days=1)
    return start + dt.timedelta(days=6 if grain == "week" else 0)
