"""The one line above an answer's table: its total when the rows add up to one, the top item of a ranking.

A total is only stated when it is the sum a reader would get by adding the rows: sums and counts always,
distinct counts only when no row counts the same item twice (orders by channel, not buyers by channel),
ratios never (the ROAS of all campaigns is not the sum of theirs). The total itself comes from the semantic
layer, from the same grand-total query Explore's table runs (`viz.tables.totals_queries`); a single number
states itself and gets no headline.

>>> from semantic.model import load_model
>>> from workspace.home import DEMO_MODEL
>>> import polars as pl
>>> model = load_model(DEMO_MODEL)
>>> q = SemanticQuery(metrics=("revenue",), dimensions=("channel",))
>>> frame = pl.DataFrame({"channel": ["Tmall", "JD"], "revenue": [4_000_000.0, 3_183_338.0]})
>>> headline(q, frame, pl.DataFrame({"revenue": [7_183_338.0]}), model, "zh")
'销售额合计 ¥718.33万'
"""

from __future__ import annotations

import polars as pl

from semantic.model import SemanticModel
from semantic.query import OrderBy, SemanticQuery
from viz.chart_spec import ChartSpec
from viz.format import format_change
from viz.i18n import t
from viz.labels import cell_text, column_label, key_columns
from viz.tables import totals_queries

SUMS = ("sum", "count")
SEPARATOR = " · "


def total_query(query: SemanticQuery | None, frame: pl.DataFrame, model: SemanticModel) -> SemanticQuery | None:
    """The query whose one row is the answer's total, or None when the answer gets no total (a single number,
    a top N, which is not the whole, or only ratios)."""
    if query is None or not _breakdown(query, frame) or query.limit:
        return None
    if not any(_aggregation(m, model) for m in query.metrics):
        return None
    return totals_queries(ChartSpec("table"), query)["grand"]


def headline(query: SemanticQuery | None, frame: pl.DataFrame, totals: pl.DataFrame | None, model: SemanticModel,
             lang: str) -> str:
    """'Highest: Tmall (Revenue ¥243.18万) · Total Revenue: ¥718.33万', or '' when there is nothing to add."""
    if query is None or not _breakdown(query, frame):
        return ""
    parts = [_top(query, frame, model, lang)] if ranked_by(query) else []
    if totals is not None and totals.height == 1:
        parts += [t("ask.headline_total", lang, metric=column_label(m, model, lang),
                    value=_total_text(m, query, totals, model, lang))
                  for m in query.metrics if _adds_up(m, frame, totals, model)]
    return SEPARATOR.join(parts)


def _total_text(metric: str, query: SemanticQuery, totals: pl.DataFrame, model: SemanticModel, lang: str) -> str:
    """¥718.33万, or with a comparison ¥4,251.22万（同比去年同期 +17.0%）."""
    value = cell_text(totals[metric][0], metric, model, lang)
    change = f"{metric}__change_pct"
    if not query.compare or change not in totals.columns or totals[change][0] is None:
        return value
    return t("ask.headline_change", lang, value=value, change=format_change(totals[change][0], lang),
             compare=t(f"describe.compare_{query.compare}", lang))


def ranked_by(query: SemanticQuery) -> OrderBy | None:
    """The metric a query ranks by: its first sort when that is a metric, or the first metric of a top N."""
    keys = key_columns(query)
    if query.order_by:
        return query.order_by[0] if query.order_by[0].field not in keys else None
    return OrderBy(query.metrics[0], desc=True) if query.limit and query.metrics else None


def _breakdown(query: SemanticQuery, frame: pl.DataFrame) -> bool:
    return bool(query.metrics) and bool(key_columns(query)) and frame.height > 1


def _aggregation(metric: str, model: SemanticModel) -> str | None:
    """sum, count or count_distinct for a metric that is one plain aggregation; None for ratios and formulas."""
    found = model.metrics.get(metric)
    if found is None or found.measure is None:
        return None
    agg = model.measures[found.measure].agg
    return agg if agg in (*SUMS, "count_distinct") else None


def _adds_up(metric: str, frame: pl.DataFrame, totals: pl.DataFrame, model: SemanticModel) -> bool:
    agg = _aggregation(metric, model)
    if agg is None or metric not in totals.columns or totals[metric][0] is None:
        return False
    if agg in SUMS:
        return True
    return frame[metric].sum() == totals[metric][0]  # a distinct count adds up only when no row shares an item


def _top(query: SemanticQuery, frame: pl.DataFrame, model: SemanticModel, lang: str) -> str:
    order = ranked_by(query)
    assert order is not None
    row = frame.row(0, named=True)
    name = t("describe.list_separator", lang).join(cell_text(row[k], k, model, lang, query.time_grain)
                                                    for k in key_columns(query))
    return t("ask.headline_highest" if order.desc else "ask.headline_lowest", lang, name=name,
             metric=column_label(order.field, model, lang), value=cell_text(row[order.field], order.field, model,
                                                                            lang))
