"""The Ask pipeline on the demo warehouse: answers equal hand-written SQL, follow-ups refine, doubt asks back.

Questions are read by the real engines: the built-in parser, and the LLM engine
against a local server that speaks the chat-completions protocol.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from errors import BeaconError
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.nlq.ask import (
    Answer,
    answer_interpretation,
    ask,
    choose_reading,
    data_last_day,
    main_fact_table,
    question_engine,
)
from semantic.nlq.builtin import BuiltinEngine
from semantic.nlq.llm import LLMEngine, LLMSettings
from semantic.nlq.types import Interpretation
from tests.conftest import same_rows
from tests.openai_server import FakeOpenAI, openai_server  # noqa: F401 - the fixture
from ui.ask_chat import EXAMPLES
from viz.i18n import t
from workspace import feedback
from workspace.home import Workspace

COMPLETED_NOV = "status = 'completed' AND order_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30'"
REVENUE_BY_CHANNEL_NOV = f"SELECT channel, SUM(net_amount) FROM orders WHERE {COMPLETED_NOV} GROUP BY 1 ORDER BY 2 DESC"


def asked(question: str, model: SemanticModel, engine: DuckDBEngine, lang: str = "en", **kwargs: object) -> Answer:
    return ask(question, model=model, engine=engine, question_engine=BuiltinEngine(), lang=lang,
               **kwargs)  # type: ignore[arg-type]


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_relative_dates_count_from_the_datas_last_day(model: SemanticModel, engine: DuckDBEngine,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    assert main_fact_table(model) == "orders"
    assert data_last_day(model, engine) == rows(con, "SELECT MAX(order_date) FROM orders")[0][0]
    answer = asked("revenue last month", model, engine)
    assert answer.answered and answer.error is None
    assert same_rows(answer.result.frame.rows(), rows(con, f"SELECT SUM(net_amount) FROM orders WHERE {COMPLETED_NOV}"))
    assert answer.chart is None  # a single number is a KPI, not a chart
    assert answer.understood == "Revenue · Nov 1, 2025 – Nov 30, 2025"
    assert answer.definitions == {"revenue": "SUM(orders.net_amount) WHERE status = 'completed'"}


def test_as_of_moves_the_period(model: SemanticModel, engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    answer = asked("上个月的销量", model, engine, lang="zh", as_of=dt.date(2025, 7, 15))
    expected = rows(con, "SELECT SUM(quantity) FROM orders WHERE status = 'completed' "
                         "AND order_date BETWEEN DATE '2025-06-01' AND DATE '2025-06-30'")
    assert same_rows(answer.result.frame.rows(), expected)
    assert answer.understood == "销量 · 2025年6月1日 至 2025年6月30日"


def test_charts_follow_explores_rules(model: SemanticModel, engine: DuckDBEngine,
                                      con: duckdb.DuckDBPyConnection) -> None:
    by_channel = asked("revenue by channel last month", model, engine)
    expected = rows(con, REVENUE_BY_CHANNEL_NOV)
    assert same_rows(by_channel.result.frame.rows(), expected)
    shares = by_channel.chart.data[0]  # revenue splits into channels: a share of a whole
    assert shares.type == "pie" and list(shares.labels) == [r[0] for r in expected]
    assert same_rows([(v,) for v in shares.values], [(r[1],) for r in expected])
    by_month = asked("2025年每月的订单数", model, engine, lang="zh")
    expected = rows(con, "SELECT DATE_TRUNC('month', order_date)::DATE, COUNT(DISTINCT order_id) FROM orders "
                         "WHERE status = 'completed' AND YEAR(order_date) = 2025 GROUP BY 1 ORDER BY 1")
    assert same_rows(by_month.result.frame.rows(), expected)
    assert by_month.chart.data[0].type == "scatter" and len(by_month.chart.data[0].x) == 12
    assert by_month.understood == "每月订单数 · 2025年1月1日 至 2025年12月31日"
    top = asked("top 5 cities by revenue", model, engine)  # a top 5 is not a whole: bars, not shares
    expected = rows(con, "SELECT city, SUM(net_amount) FROM orders JOIN customers USING (customer_id) "
                         "WHERE status = 'completed' GROUP BY 1 ORDER BY 2 DESC LIMIT 5")
    assert same_rows(top.result.frame.rows(), expected)
    assert top.chart.data[0].type == "bar" and list(top.chart.data[0].x) == [r[0] for r in expected]


def test_follow_up_refines_the_previous_answer(model: SemanticModel, engine: DuckDBEngine,
                                               con: duckdb.DuckDBPyConnection) -> None:
    first = asked("revenue by channel last month", model, engine)
    follow = asked("only Tmall", model, engine, previous=first.interpretation)
    assert same_rows(follow.result.frame.rows(), [r for r in rows(con, REVENUE_BY_CHANNEL_NOV) if r[0] == "Tmall"])
    assert "Channel = Tmall" in follow.understood
    monthly = asked("按月看", model, engine, lang="zh", previous=follow.interpretation)
    assert monthly.interpretation.query.time_grain == "month"
    assert monthly.understood.startswith("按渠道看每月销售额 · 渠道 = 天猫")


def test_unanswerable_question_returns_the_clarification(model: SemanticModel, engine: DuckDBEngine) -> None:
    answer = asked("what is the meaning of life", model, engine)
    assert not answer.answered and answer.result is None and answer.error is None
    assert "Revenue" in answer.interpretation.clarification
    assert answer.chart is None and answer.definitions == {}


def test_an_ambiguous_word_offers_the_other_reading(model: SemanticModel, engine: DuckDBEngine,
                                                    con: duckdb.DuckDBPyConnection) -> None:
    units = model.metrics["units"]
    ambiguous = replace(model, metrics={**model.metrics, "units": replace(
        units, synonyms={**units.synonyms, "en": (*units.synonyms["en"], "sales")})})
    answer = asked("sales last month", ambiguous, engine)
    assert answer.interpretation.query.metrics == ("revenue",) and answer.interpretation.notes
    other = choose_reading(answer.interpretation, answer.interpretation.alternatives[0])
    assert other.query.metrics == ("units",) and other.alternatives == (answer.interpretation.query,)
    units_answer = answer_interpretation(other, model=ambiguous, engine=engine, lang="en")
    assert same_rows(units_answer.result.frame.rows(),
                     rows(con, f"SELECT SUM(quantity) FROM orders WHERE {COMPLETED_NOV}"))
    assert units_answer.understood.startswith("Units sold")


def test_guarded_sql_fallback_runs_and_unsafe_sql_is_refused(model: SemanticModel, engine: DuckDBEngine,
                                                            con: duckdb.DuckDBPyConnection) -> None:
    sql = "SELECT COUNT(*) AS n FROM campaigns"
    answer = answer_interpretation(Interpretation("how many campaigns", "llm", sql=sql), model=model,
                                   engine=engine, lang="en")
    assert answer.result.frame.rows() == rows(con, sql)
    assert answer.understood.startswith("Answered with a checked read-only SQL")
    refused = answer_interpretation(Interpretation("drop", "llm", sql="DROP TABLE orders"), model=model,
                                    engine=engine, lang="en")
    assert not refused.answered and refused.error.startswith("The answer could not be computed")
    assert rows(con, "SELECT COUNT(*) FROM orders")[0][0] > 0


def test_the_llm_engine_answers_through_the_same_pipeline(openai_server: FakeOpenAI, model: SemanticModel,  # noqa: F811
                                                          engine: DuckDBEngine,
                                                          con: duckdb.DuckDBPyConnection) -> None:
    openai_server.reply({"metrics": ["revenue"], "dimensions": ["channel"], "time_range": ["2025-11-01", "2025-11-30"],
                         "notes": ["'进账' read as Revenue"]})
    llm = LLMEngine(LLMSettings(model="test-model", base_url=openai_server.base_url, timeout_s=5.0, max_retries=0))
    answer = ask("上个月各渠道的进账", model=model, engine=engine, question_engine=llm, lang="zh")
    assert answer.interpretation.engine == "llm" and answer.error is None
    assert same_rows(answer.result.frame.rows(), rows(con, REVENUE_BY_CHANNEL_NOV))
    assert answer.understood == "按渠道看销售额 · 2025年11月1日 至 2025年11月30日"
    openai_server.error(429, "Rate limit reached", kind="rate_limit_error")
    limited = ask("上个月的销售额", model=model, engine=engine, question_engine=llm, lang="zh")
    assert not limited.answered and limited.error.startswith("无法理解这个问题：") and "429" in limited.error


def test_a_correct_llm_answer_teaches_the_builtin_engine(tmp_path: Path, openai_server: FakeOpenAI,  # noqa: F811
                                                         model: SemanticModel, engine: DuckDBEngine,
                                                         con: duckdb.DuckDBPyConnection) -> None:
    ws = Workspace(tmp_path)
    question = "takings by channel last month"
    assert not asked(question, model, engine).answered  # "takings" is not a word of the model
    openai_server.reply({"metrics": ["revenue"], "dimensions": ["channel"], "time_range": ["2025-11-01", "2025-11-30"]})
    llm = LLMEngine(LLMSettings(model="test-model", base_url=openai_server.base_url, timeout_s=5.0, max_retries=0))
    feedback.record(ws, ask(question, model=model, engine=engine, question_engine=llm, lang="en"), "right")
    examples = feedback.correct_examples(ws, "demo")
    assert [e.question for e in examples] == [question]
    learned = asked("takings by channel last month", model, engine, examples=examples)
    assert same_rows(learned.result.frame.rows(), rows(con, REVENUE_BY_CHANNEL_NOV))
    with feedback.store(ws).read() as meta:
        stored = meta.execute("SELECT semantic_query, engine FROM ask_feedback").fetchone()
    assert json.loads(stored[0]) == learned.interpretation.query.to_dict() and stored[1] == "llm"


def test_engines_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    assert question_engine("builtin", Workspace(tmp_path)).name == "builtin"
    with pytest.raises(BeaconError, match="OPENAI_API_KEY"):
        question_engine("llm", Workspace(tmp_path))
    with pytest.raises(KeyError, match="Did you mean 'llm'"):
        question_engine("lm", Workspace(tmp_path))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_restatement_is_in_the_users_language(lang: str, model: SemanticModel, engine: DuckDBEngine) -> None:
    answer = asked("revenue by channel last month", model, engine, lang=lang)
    assert answer.understood == {"en": "Revenue by Channel · Nov 1, 2025 – Nov 30, 2025",
                                 "zh": "按渠道看销售额 · 2025年11月1日 至 2025年11月30日"}[lang]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_example_chip_is_answered(lang: str, model: SemanticModel, engine: DuckDBEngine) -> None:
    """The questions offered to a first-time user must work, in both languages, with the same meaning."""
    answers = [asked(t(f"ask.{key}", lang), model, engine, lang=lang) for key in EXAMPLES]
    assert all(a.answered and a.result.frame.height > 0 for a in answers)
    english = [asked(t(f"ask.{key}", "en"), model, engine) for key in EXAMPLES]
    assert [a.interpretation.query for a in answers] == [a.interpretation.query for a in english]
