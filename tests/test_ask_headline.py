"""An answer's one-line headline: the total when the rows add up to it, the top item of a ranking, in both languages.

Each figure is checked against hand-written SQL on the demo warehouse.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.nlq.ask import Answer, answer_headline, ask, in_language
from semantic.nlq.builtin import BuiltinEngine
from viz.format import format_change, format_value

AS_OF = dt.date(2025, 12, 31)
NOV = "order_date BETWEEN DATE '2025-11-01' AND DATE '2025-11-30'"
Y2025 = "order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'"


def asked(question: str, model: SemanticModel, engine: DuckDBEngine, lang: str) -> Answer:
    return ask(question, model=model, engine=engine, question_engine=BuiltinEngine(), lang=lang, as_of=AS_OF)


def one(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    return con.execute(sql).fetchone()[0]


def test_a_breakdown_of_revenue_states_its_total(model: SemanticModel, engine: DuckDBEngine,
                                                 con: duckdb.DuckDBPyConnection) -> None:
    total = one(con, f"SELECT SUM(net_amount) FROM orders WHERE status = 'completed' AND {NOV}")
    answer = asked("上个月各渠道的销售额是多少?", model, engine, "zh")
    assert answer.result.frame.height == 6
    assert answer_headline(answer, model, "zh") == f"销售额合计 {format_value(total, 'currency', 'zh')}"
    assert answer_headline(answer, model, "zh") == "销售额合计 ¥718.33万"
    assert answer_headline(in_language(answer, model, "en"), model, "en") == "Total Revenue: ¥7.18M"


def test_a_ranking_names_its_top_item_and_a_ratio_gets_no_sum(model: SemanticModel, engine: DuckDBEngine,
                                                              con: duckdb.DuckDBPyConnection) -> None:
    best = con.execute("""
        WITH o AS (SELECT campaign_id, SUM(net_amount) AS cr FROM orders WHERE status = 'completed'
                   AND campaign_id IS NOT NULL AND order_date BETWEEN DATE '2025-04-01' AND DATE '2025-06-30'
                   GROUP BY 1),
             a AS (SELECT campaign_id, SUM(spend) AS spend FROM ad_spend
                   WHERE date BETWEEN DATE '2025-04-01' AND DATE '2025-06-30' GROUP BY 1)
        SELECT campaign_name, cr / spend AS roas FROM o JOIN a USING (campaign_id) JOIN campaigns USING (campaign_id)
        ORDER BY roas DESC LIMIT 1""").fetchone()
    answer = asked("Which campaigns had the best ROAS in Q2 2025?", model, engine, "en")
    assert None not in answer.result.frame["campaign_name"].to_list()
    assert answer_headline(answer, model, "en") == f"Highest: {best[0]} (ROAS {format_value(best[1], 'ratio')})"
    assert answer_headline(answer, model, "en") == "Highest: 618 Mid-Year Sale 2025 (ROAS 1.62)"
    aov = asked("AOV by channel last month", model, engine, "en")
    assert aov.totals is None and answer_headline(aov, model, "en") == ""


def test_a_top_n_is_not_a_whole_and_a_single_number_states_itself(model: SemanticModel, engine: DuckDBEngine,
                                                                  con: duckdb.DuckDBPyConnection) -> None:
    city, revenue = con.execute(f"SELECT city, SUM(net_amount) FROM orders JOIN customers USING (customer_id) "
                                f"WHERE status = 'completed' AND {Y2025} GROUP BY 1 ORDER BY 2 DESC").fetchone()
    top = asked("2025年销售额前5的城市", model, engine, "zh")
    assert top.result.frame.height == 5 and top.totals is None
    name = model.dimensions["city"].value_label(city, "zh")
    assert answer_headline(top, model, "zh") == f"最高：{name}（销售额 {format_value(revenue, 'currency', 'zh')}）"
    single = asked("revenue last month", model, engine, "en")
    assert single.totals is None and answer_headline(single, model, "en") == ""


def test_distinct_counts_add_up_only_when_no_row_shares_an_item(model: SemanticModel, engine: DuckDBEngine,
                                                                con: duckdb.DuckDBPyConnection) -> None:
    orders = asked("orders by channel in 2025", model, engine, "en")
    expected = one(con, f"SELECT COUNT(DISTINCT order_id) FROM orders WHERE status = 'completed' AND {Y2025}")
    assert orders.totals["orders"][0] == expected == orders.result.frame["orders"].sum()
    assert answer_headline(orders, model, "en") == f"Total Orders: {format_value(expected, 'integer')}"
    buyers = asked("buyers by channel in 2025", model, engine, "en")
    overall = one(con, f"SELECT COUNT(DISTINCT customer_id) FROM orders WHERE status = 'completed' AND {Y2025}")
    assert buyers.totals["buyers"][0] == overall < buyers.result.frame["buyers"].sum()
    assert answer_headline(buyers, model, "en") == ""


def test_a_comparison_total_says_its_change(model: SemanticModel, engine: DuckDBEngine,
                                            con: duckdb.DuckDBPyConnection) -> None:
    now = one(con, f"SELECT SUM(net_amount) FROM orders WHERE status = 'completed' AND {Y2025}")
    before = one(con, "SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
                      "AND order_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'")
    answer = asked("revenue by channel vs last year in 2025", model, engine, "en")
    assert answer.totals["revenue"][0] == pytest.approx(now)
    assert answer_headline(answer, model, "en") == (f"Total Revenue: {format_value(now, 'currency')} "
                                                    f"({format_change(now / before - 1)} vs same period last year)")
