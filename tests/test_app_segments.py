"""The Segments page through Streamlit's AppTest: mapping proposed, analysis run, numbers equal the core's, saved."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ingest.load import load_file
from ml.analysis import Params, analyse
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


def test_chinese_page(home: Path) -> None:
    app = segments_page("zh")
    app.button(key="seg_run").click().run()
    assert not app.exception, app.exception
    shown = app.dataframe[0].value
    assert "重要价值客户" in set(shown["分群"]) and "规则" in shown.columns
    assert [m.label for m in app.metric][:2] == ["ROC AUC", "PR AUC"]
    assert any("典型购买周期" in m.value for m in app.markdown)
    columns = [set(frame.value.columns) for frame in app.dataframe]
    assert any({"消费金额", "消费金额相对均值"} <= c for c in columns)  # the cluster profile
    warnings = next(frame.value for frame in app.dataframe if "原因" in frame.value.columns)
    assert "流失风险" in warnings.columns and warnings["原因"].str.contains("天未购买").any()


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
