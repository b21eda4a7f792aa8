"""Ask: a question in, a checked answer out — through the same semantic layer as every chart.

An engine (built-in parser or LLM) only *reads* the question; this module runs
what it read: a semantic query through `run_query` (with the user's policy), or
the LLM's raw SQL fallback through the guard (`run_sql`). The answer carries
what a user needs to trust the number: the question restated in their language,
the definition of every metric used, the SQL, and a chart chosen by simple rules.
Engine failures (time-outs, rate limits, unreadable output) become words on the
answer, never an exception, so the chat stays usable.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

import plotly.graph_objects as go
import polars as pl

from errors import BeaconError, PermissionDeniedError, UnknownNameError
from semantic.answer import run_query, run_sql, time_bounds
from semantic.engine import Engine, QueryResult
from semantic.model import SemanticModel
from semantic.nlq.headline import headline, total_query
from semantic.nlq.types import AskContext, Example, Interpretation, QuestionEngine
from semantic.nlq.values import dimension_values
from semantic.query import Policy, SemanticQuery
from viz.charts import build_figure
from viz.describe import describe
from viz.i18n import error_text, t
from viz.labels import cell_text, column_label, plain_numbers
from viz.suggest import suggest_chart
from workspace.home import Workspace


@dataclass(frozen=True)
class Answer:
    """One answered (or honestly unanswered) question, ready to show or print."""

    interpretation: Interpretation
    model: str = ""                               # the model's name, so feedback is kept per model
    lang: str = "en"
    result: QueryResult | None = None
    understood: str = ""                          # the question restated, in the user's language
    definitions: dict[str, str] = field(default_factory=dict)  # metric id → its formula
    chart: go.Figure | None = None                # None for a single number (shown as a KPI)
    error: str | None = None                      # an engine or query failure, in words
    totals: pl.DataFrame | None = None            # the grand total's one row, when the answer states a total
    refused: str | None = None                    # a data policy's or role's refusal, in English, for the audit log

    @property
    def answered(self) -> bool:
        return self.result is not None


def ask(question: str, *, model: SemanticModel, engine: Engine, question_engine: QuestionEngine, lang: str,
        as_of: dt.date | None = None, previous: Interpretation | None = None,
        examples: Sequence[Example] = (), policy: Policy | None = None) -> Answer:
    """Read `question` with `question_engine` and answer what it read.

    `as_of` is "today" for relative dates (None: the data's last day); `previous` is the
    conversation's last interpretation, so "only Tmall" refines it; `examples` are the
    saved correct pairs both engines learn from.
    """
    context = AskContext(model=model, lang=lang, as_of=as_of or data_last_day(model, engine),
                         previous=previous, examples=tuple(examples), values=cached_values(model, engine, policy))
    try:
        interpretation = question_engine.interpret(question, context)
    except BeaconError as err:
        return Answer(Interpretation(question, question_engine.name), model=model.name, lang=lang,
                      error=t("ask.engine_failed", lang, message=error_text(err, lang)))
    return answer_interpretation(interpretation, model=model, engine=engine, lang=lang, policy=policy)


def answer_interpretation(interpretation: Interpretation, *, model: SemanticModel, engine: Engine, lang: str,
                          policy: Policy | None = None) -> Answer:
    """Run what an engine understood; a refused or failed query is an answer with an error, not a crash."""
    answer = Answer(interpretation, model=model.name, lang=lang, understood=understood(interpretation, model, lang),
                    definitions=definitions(interpretation.query, model))
    if not interpretation.answered:
        return answer
    try:
        if interpretation.query is not None:
            result = run_query(interpretation.query, model, engine, policy)
        else:
            result = run_sql(interpretation.sql or "", model, engine, policy)
    except BeaconError as err:
        return replace(answer, error=t("ask.query_failed", lang, message=error_text(err, lang)),
                       refused=str(err) if isinstance(err, PermissionDeniedError) else None)
    result = replace(result, frame=plain_numbers(result.frame))  # exact DuckDB sums (Decimal) as numbers to show
    return replace(answer, result=result, chart=choose_chart(interpretation.query, result, model, lang),
                   totals=answer_totals(interpretation.query, result.frame, model, engine, policy))


def answer_totals(query: SemanticQuery | None, frame: pl.DataFrame, model: SemanticModel, engine: Engine,
                  policy: Policy | None) -> pl.DataFrame | None:
    """The answer's grand total, through the semantic layer like Explore's Total row; None when it states none.

    The total is a courtesy line: if its query fails, the answer stands without it.
    """
    total = total_query(query, frame, model)
    if total is None:
        return None
    try:
        return plain_numbers(run_query(total, model, engine, policy).frame)
    except BeaconError:
        return None


def answer_headline(answer: Answer, model: SemanticModel, lang: str) -> str:
    """The answer's one-line headline in `lang`: its total, or the top item of a ranking ('' when none)."""
    if answer.result is None:
        return ""
    return headline(answer.interpretation.query, answer.result.frame, answer.totals, model, lang)


def in_language(answer: Answer, model: SemanticModel, lang: str) -> Answer:
    """The same answer told in `lang` (restatement and chart), for a conversation whose user switched language."""
    if answer.lang == lang:
        return answer
    chart = choose_chart(answer.interpretation.query, answer.result, model, lang) if answer.result else None
    return replace(answer, lang=lang, understood=understood(answer.interpretation, model, lang), chart=chart)


ENGINES = ("builtin", "llm")


def question_engine(name: str, ws: Workspace) -> QuestionEngine:
    """The engine called `name`; the LLM engine raises a BeaconError in words when it is not configured."""
    if name == "llm":
        from semantic.nlq.llm import LLMEngine  # openai is imported only when the LLM is asked

        return LLMEngine.from_workspace(ws)
    if name != "builtin":
        raise UnknownNameError("question engine", name, ENGINES)
    from semantic.nlq.builtin import BuiltinEngine

    return BuiltinEngine()


def choose_reading(interpretation: Interpretation, reading: SemanticQuery) -> Interpretation:
    """The same question read the other way: `reading` becomes the query, the old query an alternative."""
    others = tuple(q for q in interpretation.alternatives if q != reading)
    kept = (interpretation.query, *others) if interpretation.query is not None else others
    return replace(interpretation, query=reading, sql=None, alternatives=kept, clarification=None)


def understood(interpretation: Interpretation, model: SemanticModel, lang: str) -> str:
    """One line saying what was understood: the restated query, or what the engine noted."""
    if interpretation.query is not None:
        return describe(interpretation.query, model, lang)
    if interpretation.sql is not None:
        return t("ask.understood_sql", lang)
    return t("ask.list_separator", lang).join(interpretation.notes)


def definitions(query: SemanticQuery | None, model: SemanticModel) -> dict[str, str]:
    """Each metric of the query with its formula, as the model defines it."""
    if query is None:
        return {}
    return {name: model.definition(name) for name in query.metrics if name in model.metrics}


def main_fact_table(model: SemanticModel) -> str | None:
    """The timed table most measures are built on (orders in the demo): its last day is "today" for questions."""
    counts = Counter(m.table for m in model.measures.values() if model.tables[m.table].time)
    return counts.most_common(1)[0][0] if counts else None


def readable_table(frame: pl.DataFrame, query: SemanticQuery, model: SemanticModel, lang: str) -> pl.DataFrame:
    """The result as a reader sees it: columns named in the user's language, values formatted (¥1.23亿, 3.4%)."""
    return pl.DataFrame({column_label(c, model, lang): [cell_text(v, c, model, lang, query.time_grain)
                                                          for v in frame[c].to_list()] for c in frame.columns})


NO_CHART = ("kpi", "table")  # a single number is shown as KPI cards and a wide result as the table alone
SHARES = ("pie", "donut")


def choose_chart(query: SemanticQuery | None, result: QueryResult, model: SemanticModel,
                 lang: str) -> go.Figure | None:
    """The chart Explore would draw for the same result (time grain → line, one dimension → bars...)."""
    frame = result.frame
    if query is None or not query.metrics or frame.height <= 1:
        return None  # nothing, or one row: shown as KPI cards
    spec = suggest_chart(query, frame, model)
    if spec.kind in SHARES and query.limit:  # the top 5 are not a whole: their shares would mislead
        spec = replace(spec, kind="bar")
    return None if spec.kind in NO_CHART else build_figure(spec, frame, query, model, lang)


_CACHE_SIZE = 16
_cache: OrderedDict[tuple[object, ...], tuple[tuple[SemanticModel, Engine], object]] = OrderedDict()
_cache_lock = threading.Lock()
T = TypeVar("T")


def _cached(kind: str, model: SemanticModel, engine: Engine, compute: Callable[[], T],
            policy: Policy | None = None) -> T:
    """Per model, engine, data version and policy; the entry keeps model and engine alive, so their ids stay unique."""
    key = (kind, id(model), id(engine), getattr(engine, "data_version", None), repr(policy or Policy()))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key][1]  # type: ignore[return-value]
    value = compute()
    with _cache_lock:
        _cache[key] = ((model, engine), value)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def cached_values(model: SemanticModel, engine: Engine, policy: Policy | None = None) -> dict[str, tuple[str, ...]]:
    """Dimension values read from the data once per model, data version and policy (so "上海" resolves, and
    a regional user's parser knows only their own region's values)."""
    return _cached("values", model, engine, lambda: dimension_values(model, engine, policy=policy), policy)


def data_last_day(model: SemanticModel, engine: Engine) -> dt.date | None:
    """The main fact table's last day with rows: what "last month" is relative to by default."""
    table = main_fact_table(model)
    bounds = _cached("bounds", model, engine, lambda: time_bounds(model, engine, table) if table else None)
    return bounds[1] if bounds else None
