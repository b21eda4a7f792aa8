"""The holdout set: questions nobody tunes the parser on, measuring issue 4's target on unseen questions.

(a) every expected SQL runs and has rows, rankings are well defined; (b) the set's size, languages,
categories and metric coverage; (c) the whole set through the built-in engine, accuracy asserted at
the target and every answer that was not correct printed (run with -s to read them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import polars as pl
import pytest

import beacon
from commands.evaluate import print_summary
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.nlq.evaluate import CATEGORIES, LANGS, SETS, EvalItem, evaluate, expected_result, load_eval_set
from workspace.home import DEMO_MODEL

HOLDOUT = load_eval_set(SETS["holdout"])
ANSWERABLE = [item for item in HOLDOUT.items if not item.refuse]
TARGET_ACCURACY = 0.90


# ------------------------------------------------------------------ (a) every expected answer is well formed

@pytest.fixture(scope="module")
def expected(model: SemanticModel, engine: DuckDBEngine) -> dict[str, pl.DataFrame]:
    """Each answerable item's hand-written result, run once behind the guard."""
    return {item.id: expected_result(item, model, engine) for item in ANSWERABLE}


def _problems(item: EvalItem, frame: pl.DataFrame, model: SemanticModel) -> list[str]:
    """What makes an expected answer unusable as a yardstick: no rows, no metric, or an ill-defined order."""
    metrics = [c for c in frame.columns if c.removesuffix("__previous") in model.metrics]
    found = [] if frame.height else ["no rows"]
    found += [] if metrics else ["no column named after a metric"]
    found += [f"{c} is all NULL" for c in metrics if frame[c].null_count() == frame.height]
    if item.ordered:
        ranked = frame[frame.columns[-1]].to_list()
        found += [] if frame.columns[-1] in model.metrics else ["a ranking must end with its metric"]
        found += [] if len(set(ranked)) == len(ranked) else ["tied ranks"]
    return [f"{item.id}: {problem}" for problem in found]


def test_every_expected_answer_is_well_formed(expected: dict[str, pl.DataFrame], model: SemanticModel) -> None:
    problems = [p for item in ANSWERABLE for p in _problems(item, expected[item.id], model)]
    assert len(expected) == len(ANSWERABLE) and not problems, problems


# ------------------------------------------------------------------ (b) the set's shape

def test_the_set_is_big_enough_and_every_category_is_asked_in_both_languages() -> None:
    per_lang = Counter(i.lang for i in HOLDOUT.items)
    assert len(HOLDOUT.items) >= 100 and min(per_lang[lang] for lang in LANGS) >= 0.45 * len(HOLDOUT.items)
    asked = Counter((i.lang, i.category) for i in HOLDOUT.items)
    assert [(lang, c) for lang in LANGS for c in CATEGORIES if asked[lang, c] < 2] == []
    refused = [i for i in HOLDOUT.items if i.refuse]
    assert len(refused) >= 8 and {i.category for i in refused} == {"ambiguity_or_refusal"}


def test_same_day_as_the_evaluation_set_and_no_question_shared_with_it() -> None:
    tuned = load_eval_set(SETS["eval"])
    assert HOLDOUT.as_of == tuned.as_of == dt.date(2025, 12, 31)
    seen = {i.question.casefold() for i in tuned.items}
    assert not [i.id for i in HOLDOUT.items if i.question.casefold() in seen], "rephrase these holdout items"
    assert not {i.id for i in HOLDOUT.items} & {i.id for i in tuned.items}


def test_every_metric_of_the_model_is_asked_about(expected: dict[str, pl.DataFrame], model: SemanticModel) -> None:
    asked = {column.removesuffix("__previous") for frame in expected.values() for column in frame.columns}
    assert set(model.metrics) - asked == set()


def test_the_cli_runs_the_holdout_set(warehouse: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = beacon.main(["eval", "--set", "holdout", "--db", str(warehouse), "--model", str(DEMO_MODEL),
                        "--category", "ambiguity_or_refusal", "--lang", "zh", "--show-wrong"])
    out = capsys.readouterr().out
    asked = len(HOLDOUT.select(lang="zh", category="ambiguity_or_refusal").items)
    assert code == 0 and f"{asked} questions" in out and "Execution accuracy" in out


# ------------------------------------------------------------------ (c) the built-in engine on unseen questions

def test_builtin_engine_meets_the_accuracy_target_on_the_holdout_set(model: SemanticModel,
                                                                    engine: DuckDBEngine) -> None:
    from semantic.nlq.builtin import BuiltinEngine

    summary = evaluate(BuiltinEngine(), HOLDOUT, model, engine).summary()
    print_summary(summary, show_wrong=True)   # the same report as `beacon eval --set holdout --show-wrong`
    assert summary["accuracy"] >= TARGET_ACCURACY
