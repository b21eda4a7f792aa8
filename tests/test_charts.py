"""Every chart kind drawn from real query results on the demo warehouse, with the query's numbers and labels."""

from __future__ import annotations

import datetime as dt
import io

import duckdb
import pytest
from PIL import Image

from errors import InputError
from semantic.answer import run_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.query import SemanticQuery, TimeRange
from tests.conftest import same_rows
from viz.charts import CHART_KINDS, ChartSpec, build_figure, table_frame, totals_queries
from viz.format import format_value
from viz.geo import locate
from viz.static import figure_png
from viz.suggest import sparkline_query
from viz.tables import table_data

Q = SemanticQuery
YEAR = TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
CASES = {
    "kpi": Q(metrics=("revenue",), time_range=YEAR, compare="previous_period"),
    "line": Q(metrics=("revenue", "orders"), time_grain="month"),
    "area": Q(metrics=("revenue",), dimensions=("channel",), time_grain="quarter"),
    "bar": Q(metrics=("revenue",), dimensions=("channel",)),
    "bar_stacked": Q(metrics=("revenue",), dimensions=("channel", "region")),
    "bar_grouped": Q(metrics=("revenue", "aov"), dimensions=("channel",)),
    "bar_horizontal": Q(metrics=("revenue",), dimensions=("region",)),
    "pie": Q(metrics=("revenue",), dimensions=("product_category",)),
    "donut": Q(metrics=("revenue",), dimensions=("channel",)),
    "scatter": Q(metrics=("spend", "campaign_revenue"), dimensions=("campaign_name",)),
    "heatmap": Q(metrics=("revenue",), dimensions=("channel", "region")),
    "funnel": Q(metrics=("impressions", "clicks")),
    "map": Q(metrics=("revenue",), dimensions=("city",)),
    "radar": Q(metrics=("revenue",), dimensions=("channel",)),
    "table": Q(metrics=("revenue", "aov"), dimensions=("channel",)),
    "pivot": Q(metrics=("aov",), dimensions=("channel", "region")),
}


def _plotted(figure: object) -> list[float]:
    """Every number the figure's traces plot, whichever attribute holds them."""
    out: list[float] = []
    for trace in figure.data:  # type: ignore[attr-defined]
        attr = {"pie": "values", "scatterpolar": "r", "heatmap": "z", "funnel": "x"}.get(trace.type)
        if trace.type == "scatter" and trace.mode == "markers+text":  # the map: values beside the bubbles
            out += [float(row[1]) for row in trace.customdata]
            continue
        if trace.type == "bar":
            attr = "x" if trace.orientation == "h" else "y"
        values = getattr(trace, attr or "y") or ()
        flat = [v for row in values for v in row] if trace.type == "heatmap" else list(values)
        out += [float(v) for v in flat if isinstance(v, int | float) or hasattr(v, "as_integer_ratio")]
    return out


@pytest.mark.parametrize("kind", CHART_KINDS)
def test_every_kind_draws_the_query_numbers(kind: str, model: SemanticModel, engine: DuckDBEngine) -> None:
    query = CASES[kind]
    frame = run_query(query, model, engine).frame
    figure = build_figure(ChartSpec(kind), frame, query, model, "en")
    if kind in ("table", "pivot", "kpi"):
        assert figure.data or figure.layout.annotations, kind
        return
    plotted = sorted(round(v, 6) for v in _plotted(figure) if v == v)
    metric = query.metrics[0] if kind != "scatter" else query.metrics[1]
    expected = [round(float(v), 6) for v in frame[metric].to_list() if v is not None]
    assert set(expected) <= set(plotted), kind


@pytest.mark.parametrize("kind", CHART_KINDS)
def test_every_kind_renders_as_an_image(kind: str, model: SemanticModel, engine: DuckDBEngine) -> None:
    query = CASES[kind]
    frame = run_query(query, model, engine).frame
    line = run_query(sparkline_query(query), model, engine).frame if kind == "kpi" else None
    png = figure_png(build_figure(ChartSpec(kind), frame, query, model, "zh", sparkline=line), 600, 360)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size == (600, 360)
    assert image.getextrema()[0] < 120  # something dark was drawn on the white page


def test_bar_heights_equal_hand_written_sql(model: SemanticModel, engine: DuckDBEngine,
                                            con: duckdb.DuckDBPyConnection) -> None:
    query = CASES["bar"]
    figure = build_figure(ChartSpec("bar"), run_query(query, model, engine).frame, query, model, "en")
    bars = list(zip(figure.data[0].x, figure.data[0].y, strict=True))
    expected = con.execute("SELECT channel, SUM(net_amount) FROM orders WHERE status = 'completed' "
                       "GROUP BY 1 ORDER BY 2 DESC").fetchall()
    assert same_rows(bars, expected)


def test_kpi_shows_the_number_and_change_in_each_language(model: SemanticModel, engine: DuckDBEngine,
                                                         con: duckdb.DuckDBPyConnection) -> None:
    query = CASES["kpi"]
    frame = run_query(query, model, engine).frame
    total = con.execute("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
                    "AND order_date BETWEEN '2025-01-01' AND '2025-12-31'").fetchone()[0]
    zh = build_figure(ChartSpec("kpi"), frame, query, model, "zh")
    en = build_figure(ChartSpec("kpi"), frame, query, model, "en")
    assert zh.layout.annotations[0].text == f"<b>¥{total / 1e4:,.2f}万</b>"
    assert en.layout.annotations[0].text == f"<b>¥{total / 1e6:.1f}M</b>"
    assert zh.layout.annotations[1].text == "销售额" and "较上期" in zh.layout.annotations[2].text


def test_axes_titles_and_hover_are_in_the_chosen_language(model: SemanticModel, engine: DuckDBEngine) -> None:
    query = CASES["line"]
    frame = run_query(query, model, engine).frame
    zh = build_figure(ChartSpec("line"), frame, query, model, "zh")
    en = build_figure(ChartSpec("line"), frame, query, model, "en")
    assert "销售额" in zh.layout.title.text and "Revenue" in en.layout.title.text
    assert any("万" in text for text in zh.layout.yaxis.ticktext)
    assert any(text.endswith("M") for text in en.layout.yaxis.ticktext)
    assert zh.layout.xaxis.ticktext[0] == "2024年1月" and en.layout.xaxis.ticktext[0] == "Jan 2024"
    assert zh.data[1].yaxis == "y2"  # orders (a count) on its own axis beside revenue (money)
    assert zh.data[0].customdata[0][1].endswith("万")


def test_categories_show_their_model_labels_but_keep_raw_values(model: SemanticModel,
                                                               engine: DuckDBEngine) -> None:
    query = CASES["bar"]
    figure = build_figure(ChartSpec("bar"), run_query(query, model, engine).frame, query, model, "zh")
    assert figure.data[0].x[0] == "Tmall"  # what a click returns, for drill-down
    assert figure.layout.xaxis.ticktext[0] == "天猫"
    assert figure.data[0].customdata[0][2] == "Tmall"


def test_table_totals_come_from_the_semantic_layer(model: SemanticModel, engine: DuckDBEngine,
                                                   con: duckdb.DuckDBPyConnection) -> None:
    query, spec = CASES["table"], ChartSpec("table")
    totals = {name: run_query(q, model, engine).frame for name, q in totals_queries(spec, query).items()}
    data = table_data(spec, run_query(query, model, engine).frame, query, model, "zh", totals)
    revenue, orders = con.execute("SELECT SUM(net_amount), COUNT(DISTINCT order_id) FROM orders "
                              "WHERE status = 'completed'").fetchone()
    assert data.rows[-1][0] == "合计" and data.labels == ["渠道", "销售额", "客单价"]
    assert data.rows[-1][1] == pytest.approx(revenue) and data.rows[-1][2] == pytest.approx(revenue / orders)
    styled = table_frame(spec, run_query(query, model, engine).frame, query, model, "zh", totals).to_html()
    assert "background-color: rgba(37, 99, 235" in styled and "font-weight: bold" in styled


def test_pivot_has_row_column_and_grand_totals(model: SemanticModel, engine: DuckDBEngine,
                                               con: duckdb.DuckDBPyConnection) -> None:
    query, spec = CASES["pivot"], ChartSpec("pivot")
    totals = {name: run_query(q, model, engine).frame for name, q in totals_queries(spec, query).items()}
    data = table_data(spec, run_query(query, model, engine).frame, query, model, "en", totals)
    east = data.labels.index("East")
    tmall = next(row for row in data.rows if row[0] == "Tmall")
    expected = con.execute("SELECT SUM(o.net_amount) / COUNT(DISTINCT o.order_id) FROM orders o JOIN customers c "
                       "USING (customer_id) WHERE o.status = 'completed' AND c.region = 'East' "
                       "AND o.channel = 'Tmall'").fetchone()[0]
    by_east = con.execute("SELECT SUM(o.net_amount) / COUNT(DISTINCT o.order_id) FROM orders o JOIN customers c "
                      "USING (customer_id) WHERE o.status = 'completed' AND c.region = 'East'").fetchone()[0]
    assert tmall[east] == pytest.approx(expected)
    assert data.rows[-1][0] == "Total" and data.rows[-1][east] == pytest.approx(by_east)
    assert data.labels[-1] == "Total" and tmall[-1] is not None


def test_names_with_markup_are_escaped(model: SemanticModel, engine: DuckDBEngine) -> None:
    query = CASES["bar"]
    spec = ChartSpec("bar", title="<script>alert(1)</script>")
    figure = build_figure(spec, run_query(query, model, engine).frame, query, model, "en")
    assert "<script>" not in figure.layout.title.text and "&lt;script&gt;" in figure.layout.title.text


def test_map_places_chinese_cities_regions_and_countries() -> None:
    kind, places = locate(["Shanghai", "北京", "Atlantis"])
    assert kind == "city" and places[0] is not None and places[0].name("zh") == "上海"
    assert places[1] is not None and places[1].lon == pytest.approx(116.40) and places[2] is None
    assert locate(["East", "Northwest"])[0] == "region"
    assert locate(["Japan", "France"])[0] == "country"


def test_map_lists_places_it_cannot_place(model: SemanticModel, engine: DuckDBEngine) -> None:
    query = CASES["map"]
    frame = run_query(query, model, engine).frame
    figure = build_figure(ChartSpec("map"), frame, query, model, "en")
    assert len(figure.data[1].x) == frame.height  # every demo city is placed
    odd = frame.with_columns(frame["city"].replace({"Shanghai": "Gotham"}))
    assert "Gotham" in build_figure(ChartSpec("map"), odd, query, model, "en").layout.xaxis.title.text


def test_chart_spec_round_trip_and_bad_input() -> None:
    spec = ChartSpec("bar_stacked", x="channel", y=("revenue",), color="region", title="Mix")
    assert ChartSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(InputError, match="Unknown chart type 'donught'"):
        ChartSpec("donught")
    with pytest.raises(InputError, match="Unknown part of a chart: colour"):
        ChartSpec.from_dict({"kind": "bar", "colour": "x"})


def test_a_column_the_result_lacks_is_refused_in_words(model: SemanticModel, engine: DuckDBEngine) -> None:
    query = CASES["bar"]
    with pytest.raises(InputError, match="needs the column"):
        build_figure(ChartSpec("bar", y=("profit",)), run_query(query, model, engine).frame, query, model, "en")


def test_stacked_bars_are_ordered_by_their_totals(model: SemanticModel, engine: DuckDBEngine,
                                                  con: duckdb.DuckDBPyConnection) -> None:
    query = CASES["bar_stacked"]
    figure = build_figure(ChartSpec("bar_stacked"), run_query(query, model, engine).frame, query, model, "en")
    expected = [r[0] for r in con.execute("SELECT channel FROM orders WHERE status = 'completed' "
                                          "GROUP BY 1 ORDER BY SUM(net_amount) DESC").fetchall()]
    assert list(figure.layout.xaxis.tickvals) == expected and figure.layout.barmode == "stack"
    top = max(figure.layout.yaxis.tickvals)
    assert top >= con.execute("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
                              "AND channel = ?", [expected[0]]).fetchone()[0]


def test_heatmap_orders_by_total_and_has_a_formatted_colour_bar(model: SemanticModel, engine: DuckDBEngine,
                                                                con: duckdb.DuckDBPyConnection) -> None:
    query = CASES["heatmap"]
    figure = build_figure(ChartSpec("heatmap"), run_query(query, model, engine).frame, query, model, "zh")
    trace, layout = figure.data[0], figure.layout
    channels = [r[0] for r in con.execute("SELECT channel FROM orders WHERE status = 'completed' GROUP BY 1 "
                                          "ORDER BY SUM(net_amount) DESC").fetchall()]
    regions = [r[0] for r in con.execute("SELECT c.region FROM orders o JOIN customers c USING (customer_id) "
                                         "WHERE o.status = 'completed' GROUP BY 1 ORDER BY SUM(o.net_amount) DESC")
               .fetchall()]
    x_dim, y_dim = model.dimensions["channel"], model.dimensions["region"]
    assert list(trace.x) == [x_dim.value_label(c, "zh") for c in channels]
    assert list(trace.y) == [y_dim.value_label(r, "zh") for r in regions] and layout.yaxis.autorange == "reversed"
    assert layout.xaxis.title.text == x_dim.label("zh") and layout.yaxis.title.text == y_dim.label("zh")
    assert trace.showscale is not False and trace.colorbar.title.text == "销售额"
    assert list(trace.colorbar.ticktext) == [format_value(v, "currency", "zh") for v in trace.colorbar.tickvals]
