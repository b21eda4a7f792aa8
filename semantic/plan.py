"""Resolve a SemanticQuery against the model: which facts, which joins, which expressions.

Each metric is aggregated on the table its measures live on (its fact); every
dimension and filter must be reachable from each fact by many-to-one joins,
which is what keeps a query free of fan-out. Anything that cannot be resolved
is refused here with the names a user could have meant.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from errors import QueryError, UnknownNameError
from semantic.model import Dimension, Join, Measure, SemanticModel
from semantic.query import Filter, Policy, SemanticQuery
from viz.i18n import keyed_error


@dataclass(frozen=True)
class Source:
    """Where a dimension's value comes from for one fact: the table (alias) and the SQL."""

    table: str
    expr: str


@dataclass(frozen=True)
class FactPlan:
    """One aggregation: a fact table, its measures, the joins it needs and its dimension sources."""

    table: str
    measures: tuple[Measure, ...]
    joins: tuple[Join, ...]
    sources: dict[str, Source]
    time_column: str | None


@dataclass(frozen=True)
class Plan:
    query: SemanticQuery
    model: SemanticModel
    facts: tuple[FactPlan, ...]
    filters: tuple[Filter, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """Output key columns: the time grain (named after it) then the dimensions."""
        grain = (self.query.time_grain,) if self.query.time_grain else ()
        return (*grain, *self.query.dimensions)


def make_plan(query: SemanticQuery, model: SemanticModel, policy: Policy) -> Plan:
    for name in query.metrics:
        if name not in model.metrics:
            raise UnknownNameError("metric", name, model.metrics)
    filters = (*query.filters, *policy.row_filters)
    for name in (*query.dimensions, *(f.field for f in filters)):
        _dimension(model, name)
    facts = tuple(_fact_plan(model, query, table, measures, filters)
                  for table, measures in _measures_by_fact(model, query).items())
    return Plan(query, model, facts, filters)


def _dimension(model: SemanticModel, name: str) -> Dimension:
    if name in model.dimensions:
        return model.dimensions[name]
    if name in model.metrics:
        raise keyed_error(QueryError, "errors.query.metric_as_dimension", name=name,
                          dimensions=", ".join(list(model.dimensions)[:6]))
    raise UnknownNameError("dimension", name, model.dimensions)


def _measures_by_fact(model: SemanticModel, query: SemanticQuery) -> dict[str, tuple[Measure, ...]]:
    """Group the needed measures by their table, in first-use order.

    A query with dimensions only reads the first dimension's first table.
    """
    grouped: dict[str, dict[str, Measure]] = {}
    for metric in query.metrics:
        for measure in model.measures_of(metric):
            grouped.setdefault(measure.table, {})[measure.name] = measure
    if not grouped:
        grouped[next(iter(model.dimensions[query.dimensions[0]].exprs))] = {}
    return {table: tuple(ms.values()) for table, ms in grouped.items()}


def _fact_plan(model: SemanticModel, query: SemanticQuery, table: str,
               measures: tuple[Measure, ...], filters: tuple[Filter, ...]) -> FactPlan:
    sources: dict[str, Source] = {}
    joins: dict[tuple[str, str], Join] = {}
    for name in dict.fromkeys((*query.dimensions, *(f.field for f in filters))):
        source, path = _reach(model, model.dimensions[name], table, query)
        sources[name] = source
        joins.update({(j.left, j.right): j for j in path})
    time_column = model.tables[table].time
    if (query.time_grain or query.time_range) and not time_column:
        raise keyed_error(QueryError, "errors.query.no_time_column", **_what(model, query, table))
    return FactPlan(table, measures, tuple(joins.values()), sources, time_column)


def _reach(model: SemanticModel, dim: Dimension, fact: str,
           query: SemanticQuery) -> tuple[Source, tuple[Join, ...]]:
    """The dimension's source nearest to the fact, and the joins that lead there."""
    best: tuple[Source, tuple[Join, ...]] | None = None
    for table, expr in dim.exprs.items():
        path = join_path(model, fact, table)
        if path is not None and (best is None or len(path) < len(best[1])):
            best = (Source(table, expr), path)
    if best is None:
        raise keyed_error(QueryError, "errors.query.unreachable", dimension=dim.name,
                          usable=", ".join(reachable_dimensions(model, fact)), **_what(model, query, fact))
    return best


def join_path(model: SemanticModel, start: str, target: str) -> tuple[Join, ...] | None:
    """Shortest chain of many-to-one joins from `start` to `target` (ties: declaration order)."""
    queue: deque[tuple[str, tuple[Join, ...]]] = deque([(start, ())])
    seen = {start}
    while queue:
        table, path = queue.popleft()
        if table == target:
            return path
        for join in model.joins:
            if join.left == table and join.right not in seen:
                seen.add(join.right)
                queue.append((join.right, (*path, join)))
    return None


def reachable_dimensions(model: SemanticModel, fact: str) -> list[str]:
    """Dimensions that can split or filter measures of `fact`."""
    return [name for name, dim in model.dimensions.items()
            if any(join_path(model, fact, table) is not None for table in dim.exprs)]


def _what(model: SemanticModel, query: SemanticQuery, table: str) -> dict[str, object]:
    """The message values naming the metrics of the query that live on `table` (or the table): `{what}`."""
    metrics = tuple(m for m in query.metrics if any(x.table == table for x in model.measures_of(m)))
    kind = "metrics" if metrics else "table"
    return {"what_key": f"errors.what.{kind}", "metrics": metrics, "table": table}
