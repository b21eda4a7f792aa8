"""Measured quality of a question engine: the evaluation set run end to end, every answer checked.

Each question of `eval_set.yaml` (or of `holdout_set.yaml`, the set nobody tunes on)
goes through the engine (`interpret`, timed) and
then through the semantic layer exactly as the Ask page runs it (`run_query`, or
`run_sql` behind the guard for an SQL fallback). Its result is compared with the
result of the item's hand-written SQL, run through the same guard. An outcome is:

- correct: the result equals the expected one (rule below), or, for an item the
  model cannot answer (`expect: refuse`), the engine declined or asked;
- wrong: a result that differs, or any query run for a question it should refuse;
- declined: no query for an answerable question (it asked instead); not correct,
  but counted apart from wrong, because asking is the honest failure;
- error: the engine raised, or its query failed to run.

The comparison rule (`same_result`), chosen so that a wrong answer never counts:

1. Values are normalised: every number (int, Decimal, float) becomes a float and is
   compared with a relative tolerance of 1e-6 (summation order moves the last digits);
   a midnight timestamp becomes a date; None only equals None (a 0 is not a NULL).
2. The row counts must be equal: a total answered as a breakdown, or a top 5 answered
   with every row, is wrong.
3. Column names and order are ignored, and extra columns are allowed (a time column,
   a comparison's change columns), but every expected column must be matched by a
   distinct result column, and the matched columns must be row-aligned: the result's
   rows, cut down to the matched columns, equal the expected rows as a multiset.
   Matching columns one by one is not enough, since values can be right and paired wrongly.
   Columns keep their role in a comparison: an expected `x__previous` column matches only a
   result column named `...__previous`, any other expected column only a column that is not,
   and the derived `__change`/`__change_pct` columns match nothing (otherwise "2024+2025 vs
   2023+2024" would pass for "2025 vs 2024", its change being exactly the 2025 figure).
4. For rankings (category `ranking`) the rows must also come in the expected order.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from errors import BeaconError, InputError
from semantic.answer import run_query, run_sql
from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.nlq.types import AskContext, Interpretation, QuestionEngine
from semantic.nlq.values import dimension_values
from semantic.query import parse_date
from viz.describe import describe

EVAL_SET = Path(__file__).with_name("eval_set.yaml")
# The holdout set is never tuned on: it measures accuracy on unseen questions (see its header).
SETS = {"eval": EVAL_SET, "holdout": Path(__file__).with_name("holdout_set.yaml")}
CATEGORIES = ("total", "breakdown", "filter", "time", "grain", "ranking", "comparison", "ambiguity_or_refusal")
LANGS = ("en", "zh")
STATUSES = ("correct", "wrong", "declined", "error")
REL_TOL = 1e-6
PREVIOUS, DERIVED = "__previous", ("__change", "__change_pct")


@dataclass(frozen=True)
class EvalItem:
    """One question with its expected result (hand-written SQL), or none when the engine must refuse."""

    id: str
    lang: str
    category: str
    question: str
    sql: str | None = None

    @property
    def refuse(self) -> bool:
        return self.sql is None

    @property
    def ordered(self) -> bool:
        return self.category == "ranking"


@dataclass(frozen=True)
class EvalSet:
    as_of: dt.date
    items: tuple[EvalItem, ...]

    def select(self, lang: str | None = None, category: str | None = None) -> EvalSet:
        """The items in one language and/or one category."""
        kept = tuple(i for i in self.items if lang in (None, i.lang) and category in (None, i.category))
        return EvalSet(self.as_of, kept)


def load_eval_set(path: Path = EVAL_SET) -> EvalSet:
    """Read and check the set: known languages and categories, unique ids, SQL or `expect: refuse`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = tuple(_item(raw, path) for raw in data.get("items") or ())
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InputError(f"{path.name}: the id '{item.id}' is used twice.")
        seen.add(item.id)
    return EvalSet(parse_date(data["as_of"]), items)


def _item(raw: dict[str, Any], path: Path) -> EvalItem:
    where = f"{path.name}, item {raw.get('id', '?')}"
    if raw.get("lang") not in LANGS or raw.get("category") not in CATEGORIES:
        raise InputError(f"{where}: lang must be one of {LANGS} and category one of {CATEGORIES}.")
    refuse = raw.get("expect") == "refuse"
    if refuse == bool(raw.get("sql")):
        raise InputError(f"{where}: give either the expected `sql` or `expect: refuse`, not both or neither.")
    return EvalItem(str(raw["id"]), raw["lang"], raw["category"], str(raw["question"]), raw.get("sql"))


# ------------------------------------------------------------------ the comparison rule

def _normal(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float | Decimal):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


def _sort_key(value: Any) -> tuple[int, Any, Any]:
    """A total order over mixed values; numbers first by 6 significant digits, so float noise sorts alike."""
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, float):
        return (1, float(f"{value:.6g}"), value)
    return (2, str(value), "")


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-9)
    return type(a) is type(b) and a == b


def _same_sequence(a: Sequence[tuple[Any, ...]], b: Sequence[tuple[Any, ...]]) -> bool:
    return len(a) == len(b) and all(len(x) == len(y) and all(map(_close, x, y)) for x, y in zip(a, b, strict=True))


def _row_key(row: tuple[Any, ...]) -> tuple[tuple[int, Any, Any], ...]:
    return tuple(_sort_key(v) for v in row)


def _same_rows(expected: list[tuple[Any, ...]], actual: list[tuple[Any, ...]], ordered: bool) -> bool:
    if ordered:
        return _same_sequence(expected, actual)
    return _same_sequence(sorted(expected, key=_row_key), sorted(actual, key=_row_key))


def _columns(frame: pl.DataFrame) -> list[list[Any]]:
    return [[_normal(v) for v in frame.get_column(name).to_list()] for name in frame.columns]


def _role(column: str) -> str:
    if column.endswith(DERIVED):
        return "derived"
    return "previous" if column.endswith(PREVIOUS) else "value"


def same_result(expected: pl.DataFrame, actual: pl.DataFrame, ordered: bool = False) -> bool:
    """True when `actual` answers what `expected` holds (see the rule in the module docstring)."""
    if expected.height != actual.height or expected.width > actual.width:
        return False
    wanted, found = _columns(expected), _columns(actual)
    # Columns of the same role whose values match as multisets first; only those pairings are tried for rows.
    candidates = [[k for k, column in enumerate(found)
                   if _role(actual.columns[k]) == _role(name)
                   and _same_rows([(v,) for v in want], [(v,) for v in column], ordered=False)]
                  for name, want in zip(expected.columns, wanted, strict=True)]
    expected_rows = list(zip(*wanted, strict=True))
    for choice in itertools.product(*candidates):
        if len(set(choice)) == len(choice):
            projected = list(zip(*(found[k] for k in choice), strict=True))
            if _same_rows(expected_rows, projected, ordered):
                return True
    return False


# ------------------------------------------------------------------ running the set

@dataclass(frozen=True)
class Outcome:
    item: EvalItem
    status: str
    latency_ms: float
    understood: str = ""   # the query as understood, in words (viz.describe), or the engine's notes
    detail: str = ""       # why it is not correct: the clarification asked, the error, the row counts

    @property
    def correct(self) -> bool:
        return self.status == "correct"


@dataclass(frozen=True)
class Report:
    engine: str
    as_of: dt.date
    outcomes: tuple[Outcome, ...] = field(default_factory=tuple)

    def summary(self) -> dict[str, Any]:
        """Accuracy overall, per category and per language; counts by status; latency; what was not correct."""
        latencies = sorted(o.latency_ms for o in self.outcomes)
        return {
            "engine": self.engine, "as_of": self.as_of.isoformat(), **_tally(self.outcomes),
            "by_category": {c: _tally(g) for c in CATEGORIES if (g := [o for o in self.outcomes
                                                                        if o.item.category == c])},
            "by_lang": {lang: _tally(g) for lang in LANGS if (g := [o for o in self.outcomes if o.item.lang == lang])},
            "latency_ms": {"p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
                           "max": percentile(latencies, 100)},
            "not_correct": [_outcome_dict(o) for o in self.outcomes if not o.correct],
        }


def _tally(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    counts = {status: sum(o.status == status for o in outcomes) for status in STATUSES}
    return {"questions": len(outcomes), **counts,
            "accuracy": round(counts["correct"] / len(outcomes), 4) if outcomes else 0.0}


def _outcome_dict(o: Outcome) -> dict[str, Any]:
    return {"id": o.item.id, "lang": o.item.lang, "category": o.item.category, "question": o.item.question,
            "status": o.status, "understood": o.understood, "detail": o.detail}


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of sorted `values` (0 for none).

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50), percentile([1.0, 2.0, 3.0, 4.0], 95)
    (2.0, 4.0)
    """
    if not values:
        return 0.0
    return round(values[max(0, math.ceil(p / 100 * len(values)) - 1)], 3)


def evaluate(question_engine: QuestionEngine, eval_set: EvalSet, model: SemanticModel, engine: Engine,
             progress: Callable[[Outcome], None] | None = None) -> Report:
    """Every item through `question_engine` and the semantic layer, judged against its expected SQL."""
    values = dimension_values(model, engine)
    outcomes = []
    for item in eval_set.items:
        context = AskContext(model=model, lang=item.lang, as_of=eval_set.as_of, values=values)
        outcome = judge(item, question_engine, context, engine)
        outcomes.append(outcome)
        if progress is not None:
            progress(outcome)
    return Report(question_engine.name, eval_set.as_of, tuple(outcomes))


def judge(item: EvalItem, question_engine: QuestionEngine, context: AskContext, engine: Engine) -> Outcome:
    """One item: interpret (timed), run what was understood, compare with the expected result."""
    started = time.perf_counter()
    try:
        reading = question_engine.interpret(item.question, context)
    except Exception as err:  # any engine failure is one counted error, not the end of the run
        return Outcome(item, "error", _ms(started), detail=f"interpret failed: {type(err).__name__}: {err}")
    latency = _ms(started)
    understood = _understood(reading, context)
    if not reading.answered:
        status = "correct" if item.refuse else "declined"
        return Outcome(item, status, latency, understood, reading.clarification or "")
    if item.refuse:
        return Outcome(item, "wrong", latency, understood, "answered a question it should have declined")
    return _checked(item, reading, context.model, engine, latency, understood)


def _checked(item: EvalItem, reading: Interpretation, model: SemanticModel, engine: Engine,
             latency: float, understood: str) -> Outcome:
    try:
        if reading.query is not None:
            actual = run_query(reading.query, model, engine).frame
        else:
            actual = run_sql(reading.sql or "", model, engine).frame
    except BeaconError as err:
        return Outcome(item, "error", latency, understood, f"the query failed: {err}")
    expected = expected_result(item, model, engine)
    if same_result(expected, actual, item.ordered):
        return Outcome(item, "correct", latency, understood)
    detail = (f"expected {expected.height} row(s) of {', '.join(expected.columns)}; "
              f"got {actual.height} row(s) of {', '.join(actual.columns)}")
    if expected.height == actual.height == 1:
        detail += f" (expected {expected.row(0)}, got {actual.row(0)})"
    return Outcome(item, "wrong", latency, understood, detail)


def expected_result(item: EvalItem, model: SemanticModel, engine: Engine) -> pl.DataFrame:
    """The item's hand-written SQL, run behind the same guard as any raw SQL."""
    if item.sql is None:
        raise InputError(f"Item {item.id} has no expected result: the engine should decline it.")
    return run_sql(item.sql, model, engine).frame


def _understood(reading: Interpretation, context: AskContext) -> str:
    if reading.query is not None:
        return describe(reading.query, context.model, context.lang)
    if reading.sql is not None:
        return f"SQL: {reading.sql}"
    return "; ".join(reading.notes)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
