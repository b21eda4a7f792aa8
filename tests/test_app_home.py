"""Home through Streamlit's AppTest: KPIs equal the semantic layer's numbers, in both languages."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ingest.load import load_file
from ml.alerts import triggered_alerts
from semantic.answer import run_query, time_bounds
from semantic.engine import READ_CONFIG, DuckDBEngine
from semantic.model import SemanticModel
from semantic.periods import preset_range
from semantic.query import SemanticQuery, TimeRange
from tests.conftest import DATASETS
from ui.home_trend import partial_buckets, trend_grain
from viz.format import format_change, format_value
from workspace.alerts import AlertRule, add_rule
from workspace.audit import browse
from workspace.home import Workspace

ROOT = Path(__file__).resolve().parent.parent
KPIS = ("revenue", "orders", "buyers", "aov", "spend", "roas")


@pytest.fixture
def app(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("BEACON_HOME", str(warehouse.parent))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def expected_kpis(model: SemanticModel, engine: DuckDBEngine, preset: str) -> dict[str, float | None]:
    bounds = time_bounds(model, engine, "orders")
    assert bounds is not None
    query = SemanticQuery(metrics=KPIS, time_range=preset_range(preset, bounds[1]), compare="previous_period")
    return run_query(query, model, engine).frame.row(0, named=True)


def test_home_shows_the_semantic_layers_kpis(app: AppTest, model: SemanticModel, engine: DuckDBEngine) -> None:
    app.run()
    assert not app.exception, app.exception
    row = expected_kpis(model, engine, "last_30_days")
    assert [m.label for m in app.metric] == ["Revenue", "Orders", "Buyers", "AOV", "Ad spend",
                                             "Campaign ROAS"]
    for card, name in zip(app.metric, KPIS, strict=True):
        assert card.value == format_value(row[name], model.metrics[name].format, "en")
        assert card.delta == format_change(row[f"{name}__change_pct"], "en")
    assert row["revenue"] > 0 and len(app.get("plotly_chart")) == 1


def test_changing_the_period_changes_the_numbers(app: AppTest, model: SemanticModel,
                                                 engine: DuckDBEngine) -> None:
    app.run()
    app.selectbox(key="home_period_en").set_value("year_to_date").run()
    assert not app.exception
    row = expected_kpis(model, engine, "year_to_date")
    assert app.metric[0].value == format_value(row["revenue"], "currency", "en")
    assert app.metric[0].value != format_value(expected_kpis(model, engine, "last_30_days")["revenue"],
                                               "currency", "en")


def test_language_switch_shows_chinese(app: AppTest, model: SemanticModel, engine: DuckDBEngine) -> None:
    app.run()
    app.segmented_control(key="language_switch").set_value("zh").run()
    assert not app.exception
    assert app.title[0].value == "首页"
    assert [m.label for m in app.metric] == ["销售额", "订单数", "购买人数", "客单价", "广告花费", "活动投产比"]
    revenue = expected_kpis(model, engine, "last_30_days")["revenue"]
    assert app.metric[0].value == format_value(revenue, "currency", "zh")
    assert "万" in app.metric[0].value or "亿" in app.metric[0].value
    assert app.selectbox(key="home_period_zh").format_func("last_month") == "上个月"


def test_missing_warehouse_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert "beacon demo" in app.error[0].value


def test_model_whose_tables_are_missing_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    load_file(tmp_path / "warehouse.duckdb", DATASETS / "cn_meal_orders" / "meal_order_info.csv")
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception
    assert "orders" in app.error[0].value and "Data page" in app.error[0].value


def test_home_lists_triggered_alerts_with_a_link(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 model: SemanticModel) -> None:
    shutil.copyfile(warehouse, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    ws = Workspace(tmp_path)
    add_rule(ws.meta, AlertRule("spend", ">", 0.0, days=1, scope="channel", scope_value="Official Site"))
    add_rule(ws.meta, AlertRule("roas", ">", 1000.0, days=2))  # never holds: no alert of its own
    expected = triggered_alerts(ws, model, DuckDBEngine(ws.warehouse))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not app.exception, app.exception
    assert [a.rule.metric for a in expected] == ["spend"] and "Alerts" in [s.value for s in app.subheader]
    assert [w.value for w in app.warning] == [expected[0].describe(model, "en")]
    assert app.page_link[0].label == "Open campaigns"


def trend_x(app: AppTest) -> list[str]:
    return json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]["x"]


def test_campaign_roas_is_labelled_and_explained(app: AppTest, model: SemanticModel, engine: DuckDBEngine) -> None:
    """ROAS is campaign revenue ÷ spend; Revenue ÷ Ad spend (the two cards beside it) is a different, larger
    number, so the card says which revenue it uses and a caption says why they differ."""
    app.run()
    row = expected_kpis(model, engine, "last_30_days")
    window = preset_range("last_30_days", time_bounds(model, engine, "orders")[1])  # type: ignore[index]
    parts = run_query(SemanticQuery(metrics=("campaign_revenue", "spend"), time_range=window), model, engine)
    campaign_revenue, spend = parts.frame.row(0)
    assert row["roas"] == pytest.approx(float(campaign_revenue) / float(spend))
    assert float(row["revenue"]) / float(row["spend"]) > 2 * row["roas"]  # the misreading the label prevents
    card = next(m for m in app.metric if m.label == "Campaign ROAS")
    assert card.value == format_value(row["roas"], "ratio", "en")
    assert any(c.value.startswith("Campaign ROAS = revenue from campaign orders ÷ ad spend.") for c in app.caption)
    app.segmented_control(key="language_switch").set_value("zh").run()
    assert any(c.value.startswith("活动投产比 = 活动订单销售额 ÷ 广告花费。") for c in app.caption)


def test_year_to_date_trend_is_monthly_and_starts_in_the_period(app: AppTest) -> None:
    app.run()
    app.selectbox(key="home_period_en").set_value("year_to_date").run()
    assert not app.exception, app.exception
    x = trend_x(app)
    assert [d[:10] for d in x] == [f"2025-{m:02d}-01" for m in range(1, 13)]  # Jan 1 – Dec 31: whole months
    axis = json.loads(app.get("plotly_chart")[0].proto.spec)["layout"]["xaxis"]
    assert axis["tickvals"][0][:10] == "2025-01-01" and axis["tickvals"][-1][:10] == "2025-12-01"  # both ends named
    assert axis["ticktext"][0] == "Jan 2025" and axis["ticktext"][-1] == "Dec"
    assert not any(c.value.startswith("Partial") for c in app.caption)


def test_a_partial_month_is_marked(app: AppTest) -> None:
    app.run()
    app.selectbox(key="home_period_en").set_value("custom").run()
    app.date_input(key="home_dates").set_value((dt.date(2025, 3, 15), dt.date(2025, 11, 20))).run()
    assert not app.exception, app.exception
    assert [d[:10] for d in trend_x(app)][::8] == ["2025-03-01", "2025-11-01"]
    assert ("Partial: Mar 2025 covers only Mar 15, 2025 – Mar 31, 2025; Nov 2025 covers only Nov 1, 2025 – "
            "Nov 20, 2025.") in [c.value for c in app.caption]
    marks = [a["text"] for a in json.loads(app.get("plotly_chart")[0].proto.spec)["layout"]["annotations"]]
    assert marks == ["partial month", "partial month"]


def test_partial_buckets() -> None:
    year = TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert trend_grain(year) == "month" and partial_buckets(year, "month") == []
    assert trend_grain(TimeRange(dt.date(2025, 10, 1), dt.date(2025, 12, 31))) == "day"  # a quarter: 92 days
    mid = TimeRange(dt.date(2025, 2, 10), dt.date(2025, 2, 20))
    assert partial_buckets(mid, "month") == [(dt.date(2025, 2, 1), dt.date(2025, 2, 10), dt.date(2025, 2, 20))]


def test_home_segments_and_campaigns_views_are_audited_once_per_query(warehouse: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copyfile(warehouse, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    ws = Workspace(tmp_path)
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240).run()
    assert not app.exception, app.exception
    home = [e for e in browse(ws, event="query") if e.detail.get("page") == "home"]
    assert len(home) == 2 and all(e.sql and e.rows for e in home)  # the KPIs and the trend
    app.run()
    assert len([e for e in browse(ws, event="query") if e.detail.get("page") == "home"]) == 2  # a rerun adds none
    app.switch_page("app_pages/campaigns.py").run()
    assert not app.exception, app.exception
    campaigns = [e for e in browse(ws, event="query") if e.detail.get("page") == "campaigns"]
    assert campaigns and len({e.sql for e in campaigns}) == len(campaigns)
    app.run()
    assert len([e for e in browse(ws, event="query") if e.detail.get("page") == "campaigns"]) == len(campaigns)
    app.switch_page("app_pages/segments.py").run()
    app.toggle(key="seg_churn").set_value(False).run()
    app.button(key="seg_run").click().run()
    assert not app.exception, app.exception
    app.run()
    (segments,) = [e for e in browse(ws, event="query") if e.detail.get("page") == "segments"]
    assert segments.detail["table"] == "orders" and segments.detail["as_of"] == "2025-12-31"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True, config=READ_CONFIG) as con:
        buyers = con.execute("SELECT count(DISTINCT customer_id) FROM orders WHERE status = 'completed' "
                             "AND net_amount > 0").fetchall()[0][0]
    assert segments.rows == buyers
