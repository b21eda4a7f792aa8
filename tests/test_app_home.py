"""Home through Streamlit's AppTest: KPIs equal the semantic layer's numbers, in both languages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest.load import load_file
from ml.alerts import triggered_alerts
from semantic.answer import run_query, time_bounds
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.periods import preset_range
from semantic.query import SemanticQuery
from tests.conftest import DATASETS
from viz.format import format_change, format_value
from workspace.alerts import AlertRule, add_rule
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
    assert [m.label for m in app.metric] == ["Revenue", "Orders", "Buyers", "AOV", "Ad spend", "ROAS"]
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
    assert [m.label for m in app.metric] == ["销售额", "订单数", "购买人数", "客单价", "广告花费", "投产比"]
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
