"""Explore through AppTest: a chart built with the widgets shows the numbers hand-written SQL gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from semantic.query import Filter, SemanticQuery
from workspace.dashboards import DashboardStore
from workspace.home import Workspace

ROOT = Path(__file__).resolve().parent.parent
PAGE = "app_pages/explore.py"

BY_CHANNEL = """SELECT channel, SUM(net_amount) FROM orders WHERE status = 'completed' {extra}
                GROUP BY channel ORDER BY channel"""


@pytest.fixture
def home(warehouse: Path, tmp_path: Path) -> Path:
    """A workspace of its own (pinning writes the metadata store), on a copy of the demo warehouse."""
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    return tmp_path


@pytest.fixture
def app(home: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("BEACON_HOME", str(home))
    test = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    test.run()
    test.switch_page(PAGE).run()
    assert not test.exception, test.exception
    return test


def figure(app: AppTest, index: int = 0) -> dict:
    return json.loads(app.get("plotly_chart")[index].proto.spec)


def bars(app: AppTest) -> dict[str, float]:
    """Category → value of the bar chart on the page (every trace, in case of several)."""
    return {x: y for trace in figure(app)["data"] for x, y in zip(trace["x"], trace["y"], strict=True)}


def url_query(app: AppTest) -> SemanticQuery:
    return SemanticQuery.from_dict(json.loads(app.query_params["q"]))


def build_revenue_by_channel(app: AppTest) -> None:
    app.multiselect(key="xw_metrics_en").set_value(["revenue"]).run()
    app.multiselect(key="xw_dimensions_en").set_value(["channel"]).run()
    app.selectbox(key="xw_grain_en").set_value("none").run()
    assert app.selectbox(key="xw_chart_en_donut").format_func("auto") == "Suggested: Donut"
    app.selectbox(key="xw_chart_en_donut").set_value("bar").run()
    assert not app.exception, app.exception
    assert app.query_params["chart"] == "bar"


def test_revenue_by_channel_equals_hand_written_sql(app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    build_revenue_by_channel(app)
    expected = dict(con.sql(BY_CHANNEL.format(extra="")).fetchall())
    shown = bars(app)
    assert set(shown) == set(expected) and len(expected) >= 5
    for channel, value in expected.items():
        assert shown[channel] == pytest.approx(value, rel=1e-9)
    assert url_query(app) == SemanticQuery(metrics=("revenue",), dimensions=("channel",))
    assert any(m.value == "**Revenue by Channel**" for m in app.markdown)


def test_a_filter_narrows_the_chart(app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    build_revenue_by_channel(app)
    app.selectbox(key="xw_filter_add_en").set_value("region").run()
    app.multiselect(key="xw_filter_region").set_value(["East", "North"]).run()
    assert not app.exception, app.exception
    expected = dict(con.sql(BY_CHANNEL.format(
        extra="AND customer_id IN (SELECT customer_id FROM customers WHERE region IN ('East', 'North'))")).fetchall())
    shown = bars(app)
    assert shown.keys() == expected.keys()
    assert all(shown[k] == pytest.approx(v, rel=1e-9) for k, v in expected.items())
    assert url_query(app).filters == (Filter("region", "in", ("East", "North")),)


def test_a_link_reproduces_the_chart_with_a_comparison(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    monkeypatch.setenv("BEACON_HOME", str(home))
    query = {"metrics": ["orders"], "dimensions": ["channel"], "time_range": ["2025-10-01", "2025-12-31"],
             "compare": "previous_year"}
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["q"] = json.dumps(query)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert app.multiselect(key="xw_metrics_en").value == ["orders"]
    assert app.selectbox(key="xw_compare_en").value == "previous_year"
    table = app.dataframe[0].value  # the change table under the chart
    current = dict(con.sql("""SELECT channel, COUNT(DISTINCT order_id) FROM orders WHERE status = 'completed'
                              AND order_date BETWEEN '2025-10-01' AND '2025-12-31' GROUP BY channel""").fetchall())
    before = dict(con.sql("""SELECT channel, COUNT(DISTINCT order_id) FROM orders WHERE status = 'completed'
                             AND order_date BETWEEN '2024-10-01' AND '2024-12-31' GROUP BY channel""").fetchall())
    rows = {r[0]: r for r in table.itertuples(index=False)}
    for channel, now in current.items():
        assert rows[channel][1] == now and rows[channel][2] == before[channel]
        assert rows[channel][4] == pytest.approx((now - before[channel]) / before[channel])


def test_a_broken_link_is_explained(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEACON_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params["q"] = '{"metrics": ["revenue"], "time_grain": "fortnight"}'
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception
    assert "fortnight" in app.error[0].value


def test_chinese_labels_and_numbers(app: AppTest) -> None:
    build_revenue_by_channel(app)
    app.segmented_control(key="language_switch").set_value("zh").run()
    assert not app.exception, app.exception
    assert app.title[0].value == "自助分析"
    assert app.multiselect(key="xw_metrics_zh").label == "指标"
    assert app.multiselect(key="xw_metrics_zh").value == ["revenue"]
    assert app.multiselect(key="xw_metrics_zh").format_func("revenue") == "销售额"
    layout = figure(app)["layout"]
    assert any("销售额" in m.value and "渠道" in m.value for m in app.markdown)
    assert any("万" in tick or "亿" in tick for tick in layout["yaxis"]["ticktext"])


def test_pin_to_a_new_dashboard(app: AppTest, home: Path) -> None:
    build_revenue_by_channel(app)
    app.selectbox(key="explore_pin_board_en").set_value("__new__").run()
    app.text_input(key="explore_pin_name").set_value("Weekly numbers").run()
    app.button(key="explore_pin_go").click().run()
    assert not app.exception, app.exception
    boards = {b.title: b for b in DashboardStore(Workspace(home)).list()}
    board = boards["Weekly numbers"]
    assert [tile.query for tile in board.tiles] == [SemanticQuery(metrics=("revenue",), dimensions=("channel",))]
    assert board.tiles[0].chart is not None and board.tiles[0].chart.kind in ("bar", "donut")
    assert any("Weekly numbers" in s.value for s in app.success)


def test_sort_and_top_n(app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    build_revenue_by_channel(app)
    app.selectbox(key="xw_sort_en").set_value("revenue").run()
    app.number_input(key="xw_top_n").set_value(3).run()
    assert not app.exception, app.exception
    expected = con.sql(BY_CHANNEL.format(extra="").replace("ORDER BY channel", "ORDER BY 2 DESC LIMIT 3")).fetchall()
    assert [(x, pytest.approx(y, rel=1e-9)) for x, y in bars(app).items()] == expected
    assert url_query(app).limit == 3 and url_query(app).order_by[0].desc


LAST_30 = """SELECT COUNT(DISTINCT order_date) FROM orders WHERE status = 'completed' AND channel = 'Tmall'
             AND order_date > (SELECT MAX(order_date) FROM orders) - INTERVAL 30 DAY"""


def test_a_short_period_brings_a_daily_line_and_the_picker_names_the_chart(
        app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    app.multiselect(key="xw_dimensions_en").set_value(["channel"]).run()
    line_picker = app.selectbox(key="xw_chart_en_line")
    app.selectbox(key="xw_period_en").set_value("last_30_days").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="xw_grain_en").value == "day"  # the grain the user never chose follows the period
    tmall = next(trace for trace in figure(app)["data"] if trace["name"] == "Tmall")
    assert trace_type(tmall) == "scatter" and len(tmall["x"]) == con.execute(LAST_30).fetchone()[0] >= 25
    app.selectbox(key="xw_grain_en").set_value("none").run()
    picker = app.selectbox(key="xw_chart_en_donut")
    assert picker.value == "auto" and picker.format_func("auto") == "Suggested: Donut"
    assert [trace_type(t) for t in figure(app)["data"]] == ["pie"]
    assert picker.id != line_picker.id  # a new widget in the browser, not the old one with its old label
    assert "xw_chart_en_line" not in [s.key for s in app.selectbox]


def test_a_chosen_quarter_over_30_days_draws_bars(app: AppTest) -> None:
    app.selectbox(key="xw_grain_en").set_value("quarter").run()  # chosen by the user: a new period keeps it
    app.selectbox(key="xw_period_en").set_value("last_30_days").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="xw_grain_en").value == "quarter"
    picker = app.selectbox(key="xw_chart_en_bar")
    assert picker.format_func("auto") == "Suggested: Bar"
    data = figure(app)["data"]
    assert [trace_type(t) for t in data] == ["bar"] and 1 <= len(data[0]["x"]) <= 2


def trace_type(trace: dict) -> str:
    return trace.get("type", "scatter")
