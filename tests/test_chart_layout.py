"""Charts read whole outside the app: margins fit the labels, the legend has a row of its own, time ticks fit,
the map says what it shows, and exported HTML carries every label in Plotly's own theme."""

from __future__ import annotations

import datetime as dt
import json
import re

import duckdb
import plotly.io as pio
import polars as pl
import pytest
from streamlit.elements.lib.streamlit_plotly_theme import configure_streamlit_plotly_theme

from semantic.answer import run_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.query import SemanticQuery, TimeRange
from viz.charts import ChartSpec, build_figure
from viz.export import export_dashboard
from viz.geo import CLEAR_LAT, CLEAR_LON, LABELLED
from viz.layout import ROW_PX, TITLE_PX, legend_names
from viz.report_html import review_html
from viz.review import build_review
from viz.time_axis import WIDTH_PX, text_width
from workspace.dashboards import Dashboard, DashboardStore, Tile
from workspace.home import Workspace

Q = SemanticQuery
SPEND = Q(metrics=("spend", "campaign_revenue"), dimensions=("channel",))
CTR = Q(metrics=("ctr",), time_grain="month")


def _figure(kind: str, query: SemanticQuery, model: SemanticModel, engine: DuckDBEngine, lang: str) -> object:
    return build_figure(ChartSpec(kind), run_query(query, model, engine).frame, query, model, lang)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_legend_sits_above_the_plot_never_on_an_axis(lang: str, model: SemanticModel,
                                                         engine: DuckDBEngine) -> None:
    figure = _figure("bar_grouped", SPEND, model, engine, lang)
    layout = figure.layout
    assert layout.xaxis.automargin and layout.yaxis.automargin  # tick labels and 渠道 grow the margins
    assert layout.legend.orientation == "h" and layout.legend.y >= 1 and layout.legend.yanchor == "bottom"
    assert legend_names(figure) == [["广告花费", "活动销售额"], ["Ad spend", "Campaign revenue"]][lang == "en"]
    assert layout.margin.t >= TITLE_PX + ROW_PX  # the title, then the legend's row, then the plot
    assert list(layout.xaxis.ticktext[:3]) == [["天猫", "抖音", "京东"], ["Tmall", "Douyin", "JD"]][lang == "en"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_monthly_ticks_fit_and_name_the_year_where_it_starts(lang: str, model: SemanticModel,
                                                            engine: DuckDBEngine) -> None:
    axis = _figure("line", CTR, model, engine, lang).layout.xaxis
    texts, days = list(axis.ticktext), list(axis.tickvals)
    assert sum(text_width(t) + 12 for t in texts) <= WIDTH_PX  # no overlap in a third-of-the-page tile
    assert texts[0] == ("2024年1月" if lang == "zh" else "Jan 2024") and len(texts) >= 4
    for day, text in zip(days, texts, strict=True):
        month = dt.date.fromisoformat(str(day)[:10]).month
        assert (str(dt.date.fromisoformat(str(day)[:10]).year) in text) == (month == 1)
        assert text.endswith("月") if lang == "zh" else text[:3].isalpha()


def test_daily_ticks_over_a_month(model: SemanticModel, engine: DuckDBEngine) -> None:
    query = Q(metrics=("revenue",), time_grain="day", time_range=TimeRange(dt.date(2025, 12, 2), dt.date(2025, 12, 31)))
    axis = _figure("line", query, model, engine, "en").layout.xaxis
    assert axis.ticktext[0] == "Dec 2, 2025" and axis.ticktext[1] == "Dec 9" and len(axis.ticktext) >= 4


def test_donut_labels_push_the_margins_and_need_no_legend(model: SemanticModel, engine: DuckDBEngine) -> None:
    figure = _figure("donut", Q(metrics=("revenue",), dimensions=("product_category",)), model, engine, "en")
    assert figure.data[0].automargin is True and figure.layout.showlegend is False
    assert "label" in figure.data[0].textinfo  # every slice names itself


def test_radar_names_have_room(model: SemanticModel, engine: DuckDBEngine) -> None:
    figure = _figure("radar", Q(metrics=("revenue",), dimensions=("channel",)), model, engine, "en")
    assert "WeChat Mini<br>Program" in figure.data[0].theta
    assert figure.layout.margin.l >= text_width("WeChat Mini") and figure.layout.margin.r >= text_width("Program")


def test_map_names_the_biggest_cities_apart_and_explains_itself(model: SemanticModel, engine: DuckDBEngine,
                                                               con: duckdb.DuckDBPyConnection) -> None:
    figure = _figure("map", Q(metrics=("revenue",), dimensions=("city",)), model, engine, "en")
    bubbles = figure.data[1]
    named = [(x, y, t) for x, y, t in zip(bubbles.x, bubbles.y, bubbles.text, strict=True) if t]
    assert 3 <= len(named) <= LABELLED and bubbles.marker.line.width >= 1
    for i, (x, y, _) in enumerate(named):
        assert all(abs(x - a) > CLEAR_LON or abs(y - b) > CLEAR_LAT for a, b, _ in named[i + 1:])
    city, revenue = con.execute("""SELECT c.city, SUM(o.net_amount) FROM orders o JOIN customers c USING (customer_id)
                                   WHERE o.status = 'completed' GROUP BY 1 ORDER BY 2 DESC LIMIT 1""").fetchone()
    caption = figure.layout.xaxis.title.text
    assert f"Bubble area shows Revenue (largest: {city}, ¥{revenue / 1e6:.1f}M)" in caption
    assert "Grey dots mark province capitals" in caption and city in [t for _, _, t in named]
    zh = _figure("map", Q(metrics=("revenue",), dimensions=("city",)), model, engine, "zh")
    assert "气泡面积表示销售额" in zh.layout.xaxis.title.text and "灰点为各省会城市" in zh.layout.xaxis.title.text


@pytest.fixture
def streamlit_default_template(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plotly's default template as it is inside the app's process: Streamlit's, with stand-in colours."""
    configure_streamlit_plotly_theme()
    monkeypatch.setattr(pio.templates, "default", "streamlit")


NEW_PLOT = re.compile(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*\[.*?\],\s*(\{.*?\}),\s*\{\"displaylogo", re.S)


def _layouts(page: str) -> list[dict]:
    """The layout of every figure in an exported page."""
    return [json.loads(m) for m in NEW_PLOT.findall(page)]


def test_review_html_keeps_whole_labels_in_plotlys_theme(model: SemanticModel, engine: DuckDBEngine,
                                                         streamlit_default_template: None) -> None:
    review = build_review(model, engine, "CMP027", "en", now=dt.datetime(2026, 1, 5, tzinfo=dt.UTC))
    page = review_html(review)
    assert "#000011" not in page and "#000001" not in page  # no Streamlit stand-in colours in the file
    layouts = _layouts(page)
    assert layouts and all(lay["xaxis"]["automargin"] and lay["yaxis"]["automargin"] for lay in layouts)
    funnel = json.loads(re.search(r"\"chart-funnel\",\s*(\[.*?\]),\s*\{", page, re.S)[1])
    assert funnel[0]["y"] == ["Reach", "Click", "Visit", "Add to cart", "Purchase"]
    assert re.search(r'"ticktext":\["Tmall","JD"', page)  # the channel names whole, on the axis


def test_dashboard_html_is_drawn_in_plotlys_theme_with_room_for_labels(
        tmp_path_factory: pytest.TempPathFactory, model: SemanticModel, engine: DuckDBEngine,
        streamlit_default_template: None) -> None:
    store = DashboardStore(Workspace(tmp_path_factory.mktemp("layout")))
    board: Dashboard = store.create("Spend", "ana", tiles=(Tile("spend", "Spend", SPEND, ChartSpec("bar_grouped")),))
    page = export_dashboard(board, model, engine, "html", "zh").decode("utf-8")
    assert "#000011" not in page
    layout = _layouts(page)[0]
    assert layout["xaxis"]["automargin"] and layout["legend"]["y"] >= 1
    assert layout["xaxis"]["ticktext"][:2] == ["天猫", "抖音"]


def test_segment_radar_keeps_its_feature_names_whole() -> None:
    from ui.segments_charts import radar

    features = ["recency", "monetary", "aov", "tenure"]
    titles = ["Days since purchase", "Spend", "Avg order value", "Days since first purchase"]
    profile = pl.DataFrame({"cluster": [0, 1], **{f"{f}_vs_mean": [0.6, 1.4] for f in features}})
    figure = radar(profile, {0: "low-spend, lapsed", 1: "high-spend, recent"}, features, titles)
    theta = [name.replace("<br>", " ") for name in figure.data[0].theta]
    assert theta == [*titles, titles[0]]  # every name whole, "…pend" and "…alue" no more
    widest = max(text_width(line) for name in figure.data[0].theta for line in name.split("<br>"))
    assert figure.layout.margin.l >= widest and figure.layout.margin.r >= widest
    assert figure.layout.legend.orientation == "h" and figure.layout.legend.yanchor == "top"
