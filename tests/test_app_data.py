"""Data page through Streamlit's AppTest: the catalog, a table's profile, a cleaning step and undo, a model.

Every test gets its own workspace in tmp: a copy of one warehouse loaded with `load_file`
from two real files (Tmall orders with Chinese headers, Online Retail's semicolon sample).

The pages live in `app_pages/`, not `pages/`: Streamlit (1.67) treats a `pages/` folder beside
st.navigation as legacy pages and runs them without app.py (no sidebar) on a first visit.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from ingest.load import load_file
from semantic.engine import READ_CONFIG
from semantic.model import load_model
from tests.conftest import DATASETS
from viz.format import format_value

ROOT = Path(__file__).resolve().parent.parent
TMALL = DATASETS / "cn_tmall_orders" / "tmall_order_report.csv"
RETAIL = DATASETS / "online_retail" / "sample_rhozon" / "online_retail.csv"
TMALL_COLUMNS = ["订单编号", "总金额", "买家实际支付金额", "收货地址", "订单创建时间", "订单付款时间", "退款金额"]

pytestmark = pytest.mark.skipif(not (TMALL.exists() and RETAIL.exists()), reason="shared datasets missing")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse with both files loaded once; tests work on copies of it."""
    warehouse = tmp_path_factory.mktemp("loaded") / "warehouse.duckdb"
    for path in (TMALL, RETAIL):
        load_file(warehouse, path)
    return warehouse


@pytest.fixture
def home(loaded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copyfile(loaded, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    return tmp_path


def new_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def data_page(lang: str = "en", table: str | None = None) -> AppTest:
    """The Data page in a fresh session, language chosen in the sidebar first, `table` picked."""
    app = new_app().run()
    if lang != "en":
        app.segmented_control(key="language_switch").set_value(lang).run()
    app.switch_page("app_pages/data.py").run()
    assert not app.exception, app.exception
    if table:
        app.selectbox(key="data_table").set_value(table).run()
        assert not app.exception, app.exception
    return app


def catalog(app: AppTest, table_header: str = "Table") -> pl.DataFrame:
    [frame] = [f.value for f in app.dataframe if table_header in f.value.columns]
    return pl.from_pandas(frame)


def captions(app: AppTest) -> list[str]:
    return [c.value for c in app.caption]


def warning_lines(app: AppTest) -> list[str]:
    return [line for w in app.warning for line in w.value.splitlines()]


def warehouse_columns(home: Path, table: str) -> list[str]:
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True, config=READ_CONFIG) as con:
        return [row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()]


def test_catalog_lists_both_tables_with_their_rows(home: Path) -> None:
    app = data_page()
    assert app.title[0].value == "Data"
    assert {"Upload a file", "Connect a database", "REST API", "Tables"} <= {t.label for t in app.tabs}
    rows = dict(catalog(app).select("Table", "Rows").iter_rows())
    assert rows == {"tmall_order_report": 28_010, "online_retail": 5_000}
    assert set(catalog(app)["Source"]) == {"tmall_order_report.csv", "online_retail.csv"}
    assert sorted(app.selectbox(key="data_table").options) == ["online_retail", "tmall_order_report"]


def test_profile_of_the_tmall_orders_in_english(home: Path) -> None:
    app = data_page(table="tmall_order_report")
    assert [(m.label, m.value) for m in app.metric] == [("Rows", "28,010"), ("Columns", "7"),
                                                         ("Duplicate rows", "0")]
    lines = warning_lines(app)
    # SOURCE.md: 订单付款时间 is blank for 3,923 of 28,010 unpaid orders (14.006%); 订单编号 is 1..28010
    assert "- 订单付款时间: 14.01% of the values are missing." in lines
    assert "- 订单编号: every value is different (an identifier)." in lines
    assert "- 退款金额: 157 outliers far from the typical range." in lines
    summary = next(f.value for f in app.dataframe if "Type" in f.value.columns)
    assert list(summary["Column"]) == TMALL_COLUMNS  # DuckDB trimmed the headers' trailing spaces
    assert dict(zip(summary["Column"], summary["Type"], strict=True))["订单创建时间"] == "TIMESTAMP"
    assert len(app.get("plotly_chart")) == 1


def test_profile_of_the_messy_retail_sample(home: Path) -> None:
    app = data_page(table="online_retail")
    assert app.metric[0].value == "5,000" and app.metric[1].value == "10"
    lines = warning_lines(app)
    assert "- CustomerID: 35.84% of the values are missing." in lines  # 1,792 "NA" of 5,000 (SOURCE.md)
    assert "- X.1: every value is different (an identifier)." in lines  # R's leftover row index
    assert any(line.startswith("- StockCode: mixed types") for line in lines)


def test_profile_in_chinese(home: Path) -> None:
    app = data_page("zh", table="tmall_order_report")
    assert app.title[0].value == "数据"
    assert {"上传文件", "连接数据库", "REST 接口", "数据表", "数据概况", "清洗", "建模"} <= {t.label for t in app.tabs}
    assert [(m.label, m.value) for m in app.metric] == [("行数", "28,010"), ("列数", "7"), ("重复行", "0")]
    assert app.markdown[0].value == "**提示**"
    lines = warning_lines(app)
    assert "- 订单付款时间：14.01% 的值缺失。" in lines
    assert "- 订单编号：每个值都不同（像是编号）。" in lines
    assert "- 退款金额：有 157 个明显偏离常规范围的异常值。" in lines
    assert list(catalog(app, "表").columns) == ["表", "来源", "导入时间", "行数"]
    summary = next(f.value for f in app.dataframe if "类型" in f.value.columns)
    assert list(summary.columns) == ["列", "类型", "缺失", "空白", "不同值", "最小值", "最大值", "平均值"]
    assert summary["平均值"][0] == "1.4万"  # the mean of 1..28010, in 万


def test_rename_a_column_then_undo(home: Path) -> None:
    app = data_page(table="tmall_order_report")
    assert "No cleaning steps yet." in captions(app)
    assert app.selectbox(key="op_tmall_order_report_en").value == "rename"
    app.selectbox(key="col_tmall_order_report_rename").set_value("收货地址").run()
    app.text_input(key="clean.new_name_tmall_order_report_rename").input("省份").run()
    app.button(key="apply_tmall_order_report").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]

    assert "1. Rename '收货地址' to '省份'" in [m.value for m in app.markdown]
    assert warehouse_columns(home, "tmall_order_report") == [
        "订单编号", "总金额", "买家实际支付金额", "省份", "订单创建时间", "订单付款时间", "退款金额"]
    assert dict(catalog(app).select("Table", "Rows").iter_rows())["tmall_order_report"] == 28_010
    assert "省份" in app.selectbox(key="profile_column_tmall_order_report").options  # the profile follows

    app.button(key="undo_tmall_order_report").click().run()
    assert not app.exception, app.exception
    assert warehouse_columns(home, "tmall_order_report") == TMALL_COLUMNS
    assert "No cleaning steps yet." in captions(app)
    assert not any("Rename" in m.value for m in app.markdown)


def test_a_cleaning_step_is_described_in_chinese(home: Path) -> None:
    app = data_page("zh", table="tmall_order_report")
    app.selectbox(key="col_tmall_order_report_rename").set_value("收货地址").run()
    app.text_input(key="clean.new_name_tmall_order_report_rename").input("省份").run()
    app.button(key="apply_tmall_order_report").click().run()
    assert not app.exception, app.exception
    assert "1. 将 '收货地址' 重命名为 '省份'" in [m.value for m in app.markdown]
    assert app.button(key="undo_tmall_order_report").label == "撤销上一步"


def test_a_refused_step_is_explained_and_changes_nothing(home: Path) -> None:
    app = data_page(table="tmall_order_report")
    app.selectbox(key="col_tmall_order_report_rename").set_value("收货地址").run()
    app.text_input(key="clean.new_name_tmall_order_report_rename").input("总金额").run()
    app.button(key="apply_tmall_order_report").click().run()
    assert not app.exception, app.exception
    assert "a column named '总金额' already exists" in app.error[0].value
    assert warehouse_columns(home, "tmall_order_report") == TMALL_COLUMNS
    assert "No cleaning steps yet." in captions(app)


def test_a_refused_step_leaves_the_model_tab_usable(home: Path) -> None:
    app = data_page(table="tmall_order_report")
    app.button(key="apply_tmall_order_report").click().run()  # rename without a new name: refused
    assert app.error, "the step should have been refused"
    assert app.button(key="model_propose_tmall_order_report").label == "Propose a model for these tables"


def propose_and_save(app: AppTest, table: str) -> AppTest:
    app.button(key=f"model_propose_{table}").click().run()
    assert not app.exception, app.exception
    app.button(key="model_save").click().run()
    assert not app.exception, app.exception
    return app


def test_propose_and_save_a_model(home: Path) -> None:
    app = propose_and_save(data_page(table="tmall_order_report"), "tmall_order_report")
    assert not app.error, [e.value for e in app.error]
    assert app.success[-1].value == "Model tmall_order_report saved with 5 metrics and 3 dimensions."

    saved = load_model(home / "models" / "tmall_order_report.yaml")
    assert set(saved.tables) == {"tmall_order_report"}
    assert saved.metrics["dingdanshu"].label("en") == "Orders" and saved.metrics["dingdanshu"].label("zh") == "订单数"
    assert saved.metrics["tuikuanjine"].format == "currency"
    assert saved.definition("zongjine") == 'SUM(tmall_order_report."总金额")'

    [picker] = [box for box in new_app().run().sidebar.selectbox if box.label == "Model"]
    assert picker.options == ["Demo marketing warehouse", "tmall_order_report"]


def test_edits_in_the_proposal_reach_the_saved_model(home: Path) -> None:
    app = data_page(table="tmall_order_report")
    app.text_input(key="model_name_tmall_order_report").input("tmall").run()
    app.button(key="model_propose_tmall_order_report").click().run()
    ids = list(app.data_editor(key="model_metrics").value["id"])
    assert ids == ["dingdanshu", "zongjine", "maijiashijizhifujine", "tuikuanjine", "tmall_order_report_rows"]
    app.session_state["model_metrics"] = {"edited_rows": {4: {"keep": False}, 0: {"label_en": "Paid orders"}},
                                          "added_rows": [], "deleted_rows": []}
    app.button(key="model_save").click().run()
    assert not app.exception, app.exception
    assert app.success[-1].value == "Model tmall saved with 4 metrics and 3 dimensions."
    saved = load_model(home / "models" / "tmall.yaml")
    assert saved.name == "tmall" and "tmall_order_report_rows" not in saved.metrics
    assert saved.metrics["dingdanshu"].label("en") == "Paid orders"


def test_the_data_page_keeps_the_sidebar(home: Path) -> None:
    app = data_page()
    assert [box.label for box in app.sidebar.selectbox] == ["Model"]


def test_saving_a_model_in_a_new_workspace_creates_the_models_folder(home: Path) -> None:
    app = propose_and_save(data_page(table="tmall_order_report"), "tmall_order_report")
    assert not app.error, [e.value for e in app.error]
    assert (home / "models" / "tmall_order_report.yaml").is_file()


def test_profile_opens_on_an_informative_column(home: Path) -> None:
    app = data_page(table="tmall_order_report")
    picker = app.selectbox(key="profile_column_tmall_order_report")
    assert picker.value == "总金额"  # 订单编号 (1..28010) is a key: its top values would be 1s
    assert "Distribution" in captions(app) and not app.info
    picker.set_value("订单编号").run()
    assert not app.get("plotly_chart")
    assert app.info[0].value == ("Every value is unique (28,010 different values), so there are no top values "
                                 "to chart.")


def test_a_unique_column_in_chinese(home: Path) -> None:
    app = data_page("zh", table="online_retail")
    picker = app.selectbox(key="profile_column_online_retail")
    assert picker.value == "Description"  # X.1, X: row numbers; InvoiceNo, StockCode: keys
    picker.set_value("X.1").run()
    assert app.info[0].value == "每个值都不相同（共 5,000 个不同值），没有可统计的常见值。"


def test_top_values_chart_writes_counts_and_ticks_one_way(home: Path) -> None:
    """Each bar reads its exact count (4,961 beside 15,012, never beside 1.5万) and the axis ticks are written
    by viz.format (5,000 / 1万 in Chinese, 5K in English), not Plotly's 2k 4k."""
    for lang, table in (("zh", "tmall_order_report"), ("en", "tmall_order_report")):
        app = data_page(lang, table=table)
        app.selectbox(key=f"profile_column_{table}").set_value("收货地址").run()
        charts = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
        bars = next(c for c in charts if c["data"][0].get("orientation") == "h")
        counts, texts = bars["data"][0]["x"], bars["data"][0]["text"]
        assert texts == [format_value(n, "integer", lang, full=True) for n in counts] and max(counts) >= 1000
        axis = bars["layout"]["xaxis"]
        assert axis["ticktext"] == [format_value(v, "integer", lang) for v in axis["tickvals"]]
        assert axis["tickvals"][-1] >= max(counts) and not any("k" in t for t in axis["ticktext"])
