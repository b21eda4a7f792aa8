"""The Segments page through Streamlit's AppTest: mapping proposed, analysis run, numbers equal the core's, saved."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ingest.load import load_file
from ml.analysis import Params, analyse
from ml.churn import warning_list
from ml.mapping import propose_mapping
from ml.rfm import segment_table
from semantic.engine import READ_CONFIG
from semantic.model import load_model
from tests.conftest import DATASETS
from viz.format import format_value

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def home(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copyfile(warehouse, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    return tmp_path


def connect(home: Path) -> duckdb.DuckDBPyConnection:
    """A short-lived reader: holding none open lets the app's engine see the warehouse it swaps in."""
    return duckdb.connect(str(home / "warehouse.duckdb"), read_only=True, config=READ_CONFIG)


def segments_page(lang: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
    app.run()
    if lang != "en":
        app.segmented_control(key="language_switch").set_value(lang).run()
    app.switch_page("app_pages/segments.py").run()
    assert not app.exception, app.exception
    return app


def test_run_show_and_save_in_english(home: Path) -> None:
    app = segments_page("en")
    assert app.selectbox(key="seg_customer_orders").value == "customer_id"
    assert app.selectbox(key="seg_amount_orders").value == "net_amount"
    assert "refunds or cancellations" in " ".join(c.value for c in app.caption)
    app.button(key="seg_run").click().run()
    assert not app.exception, app.exception
    with connect(home) as con:
        expected = segment_table(analyse(con, Params(propose_mapping(con, "orders"), churn=False)).rfm)
    shown = app.dataframe[0].value
    champions = shown[shown["Segment"] == "Champions"].iloc[0]
    assert champions["Customers"] == format_value(expected.row(0, named=True)["customers"], "integer", "en")
    assert [m.label for m in app.metric] == ["ROC AUC", "PR AUC", "Lift in the top 10%", "Recency-only ROC AUC"]
    assert float(app.metric[0].value) > float(app.metric[3].value)
    assert_warning_list_in_english(app, home)
    assert len(app.table[0].value) == 12  # the transitions: 11 segments and "(new since)", none scrolled away
    counts = app.table[0].value.drop(columns=["From"]).to_numpy().ravel()
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*", str(c)) for c in counts), counts  # 2,870, not 2870
    specs = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    colorbar = next(s for s in specs if s["data"][0]["type"] == "treemap")["layout"]["coloraxis"]["colorbar"]
    assert colorbar["ticktext"] == [format_value(v, "percent", "en") for v in colorbar["tickvals"]]
    calibration = next(s for s in specs if len(s["data"]) == 3 and s["data"][2].get("showlegend") is False)
    assert calibration["layout"]["xaxis"]["ticktext"] == ["0%", "20%", "40%", "60%", "80%", "100%"]
    assert calibration["layout"]["yaxis"]["ticktext"][-1] == "100%"
    assert app.dataframe[0].value["Segment"].iloc[-1] == "Hibernating"
    app.text_input(key="seg_name_0_en").set_value("Sleepers").run()
    assert "Sleepers" in set(next(f.value for f in app.dataframe if "Name" in f.value.columns)["Name"])
    app.button(key="seg_save").click().run()
    assert not app.exception, app.exception
    assert any("customer_segments" in s.value for s in app.success)
    assert "rfm_segment" in load_model(home / "models" / "demo.yaml").dimensions
    app.run()  # the app's engine reopens the swapped-in warehouse (DuckDB shares one instance per file and process)
    with connect(home) as con:  # the user's cluster name is kept
        assert ("Sleepers",) in con.sql("SELECT DISTINCT cluster_name FROM customer_segments").fetchall()
    app.button(key="seg_run_again").click().run()  # the saved run's parameters give the same segments
    assert not app.exception, app.exception
    assert app.dataframe[0].value.equals(shown)


def assert_warning_list_in_english(app: AppTest, home: Path) -> None:
    """The warning list in words a marketer reads: a money value at risk, a percentage, a titled customer column;
    the value at risk is the probability times what the customer spent, which hand-written SQL gives."""
    warnings = next(frame.value for frame in app.dataframe if "Why" in frame.value.columns)
    assert list(warnings.columns) == ["Customer", "Churn probability", "Churn risk", "Value at risk", "Why"]
    analysis = app.session_state["segments_analysis"]
    top = warning_list(analysis.churn, 1, analysis.limits.churned_days).row(0, named=True)
    with connect(home) as con:
        spent = con.execute("SELECT sum(net_amount) FROM orders WHERE customer_id = ? AND status = 'completed' "
                            "AND net_amount > 0 AND order_date <= DATE '2025-12-31'",
                            [top["customer"]]).fetchall()[0][0]
    assert warnings["Customer"][0] == top["customer"]
    assert warnings["Value at risk"][0] == format_value(top["churn_probability"] * float(spent), "currency", "en")
    assert warnings["Churn probability"][0] == format_value(round(top["churn_probability"], 3), "percent", "en")
    assert not warnings["Why"].str.contains(r"\b1 purchases|\b1 days").any()
    definition = next(c.value for c in app.caption if c.value.startswith("Churn here is a forecast"))
    assert f"in the next {analysis.churn.horizon_days} days" in definition
    assert f"({analysis.limits.churned_days} days without a purchase)" in definition


def test_chinese_page(home: Path) -> None:
    app = segments_page("zh")
    app.button(key="seg_run").click().run()
    assert not app.exception, app.exception
    shown = app.dataframe[0].value
    assert "重要价值客户" in set(shown["分群"]) and "规则" in shown.columns
    assert [m.label for m in app.metric][:2] == ["ROC AUC", "PR AUC"]
    assert any("典型购买周期" in m.value for m in app.markdown)
    profile = next(frame.value for frame in app.dataframe if "名称" in frame.value.columns)
    assert profile["消费金额"].str.contains(r"^¥.+ \(×\d+\.\d\d\)$").all()  # the mean and its ratio to the mean
    warnings = next(frame.value for frame in app.dataframe if "原因" in frame.value.columns)
    assert list(warnings.columns) == ["客户编号", "流失概率", "流失风险", "风险金额", "原因"]
    assert warnings["原因"].str.contains("天未购买").any()
    analysis = app.session_state["segments_analysis"]
    top = warning_list(analysis.churn, 1, analysis.limits.churned_days).row(0, named=True)
    assert warnings["风险金额"][0] == format_value(top["expected_loss"], "currency", "zh")
    assert "万" in warnings["风险金额"][0] and warnings["流失概率"][0].endswith("%")
    churned = analysis.limits.churned_days
    texts = [c.value for c in app.caption]
    assert any(c.startswith("这里的“流失客户”是相对排名而非天数") and f"超过 {churned} 天未购买" in c for c in texts)
    assert any(c.startswith("这里的“已流失”是客户当前的状态") for c in texts)
    assert any(c.startswith(f"这里的流失是预测：客户在接下来 {analysis.churn.horizon_days} 天内") for c in texts)
    assert app.multiselect(key="seg_extras_orders").proto.placeholder == "选择字段"


def test_labelled_table_mode(home: Path) -> None:
    load_file(home / "warehouse.duckdb", DATASETS / "telco_churn" / "Telco-Customer-Churn.csv", "telco")
    app = segments_page("en")
    app.selectbox(key="seg_table_en").set_value("telco").run()
    assert app.selectbox(key="seg_label_telco").value == "Churn"
    app.button(key="seg_train").click().run()
    assert not app.exception, app.exception
    assert [m.label for m in app.metric] == ["ROC AUC", "PR AUC", "Lift in the top 10%"]
    assert float(app.metric[0].value) >= 0.84
    app.button(key="seg_save_labelled").click().run()
    assert any("telco_churn" in s.value for s in app.success)


def test_columns_can_be_chosen_when_none_are_proposed(home: Path) -> None:
    with duckdb.connect(str(home / "warehouse.duckdb")) as con:
        con.execute("CREATE TABLE sales AS SELECT customer_id AS who, order_date AS d, net_amount AS v FROM orders "
                    "WHERE status = 'completed'")
    app = segments_page("en")
    app.selectbox(key="seg_table_en").set_value("sales").run()
    assert "Could not find a customer id" in app.warning[0].value
    app.selectbox(key="seg_date_sales").set_value("d").run()
    app.selectbox(key="seg_amount_sales").set_value("v").run()
    app.toggle(key="seg_churn").set_value(False).run()
    app.button(key="seg_run").click().run()
    assert not app.exception and not app.error, app.error
    with connect(home) as con:
        buyers = con.sql("SELECT count(DISTINCT who) FROM sales WHERE v > 0").fetchall()[0][0]
    expected = f"{format_value(buyers, 'integer', 'en')} customers as of Dec 31, 2025"
    assert expected in [c.value for c in app.caption]
