"""Dashboard filters applied to each tile's query, where the tile's metrics can take them.

A filter on a dimension applies to a tile when every table the tile's metrics
are measured on reaches that dimension through the model's joins (ad spend
cannot be split by the customer's region, so a region filter passes over an
ad-spend tile and the tile says so). A filter on `PERIOD` (op `between`, two
dates) replaces the tile's own period. A dashboard filter on a field the tile
already filters replaces the tile's own condition.

>>> from semantic.model import load_model
>>> from workspace.home import DEMO_MODEL
>>> model = load_model(DEMO_MODEL)
>>> applied = apply_filters(SemanticQuery(metrics=("spend",)), (Filter("region", "=", "East"),), model)
>>> applied.query.filters, [f.field for f in applied.ignored]
((), ['region'])
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from semantic.model import SemanticModel
from semantic.plan import reachable_dimensions
from semantic.query import Filter, SemanticQuery, TimeRange, parse_date
from viz.i18n import t
from viz.labels import column_label

PERIOD = "@period"


@dataclass(frozen=True)
class Applied:
    """The tile's query with the filters it could take, and those it could not."""

    query: SemanticQuery
    ignored: tuple[Filter, ...] = ()

    def notes(self, model: SemanticModel, lang: str) -> list[str]:
        """Why each ignored filter does not apply, in words."""
        metrics = t("describe.list_separator", lang).join(model.metrics[m].label(lang) for m in self.query.metrics
                                                           if m in model.metrics)
        return [t("dashboards.filter_not_applicable", lang, metrics=metrics,
                  dimension=column_label(f.field, model, lang) if f.field != PERIOD
                  else t("dashboards.period", lang)) for f in self.ignored]


def period_filter(window: TimeRange) -> Filter:
    """The dashboard filter that sets every tile's period."""
    return Filter(PERIOD, "between", (window.start.isoformat(), window.end.isoformat()))


def tile_facts(query: SemanticQuery, model: SemanticModel) -> list[str]:
    """The tables the query's metrics are measured on (or its first dimension's table, for a list of values)."""
    facts = {m.table for name in query.metrics if name in model.metrics for m in model.measures_of(name)}
    if not facts and query.dimensions and query.dimensions[0] in model.dimensions:
        facts = {next(iter(model.dimensions[query.dimensions[0]].exprs))}
    return sorted(facts)


def accepts(query: SemanticQuery, item: Filter, model: SemanticModel) -> bool:
    """Whether the tile can take this filter."""
    facts = tile_facts(query, model)
    if item.field == PERIOD:
        return bool(facts) and all(model.tables[f].time for f in facts)
    return item.field in model.dimensions and all(item.field in reachable_dimensions(model, f) for f in facts)


def apply_filters(query: SemanticQuery, filters: tuple[Filter, ...], model: SemanticModel) -> Applied:
    """The tile's query narrowed by every dashboard filter it can take."""
    taken = [f for f in filters if accepts(query, f, model)]
    ignored = tuple(f for f in filters if f not in taken)
    fields = {f.field for f in taken}
    kept = tuple(f for f in query.filters if f.field not in fields)
    window = query.time_range
    for item in taken:
        if item.field == PERIOD:
            start, end = item.value if isinstance(item.value, tuple) else (item.value, item.value)
            window = TimeRange(parse_date(start), parse_date(end))  # type: ignore[arg-type]
    dims = tuple(f for f in taken if f.field != PERIOD)
    return Applied(replace(query, filters=(*kept, *dims), time_range=window), ignored)
