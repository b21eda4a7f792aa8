"""The built-in question engine: a deterministic, offline parser over the model's vocabulary.

It reads English and Chinese marketing questions ("上个月各渠道的销售额", "top 5 cities by
revenue in Q2") into a SemanticQuery, and only ever outputs one: text that looks like an
instruction or SQL is refused, and a question it cannot read fully is answered with a
clarification rather than a guess. Every reading it had to choose is said in a note.

As of 2025-12-31, "上个月各渠道的销售额" reads as SemanticQuery(metrics=('revenue',),
dimensions=('channel',), time_range=TimeRange(2025-11-01, 2025-11-30)).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from errors import BeaconError
from semantic.compile import compile_query
from semantic.model import SemanticModel
from semantic.nlq.build import draft_query, finish
from semantic.nlq.dates import PeriodError
from semantic.nlq.draft import Draft, listed
from semantic.nlq.grammar import FOLLOW_UP, INJECTION, UNSUPPORTED
from semantic.nlq.learn import learned_terms
from semantic.nlq.lexicon import lexicon_for
from semantic.nlq.reading import read
from semantic.nlq.text import language, normalize
from semantic.nlq.types import AskContext, Interpretation
from semantic.query import OrderBy, SemanticQuery
from viz.i18n import t

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
            return self._ask(question, t("nlq.cannot_read", lang, reason=str(err)))

    def _interpret(self, question: str, context: AskContext, lang: str) -> Interpretation:
        model = context.model
        as_of = context.as_of or dt.date.today()
        learned = learned_terms(model, context.values, context.examples, as_of)
        reading = read(question, lexicon_for(model, context.values, learned), model, as_of)
        draft = draft_query(reading, model, as_of, lang)
        previous = context.previous.query if context.previous else None
        if previous is not None and draft.found_anything and (not draft.metrics or FOLLOW_UP.search(reading.text)):
            draft = _follow_up(draft, previous, reading.text, lang)
        draft = finish(draft, reading, model, lang)
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
            return self._ask(question, t("nlq.invalid", lang, reason=problem), draft.notes)
        alternatives = tuple(q for q in draft.alternatives() if not _check(q, model))
        return Interpretation(question, self.name, query=query, notes=tuple(draft.notes), alternatives=alternatives)

    def _ask(self, question: str, clarification: str, notes: list[str] | tuple[str, ...] = ()) -> Interpretation:
        return Interpretation(question, self.name, notes=tuple(notes), clarification=clarification)


def _follow_up(draft: Draft, previous: SemanticQuery, text: str, lang: str) -> Draft:
    """Refine the previous question: new parts replace old ones, the rest is kept ("only Tmall", 按月看)."""
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


def _metric_list(model: SemanticModel, lang: str) -> str:
    return listed([m.label(lang) for m in list(model.metrics.values())[:8]], lang)


def _example(model: SemanticModel, lang: str) -> str:
    metric = next(iter(model.metrics.values()))
    dims = [d for d in model.dimensions.values() if d.type == "string"]
    dim = dims[0].label(lang) if dims else ""
    return t("nlq.example", lang, metric=metric.label(lang), dimension=dim)
