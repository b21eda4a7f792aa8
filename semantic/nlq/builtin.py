"""The built-in question engine: a deterministic, offline parser over the model's vocabulary.

It reads English and Chinese marketing questions ("上个月各渠道的销售额", "top 5 cities by
revenue in Q2") into a SemanticQuery, and only ever outputs one: text that looks like an
instruction or SQL is refused, and a question it cannot read fully is answered with a
clarification rather than a guess. Every reading it had to choose is said in a note.

As of 2025-12-31, "上个月各渠道的销售额" reads as SemanticQuery(metrics=('revenue',),
dimensions=('channel',), time_range=TimeRange(2025-11-01, 2025-11-30)).
"""

from __future__ import annotations

import re
from dataclasses import replace

from errors import BeaconError
from semantic.compile import compile_query
from semantic.model import SemanticModel
from semantic.nlq.build import draft_query, finish
from semantic.nlq.checks import off_topic
from semantic.nlq.dates import PeriodError
from semantic.nlq.draft import Draft, listed, usable
from semantic.nlq.grammar import FOLLOW_UP, INJECTION, SAME_PERIOD_ONLY, UNSUPPORTED
from semantic.nlq.learn import learned_terms
from semantic.nlq.lexicon import lexicon_for
from semantic.nlq.reading import Reading, read
from semantic.nlq.text import language, normalize
from semantic.nlq.types import AskContext, Interpretation
from semantic.periods import comparison_window
from semantic.query import OrderBy, SemanticQuery
from viz.i18n import t
from workspace import clock

ALSO = re.compile(r"\b(?:also|too|as\s+well|add)\b|还|再|同时|加上")


class BuiltinEngine:
    """Reads English and Chinese questions into a SemanticQuery without any network call."""

    name = "builtin"

    def interpret(self, question: str, context: AskContext) -> Interpretation:
        lang = language(question, context.lang)
        text = normalize(question)
        if INJECTION.search(text):
            return self._ask(question, t("nlq.refused", lang, example=_example(context.model, lang)))
        if UNSUPPORTED.search(text):
            return self._ask(question, t("nlq.no_share", lang))
        try:
            return self._interpret(question, context, lang)
        except PeriodError as err:
            return self._ask(question, t("nlq.bad_period", lang, text=err.text))
        except BeaconError as err:
            return self._ask(question, t("nlq.cannot_read", lang, reason=_reason(str(err), lang)))

    def _interpret(self, question: str, context: AskContext, lang: str) -> Interpretation:
        model = context.model
        as_of = context.as_of or clock.today()
        learned = learned_terms(model, context.values, context.examples, as_of)
        reading = read(question, lexicon_for(model, context.values, learned), model, as_of)
        draft = draft_query(reading, model, as_of, lang)
        previous = context.previous.query if context.previous else None
        if previous is not None and _refines(draft, reading, previous):
            stray = off_topic(reading) if not draft.metrics else None
            if stray:  # "今天天气怎么样" after an answer: not a refinement of it
                return self._ask(question, t("nlq.off_topic", lang, word=stray, example=_example(model, lang)))
            draft = _follow_up(draft, previous, reading.text, lang)
        draft = finish(draft, reading, model, as_of, lang)
        if draft.clarification:
            return self._ask(question, draft.clarification, draft.notes)
        if not draft.metrics:
            return self._ask(question, t("nlq.no_metric", lang, metrics=_metric_list(model, lang),
                                         example=_example(model, lang)))
        return self._answer(question, draft, model, lang)

    def _answer(self, question: str, draft: Draft, model: SemanticModel, lang: str) -> Interpretation:
        query = draft.query()
        problem = _check(query, model)
        if problem:
            return self._ask(question, t("nlq.invalid", lang, reason=_unusable(query, model, lang)
                                         or _reason(problem, lang)), draft.notes)
        alternatives = tuple(q for q in draft.alternatives() if not _check(q, model))
        return Interpretation(question, self.name, query=query, notes=tuple(draft.notes), alternatives=alternatives)

    def _ask(self, question: str, clarification: str, notes: list[str] | tuple[str, ...] = ()) -> Interpretation:
        return Interpretation(question, self.name, notes=tuple(notes), clarification=clarification)


def _refines(draft: Draft, reading: Reading, previous: SemanticQuery) -> bool:
    """Whether the question refines the previous one: it names no metric, says so ("only", 呢), asks only for
    the same period a year before, or ranks without naming what ("订单数最少的两个") after an answer that had it."""
    if SAME_PERIOD_ONLY.match(reading.text):
        return True
    ranks_previous = reading.ranking is not None and not draft.dimensions and not draft.time_grain \
        and bool(previous.dimensions or previous.time_grain)
    return draft.found_anything and (not draft.metrics or bool(FOLLOW_UP.search(reading.text)) or ranks_previous)


def _follow_up(draft: Draft, previous: SemanticQuery, text: str, lang: str) -> Draft:
    """Refine the previous question: new parts replace old ones, the rest is kept ("only Tmall", 按月看)."""
    if SAME_PERIOD_ONLY.match(text) and previous.time_range:  # 去年同期呢: the window moved, not compared
        draft = replace(draft, time_range=comparison_window(previous.time_range, "previous_year")[0], compare=None)
        previous = replace(previous, compare=None)
    metrics = draft.metrics or list(previous.metrics)
    dimensions = draft.dimensions or list(previous.dimensions)
    if draft.dimensions and ALSO.search(text):
        dimensions = list(dict.fromkeys([*previous.dimensions, *draft.dimensions]))
    fields = {f.field for f in draft.filters}
    filters = [f for f in previous.filters if f.field not in fields] + list(draft.filters)
    order_by = [o if o.field not in previous.metrics or o.field in metrics else OrderBy(metrics[0], o.desc)
                for o in previous.order_by]
    return replace(draft, metrics=metrics, dimensions=dimensions, filters=filters, order_by=order_by,
                   limit=draft.limit or previous.limit, time_range=draft.time_range or previous.time_range,
                   compare=draft.compare or previous.compare, time_grain=draft.time_grain or previous.time_grain,
                   notes=[*draft.notes, t("nlq.note_follow_up", lang)])


def _check(query: SemanticQuery, model: SemanticModel) -> str | None:
    """Why the query cannot run on this model (compiled, never executed), or None."""
    try:
        compile_query(query, model)
    except BeaconError as err:
        return str(err)
    return None


def _unusable(query: SemanticQuery, model: SemanticModel, lang: str) -> str | None:
    """Why the query can't run, in the question's language, when a metric can't use one of its fields."""
    fields = [*query.dimensions, *(f.field for f in query.filters)]
    for metric in query.metrics:
        field = next((f for f in fields if f in model.dimensions and not usable(model, [metric], f)), None)
        if field:
            works = [d.label(lang) for name, d in model.dimensions.items() if usable(model, [metric], name)]
            return t("nlq.reason_not_linked", lang, metric=model.metrics[metric].label(lang),
                     dimension=model.dimensions[field].label(lang), dimensions=listed(works, lang))
    return None


def _reason(detail: str, lang: str) -> str:
    """A compiler message is English: said in the question's own words where it is another language."""
    return detail if lang == "en" else t("nlq.reason_other", lang)


def _metric_list(model: SemanticModel, lang: str) -> str:
    return listed([m.label(lang) for m in list(model.metrics.values())[:8]], lang)


def _example(model: SemanticModel, lang: str) -> str:
    metric = next(iter(model.metrics.values()))
    dims = [d for d in model.dimensions.values() if d.type == "string"]
    dim = dims[0].label(lang) if dims else ""
    return t("nlq.example", lang, metric=metric.label(lang), dimension=dim)
