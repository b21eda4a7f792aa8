"""Chart suggestion from the shape of real results, and drill-down to the next level."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from errors import QueryError
from semantic.answer import run_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.query import Filter, SemanticQuery, TimeRange
from viz.charts import build_figure
from viz.suggest import drill, drill_next, grain_for, sparkline_query, suggest_chart

Q = SemanticQuery


@pytest.mark.parametrize(("query", "kind", "x", "color"), [
    (Q(metrics=("revenue",)), "kpi", None, None),
    (Q(metrics=("revenue", "orders")), "table", None, None),
    (Q(metrics=("revenue",), time_grain="month"), "line", "month", None),
    (Q(metrics=("revenue",), dimensions=("channel",), time_grain="month",
       time_range=TimeRange(dt.date(2025, 12, 2), dt.date(2025, 12, 31))), "bar", "month", "channel"),
    (Q(metrics=("revenue",), dimensions=("channel",), time_grain="quarter"), "line", "quarter", "channel"),
    (Q(metrics=("revenue",), dimensions=("channel",)), "donut", "channel", None),
    (Q(metrics=("aov",), dimensions=("channel",)), "bar", "channel", None),
    (Q(metrics=("revenue",), dimensions=("age_band",), filters=(Filter("region", "=", "East"),)), "donut",
     "age_band", None),
    (Q(metrics=("revenue",), dimensions=("campaign_name",)), "bar_horizontal", "campaign_name", None),
    (Q(metrics=("spend", "campaign_revenue"), dimensions=("campaign_name",)), "scatter", "campaign_name", None),
    (Q(metrics=("revenue", "orders", "aov"), dimensions=("channel",)), "bar_grouped", "channel", None),
    (Q(metrics=("revenue",), dimensions=("channel", "region")), "bar_stacked", "region", "channel"),
    (Q(metrics=("revenue",), dimensions=("campaign_name", "product_category")), "heatmap", "campaign_name",
     "product_category"),
    (Q(metrics=("revenue",), dimensions=("city",)), "table", None, None),
    (Q(metrics=("revenue",), dimensions=("city", "channel")), "table", None, None),
])
def test_suggestion_follows_the_shape_of_the_result(query: SemanticQuery, kind: str, x: str | None,
                                                    color: str | None, model: SemanticModel,
                                                    engine: DuckDBEngine) -> None:
    spec = suggest_chart(query, run_query(query, model, engine).frame, model)
    assert (spec.kind, spec.x, spec.color) == (kind, x, color)


def test_pie_only_for_few_categories_of_an_additive_metric(model: SemanticModel, engine: DuckDBEngine) -> None:
    many = Q(metrics=("revenue",), dimensions=("city",), order_by=(), limit=20)
    assert suggest_chart(many, run_query(many, model, engine).frame, model).kind != "donut"
    ratio = Q(metrics=("refund_rate",), dimensions=("channel",))
    assert suggest_chart(ratio, run_query(ratio, model, engine).frame, model).kind == "bar"


def test_suggested_bars_are_sorted_by_value(model: SemanticModel, engine: DuckDBEngine) -> None:
    query = Q(metrics=("aov",), dimensions=("channel",))
    frame = run_query(query, model, engine).frame
    figure = build_figure(suggest_chart(query, frame, model), frame, query, model, "en")
    heights = list(figure.data[0].y)
    assert heights == sorted(heights, reverse=True) and len(heights) == 6


def test_kpi_sparkline_query(model: SemanticModel, engine: DuckDBEngine) -> None:
    short = Q(metrics=("revenue",), time_range=TimeRange(dt.date(2025, 12, 1), dt.date(2025, 12, 31)),
              compare="previous_period")
    line = sparkline_query(short)
    assert (line.time_grain, line.compare) == ("day", None)
    assert run_query(line, model, engine).frame.height == 31
    assert sparkline_query(Q(metrics=("revenue",))).time_grain == "month"


def test_drill_next_levels(model: SemanticModel) -> None:
    assert [drill_next(d, model) for d in ("region", "year", "quarter", "month", "city", "channel")] == \
        ["city", "quarter", "month", "day", None, None]


def test_drill_filters_by_the_value_and_moves_to_the_next_level(model: SemanticModel, engine: DuckDBEngine,
                                                                con: duckdb.DuckDBPyConnection) -> None:
    query = Q(metrics=("revenue",), dimensions=("region",))
    drilled = drill(query, "region", "East")
    assert drilled.dimensions == ("city",) and drilled.filters == (Filter("region", "=", "East"),)
    frame = run_query(drilled, model, engine).frame
    expected = con.execute("SELECT SUM(o.net_amount) FROM orders o JOIN customers c USING (customer_id) "
                           "WHERE o.status = 'completed' AND c.region = 'East'").fetchone()[0]
    assert frame["revenue"].sum() == pytest.approx(expected) and frame.height == 24


def test_drill_into_a_year_narrows_the_period(model: SemanticModel, engine: DuckDBEngine) -> None:
    query = Q(metrics=("revenue",), time_grain="year")
    drilled = drill(query, "year", "2025-01-01")
    assert drilled.time_grain == "quarter"
    assert drilled.time_range == TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    quarters = drill(drilled, "quarter", dt.date(2025, 4, 1))
    assert quarters.time_grain == "month" and quarters.time_range == TimeRange(dt.date(2025, 4, 1),
                                                                               dt.date(2025, 6, 30))
    assert run_query(quarters, model, engine).frame.height == 3


def test_drill_at_the_last_level_keeps_the_filter_and_drops_the_split() -> None:
    query = Q(metrics=("revenue",), dimensions=("city", "channel"), filters=(Filter("city", "=", "Xi'an"),))
    drilled = drill(query, "city", "Shanghai")
    assert drilled.dimensions == ("channel",) and drilled.filters == (Filter("city", "=", "Shanghai"),)
    with pytest.raises(QueryError, match="not split by 'region'"):
        drill(query, "region", "East")


def test_the_grain_that_suits_a_period() -> None:
    def days(n: int) -> TimeRange:
        return TimeRange(dt.date(2025, 12, 31) - dt.timedelta(days=n - 1), dt.date(2025, 12, 31))

    assert [grain_for(days(n)) for n in (7, 30, 62, 90, 183, 365, 1096, 2000)] == \
        ["day", "day", "day", "week", "week", "month", "month", "quarter"]
    assert grain_for(None) == "month"
