"""The Ask page through AppTest: typed questions answered with the warehouse's numbers, in both languages."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from urllib.parse import parse_qs

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from semantic.query import SemanticQuery, TimeRange
from tests.openai_server import FakeOpenAI, openai_server  # noqa: F401 - the fixture
from viz.format import format_value
from workspace import feedback
from workspace.dashboards import DashboardStore
from workspace.home import DEMO_MODEL, Workspace

ROOT = Path(__file__).resolve().parent.parent
LAST_MONTH_REVENUE = ("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
                      "AND order_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30'")


@pytest.fixture
def app(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app on the demo warehouse, with feedback written to a fresh workspace file."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "warehouse.duckdb").symlink_to(warehouse)
    monkeypatch.setenv("BEACON_HOME", str(home))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(str(ROOT / "app_pages" / "ask.py")).run()
    assert not at.exception, at.exception
    return at


def revenue(con: duckdb.DuckDBPyConnection) -> float:
    return con.execute(LAST_MONTH_REVENUE).fetchone()[0]


def test_first_visit_shows_examples_and_the_llm_hint(app: AppTest) -> None:
    assert app.title[0].value == "Ask"
    chips = [b.label for b in app.button if b.key and b.key.startswith("ask_chip_")]
    assert chips[0] == "Revenue last month" and len(chips) == 4
    assert any("OPENAI_API_KEY" in c.value for c in app.caption)  # why the LLM choice is off
    assert app.get("button_group")[0].disabled


def test_typed_question_shows_the_warehouse_number(app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    app.chat_input[0].set_value("revenue last month").run()
    assert not app.exception, app.exception
    assert app.metric[0].label == "Revenue"
    assert app.metric[0].value == format_value(revenue(con), "currency", "en")
    assert any(m.value.startswith("**Understood as: Revenue") for m in app.markdown)
    assert "SUM" in app.code[0].value and "net_amount" in app.code[0].value
    link = app.get("page_link")[0].proto  # Open in Explore carries the query in the URL
    assert link.page == "explore" and link.query_string.startswith("q=") and link.label == "Open in Explore"
    carried = SemanticQuery.from_dict(json.loads(parse_qs(link.query_string)["q"][0]))
    assert carried == SemanticQuery(("revenue",), time_range=TimeRange(dt.date(2025, 11, 1), dt.date(2025, 11, 30)))


def test_table_answer_and_follow_up(app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    app.chat_input[0].set_value("revenue by channel last month").run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    expected = con.execute(LAST_MONTH_REVENUE.replace("SUM(net_amount)", "channel, SUM(net_amount)")
                           + " GROUP BY 1 ORDER BY 2 DESC").fetchall()
    assert list(table["Channel"]) == [row[0] for row in expected]
    assert list(table["Revenue"]) == [format_value(row[1], "currency", "en") for row in expected]
    headline = f"**Total Revenue: {format_value(sum(row[1] for row in expected), 'currency', 'en')}**"
    assert headline in [m.value.replace("\\", "") for m in app.markdown]  # the total, above the table
    app.chat_input[0].set_value("only Tmall").run()
    assert not app.exception, app.exception
    tmall = [row for row in expected if row[0] == "Tmall"]
    assert len(app.dataframe) == 1 and app.metric[0].value == format_value(tmall[0][1], "currency", "en")


def test_chinese_question_and_feedback(app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    app.segmented_control(key="language_switch").set_value("zh").run()
    assert app.title[0].value == "问答"
    app.chat_input[0].set_value("上个月的销售额").run()
    assert not app.exception, app.exception
    assert app.metric[0].label == "销售额"
    assert app.metric[0].value == format_value(revenue(con), "currency", "zh")
    assert app.get("page_link")[0].proto.label == "在自助分析中打开"  # the page as the navigation names it
    app.button(key="ask_right_0").click().run()
    assert not app.exception, app.exception
    assert any(c.value == "已标记为正确，问答会从中学习。" for c in app.caption)
    saved = feedback.correct_examples(Workspace.from_env(), "demo")  # the fixture's fresh workspace
    assert [(e.question, e.query.metrics) for e in saved] == [("上个月的销售额", ("revenue",))]


def test_example_chip_asks_it(app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    app.button(key="ask_chip_example_1_en").click().run()
    assert not app.exception, app.exception
    assert app.metric[0].value == format_value(revenue(con), "currency", "en")


def test_unanswerable_question_asks_back(app: AppTest) -> None:
    app.chat_input[0].set_value("what is the meaning of life").run()
    assert not app.exception, app.exception
    assert len(app.info) == 1 and not app.metric and not app.dataframe


def test_llm_engine_when_configured(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    openai_server: FakeOpenAI, con: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    (tmp_path / "warehouse.duckdb").symlink_to(warehouse)
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(str(ROOT / "app_pages" / "ask.py")).run()
    assert not at.get("button_group")[0].disabled
    at.get("button_group")[0].set_value("llm").run()
    openai_server.reply({"metrics": ["revenue"], "time_range": ["2025-11-01", "2025-11-30"]})
    at.chat_input[0].set_value("How much did we sell in November?").run()
    assert not at.exception, at.exception
    assert at.metric[0].value == format_value(revenue(con), "currency", "en")
    assert openai_server.requests[-1].messages[-1]["content"] == "How much did we sell in November?"
    for _ in range(2):  # the engine retries once
        openai_server.error(429, "Rate limit reached", kind="rate_limit_error")
    at.chat_input[0].set_value("and in October?").run()
    assert not at.exception, at.exception
    assert "429" in at.error[0].value and len(at.metric) == 1  # the first answer is still there


def test_another_reading_in_one_click(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      con: duckdb.DuckDBPyConnection) -> None:
    """A workspace model where "sales" may also mean units: the answer offers that reading as a button."""
    (tmp_path / "warehouse.duckdb").symlink_to(warehouse)
    (tmp_path / "models").mkdir()
    text = DEMO_MODEL.read_text(encoding="utf-8")
    assert "items sold, volume]" in text
    (tmp_path / "models" / "demo.yaml").write_text(text.replace("items sold, volume]", "items sold, volume, sales]"),
                                                   encoding="utf-8")
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(str(ROOT / "app_pages" / "ask.py")).run()
    at.chat_input[0].set_value("sales last month").run()
    assert at.metric[0].label == "Revenue"
    assert any("could also mean Units sold" in c.value for c in at.caption)
    at.button(key="ask_alt_0_0").click().run()
    assert not at.exception, at.exception
    units = con.execute(LAST_MONTH_REVENUE.replace("SUM(net_amount)", "SUM(quantity)")).fetchone()[0]
    assert at.metric[0].label == "Units sold" and at.metric[0].value == format_value(units, "integer", "en")
    assert at.button(key="ask_alt_0_0").label.startswith("Revenue")  # and back again


def test_switching_language_retells_the_conversation(app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    app.chat_input[0].set_value("revenue by month in 2025").run()
    assert any(m.value.startswith("**Understood as: Revenue") for m in app.markdown)
    app.segmented_control(key="language_switch").set_value("zh").run()
    assert not app.exception, app.exception
    assert any(m.value.startswith("**理解为：每月销售额") for m in app.markdown)
    assert list(app.dataframe[0].value.columns) == ["月", "销售额"]
    november = con.execute(LAST_MONTH_REVENUE).fetchone()[0]
    assert list(app.dataframe[0].value["销售额"])[10] == format_value(november, "currency", "zh")
    year = con.execute(LAST_MONTH_REVENUE.replace("2025-11-01", "2025-01-01").replace("2025-11-30", "2025-12-31"))
    assert f"**销售额合计 {format_value(year.fetchone()[0], 'currency', 'zh')}**" in [
        m.value.replace("\\", "") for m in app.markdown]


def test_missing_warehouse_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page(str(ROOT / "app_pages" / "ask.py")).run()
    assert not at.exception, at.exception
    assert "beacon demo" in at.error[0].value and not at.chat_input


def test_pin_an_answer_to_a_new_dashboard(app: AppTest) -> None:
    app.chat_input[0].set_value("revenue by channel last month").run()
    app.button(key="ask_pin_go_0").click().run()
    assert not app.exception, app.exception
    boards = DashboardStore(Workspace.from_env()).list()
    assert [board.title for board in boards] == ["Pinned from Ask"]
    tile = boards[0].tiles[0]
    assert tile.query == SemanticQuery(("revenue",), ("channel",), time_range=TimeRange(dt.date(2025, 11, 1),
                                                                                         dt.date(2025, 11, 30)))
    assert tile.title.startswith("Revenue by Channel") and app.success[0].value == "Pinned to Pinned from Ask."
