"""The evaluation set and its runner: the yardstick itself is checked before it measures anything.

(a) every expected SQL runs and has rows; (b) the set's size, languages and metric coverage;
(c) the comparison rule on real results (wrong answers are not counted right, extra columns
are allowed, order matters for rankings); (d) the whole set through the built-in engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import polars as pl
import pytest

from semantic.answer import run_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.nlq.evaluate import (
    CATEGORIES,
    EvalItem,
    Report,
    evaluate,
    expected_result,
    judge,
    load_eval_set,
    same_result,
)
from semantic.nlq.types import AskContext, Interpretation
from semantic.query import Filter, OrderBy, SemanticQuery, TimeRange

EVAL = load_eval_set()
ITEMS = {item.id: item for item in EVAL.items}
ANSWERABLE = [item for item in EVAL.items if not item.refuse]
TARGET_ACCURACY = 0.90


# ------------------------------------------------------------------ (a) every expected SQL runs

@pytest.mark.parametrize("item", ANSWERABLE, ids=[i.id for i in ANSWERABLE])
def test_expected_sql_returns_rows(item: EvalItem, model: SemanticModel, engine: DuckDBEngine) -> None:
    frame = expected_result(item, model, engine)
    assert frame.height >= 1
    metric_columns = [c for c in frame.columns if c.removesuffix("__previous") in model.metrics]
    assert metric_columns, f"{item.id}: name the metric columns after the model's metrics"
    assert all(frame[c].null_count() < frame.height for c in metric_columns), f"{item.id}: an all-NULL metric"


def test_rankings_have_no_ties_to_break(model: SemanticModel, engine: DuckDBEngine) -> None:
    """Order only matters if it is well defined: no two ranked rows share the ranked value."""
    for item in (i for i in ANSWERABLE if i.ordered):
        frame = expected_result(item, model, engine)
        ranked = frame[frame.columns[-1]].to_list()
        assert len(set(ranked)) == len(ranked), item.id


# ------------------------------------------------------------------ (b) the set's shape

def test_the_set_is_big_enough_and_bilingual() -> None:
    assert len(EVAL.items) >= 150
    for lang in ("en", "zh"):
        assert sum(i.lang == lang for i in EVAL.items) / len(EVAL.items) >= 0.45
    assert {i.category for i in EVAL.items} == set(CATEGORIES)
    assert sum(i.refuse for i in EVAL.items) >= 10
    assert all(i.category == "ambiguity_or_refusal" for i in EVAL.items if i.refuse)


def test_as_of_is_the_demo_datas_last_day(con: duckdb.DuckDBPyConnection) -> None:
    assert EVAL.as_of == con.execute("SELECT max(order_date) FROM orders").fetchone()[0] == dt.date(2025, 12, 31)


def test_every_metric_of_the_model_is_asked_about(model: SemanticModel, engine: DuckDBEngine) -> None:
    asked = {column.removesuffix("__previous") for item in ANSWERABLE
             for column in expected_result(item, model, engine).columns}
    assert set(model.metrics) <= asked, sorted(set(model.metrics) - asked)


def test_select_keeps_one_language_and_category() -> None:
    chosen = EVAL.select(lang="zh", category="ranking").items
    assert chosen and all(i.lang == "zh" and i.category == "ranking" for i in chosen)


# ------------------------------------------------------------------ (c) the comparison rule

def _governed(query: SemanticQuery, model: SemanticModel, engine: DuckDBEngine) -> pl.DataFrame:
    return run_query(query, model, engine).frame


def test_the_governed_answer_matches_the_hand_written_one(model: SemanticModel, engine: DuckDBEngine) -> None:
    expected = expected_result(ITEMS["en-018"], model, engine)      # revenue by channel
    assert same_result(expected, _governed(SemanticQuery(("revenue",), ("channel",)), model, engine))


def test_a_wrong_answer_is_not_counted_right(model: SemanticModel, engine: DuckDBEngine) -> None:
    expected = expected_result(ITEMS["en-018"], model, engine)
    assert not same_result(expected, _governed(SemanticQuery(("orders",), ("channel",)), model, engine))
    east = SemanticQuery(("revenue",), ("channel",), filters=(Filter("region", "=", "East"),))
    assert not same_result(expected, _governed(east, model, engine))
    total = expected_result(ITEMS["en-001"], model, engine)
    assert not same_result(total, _governed(SemanticQuery(("revenue",), ("channel",)), model, engine))


def test_right_values_paired_wrongly_are_wrong(model: SemanticModel, engine: DuckDBEngine) -> None:
    expected = expected_result(ITEMS["en-018"], model, engine)
    shifted = expected.with_columns(pl.col("revenue").shift(1, fill_value=expected["revenue"][-1]))
    assert not same_result(expected, shifted)


def test_extra_columns_names_and_column_order_do_not_count(model: SemanticModel, engine: DuckDBEngine) -> None:
    expected = expected_result(ITEMS["en-018"], model, engine)
    richer = _governed(SemanticQuery(("orders", "revenue", "aov"), ("channel",)), model, engine)
    assert same_result(expected, richer.rename({"revenue": "Revenue", "channel": "Channel"}))
    last_month = TimeRange(dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    compared = _governed(SemanticQuery(("revenue",), time_range=last_month, compare="previous_period"),
                         model, engine)
    assert compared.width == 4 and same_result(expected_result(ITEMS["en-085"], model, engine), compared)


def test_a_comparison_over_the_wrong_periods_is_wrong(model: SemanticModel, engine: DuckDBEngine) -> None:
    """2024+2025 vs 2023+2024: its change column equals the 2025 figure, and must not pass for it."""
    expected = expected_result(ITEMS["en-086"], model, engine)      # orders this year vs last year
    right = SemanticQuery(("orders",), time_range=TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
                          compare="previous_year")
    assert same_result(expected, _governed(right, model, engine))
    both_years = _governed(SemanticQuery(("orders",), time_range=TimeRange(dt.date(2024, 1, 1),
                                                                          dt.date(2025, 12, 31)),
                                         compare="previous_year"), model, engine)
    assert both_years["orders__change"][0] == expected["orders"][0]
    assert not same_result(expected, both_years)


def test_order_matters_for_rankings_only(model: SemanticModel, engine: DuckDBEngine) -> None:
    expected = expected_result(ITEMS["en-074"], model, engine)      # top 5 cities by revenue
    top = SemanticQuery(("revenue",), ("city",), order_by=(OrderBy("revenue", desc=True),), limit=5)
    assert same_result(expected, _governed(top, model, engine), ordered=True)
    reversed_rows = expected.reverse()
    assert same_result(expected, reversed_rows) and not same_result(expected, reversed_rows, ordered=True)
    every_city = SemanticQuery(("revenue",), ("city",))
    assert not same_result(expected, _governed(every_city, model, engine), ordered=True)


def test_float_noise_passes_but_a_real_difference_and_null_do_not() -> None:
    expected = pl.DataFrame({"channel": ["JD", "Tmall"], "revenue": [1000.0, 2500.5]})
    assert same_result(expected, expected.with_columns(pl.col("revenue") * (1 + 1e-12)))
    assert not same_result(expected, expected.with_columns(pl.col("revenue") * 1.001))
    assert not same_result(pl.DataFrame({"x": [0.0]}), pl.DataFrame({"x": [None]}, schema={"x": pl.Float64}))
    assert same_result(pl.DataFrame({"n": [7]}), pl.DataFrame({"n": [7.0]}))


# ------------------------------------------------------------------ judging, with scripted engines

@dataclass
class Scripted:
    """An engine that reads every question the same way, to check how outcomes are counted."""

    query: SemanticQuery | None
    name: str = "scripted"

    def interpret(self, question: str, context: AskContext) -> Interpretation:
        if self.query is None:
            return Interpretation(question, self.name, clarification="Which metric do you mean?")
        return Interpretation(question, self.name, query=self.query)


class Broken:
    name = "broken"

    def interpret(self, question: str, context: AskContext) -> Interpretation:
        raise RuntimeError("parser crashed")


def _judge(item_id: str, question_engine: object, model: SemanticModel, engine: DuckDBEngine) -> str:
    context = AskContext(model=model, lang=ITEMS[item_id].lang, as_of=EVAL.as_of)
    return judge(ITEMS[item_id], question_engine, context, engine).status  # type: ignore[arg-type]


def test_outcomes_are_counted_honestly(model: SemanticModel, engine: DuckDBEngine) -> None:
    revenue = Scripted(SemanticQuery(("revenue",)))
    assert _judge("en-001", revenue, model, engine) == "correct"
    assert _judge("en-018", revenue, model, engine) == "wrong"
    assert _judge("en-095", revenue, model, engine) == "wrong"        # DROP TABLE answered with a query
    asking = Scripted(None)
    assert _judge("en-001", asking, model, engine) == "declined"
    assert _judge("en-095", asking, model, engine) == "correct"
    assert _judge("en-001", Broken(), model, engine) == "error"
    bad = Scripted(SemanticQuery(("new_customers",), ("channel",)))  # channel does not reach customers
    assert _judge("en-017", bad, model, engine) == "error"


def test_the_report_adds_up(model: SemanticModel, engine: DuckDBEngine) -> None:
    report = evaluate(Scripted(SemanticQuery(("revenue",))), EVAL.select(category="total"), model, engine)
    summary = report.summary()
    assert summary["questions"] == len(EVAL.select(category="total").items)
    assert {o.item.id for o in report.outcomes if o.correct} == {"en-001", "zh-001"}   # "total revenue" twice
    assert summary["correct"] == 2 and summary["by_lang"]["en"]["correct"] == 1
    assert sum(summary[s] for s in ("correct", "wrong", "declined", "error")) == summary["questions"]
    assert set(summary["by_lang"]) == {"en", "zh"} and summary["latency_ms"]["p95"] >= 0


# ------------------------------------------------------------------ (d) the built-in engine on the whole set

@pytest.fixture(scope="module")
def builtin_report(model: SemanticModel, engine: DuckDBEngine) -> Report:
    from semantic.nlq.builtin import BuiltinEngine

    return evaluate(BuiltinEngine(), EVAL, model, engine)


def test_builtin_engine_meets_the_accuracy_target(builtin_report: Report) -> None:
    summary = builtin_report.summary()
    print(f"\nbuilt-in engine: accuracy {summary['accuracy']:.1%} ({summary['correct']}/{summary['questions']}), "
          f"wrong {summary['wrong']}, declined {summary['declined']}, errors {summary['error']}; "
          f"interpret p50 {summary['latency_ms']['p50']:.2f} ms, p95 {summary['latency_ms']['p95']:.2f} ms")
    for miss in summary["not_correct"]:
        print(f"  [{miss['status']}] {miss['id']} {miss['question']} → {miss['understood'] or '-'} {miss['detail']}")
    assert summary["accuracy"] >= TARGET_ACCURACY
