"""A semantic query restated in words, so a user can check what was understood before trusting a number.

>>> from semantic.model import load_model
>>> from workspace.home import DEMO_MODEL
>>> q = SemanticQuery(metrics=("revenue",), dimensions=("channel",), time_grain="month",
...                   filters=(Filter("region", "=", "East"),), limit=5)
>>> describe(q, load_model(DEMO_MODEL), "en")
'Revenue by Channel, by month · Region = East · top 5'
"""

from __future__ import annotations

from semantic.model import SemanticModel
from semantic.query import Filter, SemanticQuery
from viz.format import format_date
from viz.i18n import t


def describe(query: SemanticQuery, model: SemanticModel, lang: str = "en") -> str:
    """Metrics by dimensions · filters · period · comparison · ranking, in the user's language."""
    parts = [_measures_and_splits(query, model, lang)]
    parts.extend(describe_filter(f, model, lang) for f in query.filters)
    if query.time_range is not None:
        parts.append(t("describe.period", lang, start=format_date(query.time_range.start, lang),
                       end=format_date(query.time_range.end, lang)))
    if query.compare:
        parts.append(t(f"describe.compare_{query.compare}", lang))
    if query.limit:
        lowest = bool(query.order_by) and not query.order_by[0].desc
        parts.append(t("describe.bottom" if lowest else "describe.top", lang, n=query.limit))
    return " · ".join(parts)


def describe_filter(item: Filter, model: SemanticModel, lang: str) -> str:
    """'Region = East', '渠道 属于 天猫、抖音': values by their label in the model, in the user's language."""
    name = _field_label(item.field, model, lang)
    values = item.value if isinstance(item.value, tuple) else (item.value,)
    dimension = model.dimensions.get(item.field)
    shown = t("describe.list_separator", lang).join(
        t("values.none", lang) if v is None else dimension.value_label(v, lang) if dimension is not None
        else str(v) for v in values)
    op = t(f"describe.op_{item.op.replace(' ', '_')}", lang) if item.op in ("in", "not in", "between") else item.op
    return f"{name} {op} {shown}"


def _measures_and_splits(query: SemanticQuery, model: SemanticModel, lang: str) -> str:
    separator = t("describe.list_separator", lang)
    metrics = separator.join(_field_label(m, model, lang) for m in query.metrics)
    splits = separator.join(_field_label(d, model, lang) for d in query.dimensions)
    grain = t(f"describe.grain_{query.time_grain}", lang) if query.time_grain else ""
    if splits and grain:
        return t("describe.by_and_grain", lang, metrics=metrics, splits=splits, grain=grain)
    if grain:
        return t("describe.by_grain", lang, metrics=metrics, grain=grain)
    return t("describe.by", lang, metrics=metrics, splits=splits) if splits else metrics


def _field_label(name: str, model: SemanticModel, lang: str) -> str:
    found = model.metrics.get(name) or model.dimensions.get(name)
    return found.label(lang) if found is not None else name
