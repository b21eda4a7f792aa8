"""What a reading cannot honestly answer, said as the question to ask back.

Each check returns the clarification text or None: a breakdown or name the model
does not know ("by weather", "in Paris", 巴黎), what a query cannot express yet
(conditions on a metric's value, averages per customer), and a filter a metric's own
definition rules out ("refunded orders" when orders count completed ones).
"""

from __future__ import annotations

import re

from semantic.model import SemanticModel
from semantic.nlq.draft import Draft, listed
from semantic.nlq.grammar import AVERAGE, METRIC_CONDITION, PER_ENTITY
from semantic.nlq.lexicon import STOPWORDS
from semantic.nlq.reading import Reading
from semantic.query import parse_where
from viz.i18n import t


def unknown_words(reading: Reading, model: SemanticModel, lang: str) -> str | None:
    """A breakdown or place the model does not know ("by weather", "in Paris"): ask instead of ignoring it."""
    if reading.unknown_names:
        return t("nlq.unknown_value", lang, word=reading.unknown_names[0])
    for m in re.finditer(r"\b(?:by|per)\s+([a-z][a-z'\-]+)", reading.text):
        index = next((i for i, tok in enumerate(reading.tokens) if tok.start == m.start(1)), None)
        if index is not None and index not in reading.used and m.group(1) not in STOPWORDS:
            names = listed([d.label(lang) for d in list(model.dimensions.values())[:10]], lang)
            return t("nlq.unknown_dimension", lang, word=m.group(1), dimensions=names)
    return None


def unsupported(draft: Draft, reading: Reading, model: SemanticModel, lang: str) -> str | None:
    """What a query cannot say yet: conditions on a metric's value, averages per customer or per day."""
    metric = model.metrics[draft.metrics[0]].label(lang) if draft.metrics else ""
    condition = METRIC_CONDITION.search(reading.rest)
    if condition and draft.metrics:
        return t("nlq.no_metric_filter", lang, text=condition.group().strip(), metric=metric)
    plain = [m for m in draft.metrics if not model.metrics[m].expr]
    if PER_ENTITY.search(reading.text) or (AVERAGE.search(reading.rest) and plain):
        ratios = [m.label(lang) for m in model.metrics.values() if m.expr][:5]
        return t("nlq.no_average", lang, metrics=listed(ratios, lang))
    return None


def conflict(draft: Draft, model: SemanticModel, lang: str) -> str | None:
    """A filter a metric's own definition rules out (orders count completed orders; 'refunded orders' is 0)."""
    for metric in draft.metrics:
        for measure in model.measures_of(metric):
            fixed = {f.field: f.value for f in parse_where(measure.filter) if f.op == "="} if measure.filter else {}
            for flt in draft.filters:
                wanted = flt.value if isinstance(flt.value, tuple) else (flt.value,)
                if flt.field in fixed and flt.op in ("=", "in") and fixed[flt.field] not in wanted:
                    return t("nlq.conflict", lang, metric=model.metrics[metric].label(lang),
                             condition=model.definition(metric), filter=f"{flt.field} = {', '.join(map(str, wanted))}")
    return None
