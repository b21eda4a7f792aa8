"""SemanticQuery (+ policy) → one SQL statement, built as a sqlglot tree, for any dialect.

The shape is always the same, so the SQL a user sees is predictable:

1. one CTE per fact table: the fact's measures aggregated by the query's keys
   (time grain, then dimensions), over the fact left-joined many-to-one to the
   tables its dimensions and filters live on;
2. with several facts, a CTE of all key combinations, left-joined to each fact
   CTE, so no fact multiplies another's rows;
3. metrics computed from the aggregated parts (ratios from sums, never averaged);
4. optionally, the same for the comparison period, joined on the keys.

>>> from pathlib import Path
>>> from semantic.model import load_model
>>> model = load_model(Path("assets/demo_model.yaml"))
>>> compiled = compile_query(SemanticQuery(metrics=("revenue",), dimensions=("channel",)), model)
>>> compiled.columns
('channel', 'revenue')
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from errors import PermissionDeniedError, UnknownNameError
from semantic.expressions import (
    aggregate,
    condition,
    masked,
    null_safe_equal,
    parse_expr,
    qualified,
    safe_ratio,
    time_key,
    time_window,
)
from semantic.model import SemanticModel
from semantic.periods import Shift, comparison_window
from semantic.plan import FactPlan, Plan, join_path, make_plan
from semantic.policy_columns import dimension_refusal, metric_refusal
from semantic.query import OrderBy, Policy, SemanticQuery, TimeRange
from viz.i18n import keyed_error

CHANGE_SUFFIXES = ("__previous", "__change", "__change_pct")


@dataclass(frozen=True)
class CompiledSQL:
    """The SQL for one query, the names of its output columns in order, and its dialect."""

    sql: str
    columns: tuple[str, ...]
    dialect: str
    params: tuple[object, ...] = ()


def compile_query(query: SemanticQuery, model: SemanticModel, policy: Policy | None = None,
                  dialect: str = "duckdb") -> CompiledSQL:
    """Compile `query` against `model` under `policy` into SQL for `dialect`.

    The policy's row filters are ANDed to every fact; its masked dimensions are shown (and filtered)
    masked; its hidden dimensions, and facts its row filters cannot reach, are refused.
    """
    policy = policy or Policy()
    check_policy(query, model, policy)
    plan = make_plan(query, model, policy)
    masks = frozenset(policy.masked)
    if query.compare and query.time_range:
        ctes, body, columns = _comparison(plan, query.time_range, query.compare, masks)
    else:
        ctes, body = _statement(plan, query.time_range, None, "", masks)
        columns = (*plan.keys, *query.metrics)
    body = _order_and_limit(_ranked_only(body, plan, columns), plan, columns)
    for name, cte in ctes:
        body = body.with_(name, as_=cte)
    return CompiledSQL(body.sql(dialect=dialect, pretty=True, identify=True), columns, dialect)


Ctes = list[tuple[str, exp.Select]]


def check_policy(query: SemanticQuery, model: SemanticModel, policy: Policy) -> None:
    """Refuse, in words, a query that reads a column the policy hides or masks (through any dimension or
    measure, see semantic/policy_columns.py) or a fact the row filters cannot reach."""
    if not policy.restricted:
        return
    named = (*query.dimensions, *(f.field for f in query.filters), *(o.field for o in query.order_by))
    refusals = [dimension_refusal(name, model, policy) for name in dict.fromkeys(named)
                if name in policy.hidden or name in model.dimensions]
    refusals += [metric_refusal(metric, model, policy) for metric in query.metrics
                 if metric in model.metrics or metric in model.measures]
    for refusal in refusals:
        if refusal:
            raise refusal
    facts = _facts_named(query, model)
    for flt in policy.row_filters:
        dim = model.dimensions.get(flt.field)
        if dim is None:
            raise keyed_error(PermissionDeniedError, "errors.policy.field_not_in_model", field=flt.field,
                              model=model.name)
        for table, (kind, name) in facts.items():
            if not any(join_path(model, table, t) is not None for t in dim.exprs):
                raise keyed_error(PermissionDeniedError, "errors.policy.fact_not_linked", field=flt.field,
                                  what_key=f"errors.what.{kind}", name=name, table=table)


def _facts_named(query: SemanticQuery, model: SemanticModel) -> dict[str, tuple[str, str]]:
    """The tables the query aggregates (as the planner picks them), each with how to name it in a message:
    ('metric' or 'dimension', its name)."""
    facts = {m.table: ("metric", metric) for metric in query.metrics if metric in model.metrics
             for m in model.measures_of(metric)}
    if not query.metrics and query.dimensions and query.dimensions[0] in model.dimensions:
        first = query.dimensions[0]
        facts[next(iter(model.dimensions[first].exprs))] = ("dimension", first)
    return facts


def _statement(plan: Plan, window: TimeRange | None, shift: Shift | None,
               prefix: str, masks: frozenset[str]) -> tuple[Ctes, exp.Select]:
    """The CTEs and the final SELECT of one period's result (`masks`: the masked dimensions)."""
    ctes: Ctes = [(_cte_name(plan.model, f"{prefix}{f.table}_facts"), _fact_select(plan, f, window, shift, masks))
                  for f in plan.facts]
    names = [name for name, _ in ctes]
    if len(names) == 1 or not plan.keys:
        body = exp.select().from_(names[0])
        for name in names[1:]:
            body = body.join(name, join_type="cross")
        key_owner = names[0]
    else:
        key_owner = _cte_name(plan.model, f"{prefix}keys")
        ctes.append((key_owner, _all_keys(plan, names)))
        body = exp.select().from_(key_owner)
        for name in names:
            body = body.join(name, on=_keys_equal(plan.keys, key_owner, name), join_type="left")
    fact_of = {m.name: name for f, name in zip(plan.facts, names, strict=True) for m in f.measures}
    body = body.select(*(exp.alias_(exp.column(k, key_owner), k) for k in plan.keys))
    ref = lambda measure: exp.column(measure, fact_of[measure])  # noqa: E731
    return ctes, body.select(*(exp.alias_(metric_expr(plan.model, m, ref), m) for m in plan.query.metrics))


def _cte_name(model: SemanticModel, name: str) -> str:
    """A CTE name that hides no table of the model (a CTE would shadow a table of the same name)."""
    taken = {t.sql_table.lower() for t in model.tables.values()} | set(model.tables)
    while name.lower() in taken:
        name = f"_{name}"
    return name


def _fact_select(plan: Plan, fact: FactPlan, window: TimeRange | None, shift: Shift | None,
                 masks: frozenset[str]) -> exp.Select:
    keys = _key_exprs(plan, fact, shift, masks)
    key = plan.model.tables[fact.table].primary_key
    select = exp.select(*(exp.alias_(e, k) for k, e in keys.items()),
                        *(exp.alias_(aggregate(m, fact.table, key), m.name) for m in fact.measures))
    select = select.from_(_table(plan.model, fact.table))
    for join in fact.joins:
        on = exp.and_(*(exp.column(a, join.left).eq(exp.column(b, join.right)) for a, b in join.on))
        select = select.join(_table(plan.model, join.right), on=on, join_type="left")
    # The query's own filters come first in plan.filters: on a masked dimension they see only the masked value.
    own = len(plan.query.filters)
    conditions = [condition(f, plan.model.dimensions[f.field],
                            _source_expr(fact, f.field, masks if i < own else frozenset()))
                  for i, f in enumerate(plan.filters)]
    if window and fact.time_column:
        conditions.insert(0, time_window(exp.column(fact.time_column, fact.table), window))
    if conditions:
        select = select.where(exp.and_(*conditions))
    return select.group_by(*keys.values()) if keys else select


def _key_exprs(plan: Plan, fact: FactPlan, shift: Shift | None, masks: frozenset[str]) -> dict[str, exp.Expression]:
    keys: dict[str, exp.Expression] = {}
    if plan.query.time_grain and fact.time_column:
        column = exp.column(fact.time_column, fact.table)
        keys[plan.query.time_grain] = time_key(column, plan.query.time_grain, shift)
    for name in plan.query.dimensions:
        keys[name] = _source_expr(fact, name, masks)
    return keys


def _source_expr(fact: FactPlan, dimension: str, masks: frozenset[str] = frozenset()) -> exp.Expression:
    source = fact.sources[dimension]
    value = qualified(source.expr, source.table)
    return masked(value) if dimension in masks else value


def _table(model: SemanticModel, name: str) -> exp.Table:
    table = exp.to_table(model.tables[name].sql_table)
    return table.as_(name) if table.name != name or table.db else table


def _all_keys(plan: Plan, names: list[str]) -> exp.Select:
    selects = [exp.select(*(exp.column(k, n) for k in plan.keys)).from_(n) for n in names]
    union = selects[0]
    for other in selects[1:]:
        union = exp.union(union, other, distinct=True)
    return exp.select(*plan.keys).from_(union.subquery("all_keys"))


def _keys_equal(keys: tuple[str, ...], left: str, right: str) -> exp.Expression:
    return exp.and_(*(null_safe_equal(exp.column(k, left), exp.column(k, right)) for k in keys))


def metric_expr(model: SemanticModel, name: str, ref: Callable[[str], exp.Expression]) -> exp.Expression:
    """A metric as an expression over aggregated measure columns (`ref` names each column).

    Sums and counts that found no rows are 0; divisions by zero are NULL.
    """
    if name in model.measures:
        column = ref(name)
        return exp.func("COALESCE", column, exp.Literal.number(0)) if model.measures[name].additive else column
    metric = model.metrics[name]
    if metric.measure:
        return metric_expr(model, metric.measure, ref)
    tree = parse_expr(metric.expr or "").transform(
        lambda n: safe_ratio(n.this, n.expression) if isinstance(n, exp.Div) else n)
    if isinstance(tree, exp.Column):
        return metric_expr(model, tree.name, ref)
    for column in list(tree.find_all(exp.Column)):
        column.replace(exp.paren(metric_expr(model, column.name, ref)))
    return tree


def _comparison(plan: Plan, window: TimeRange, compare: str,
                masks: frozenset[str]) -> tuple[Ctes, exp.Select, tuple[str, ...]]:
    """Current and comparison period side by side, with the change and the change in percent."""
    previous, shift = comparison_window(window, compare)
    cur_ctes, cur_body = _statement(plan, window, None, "", masks)
    prev_ctes, prev_body = _statement(plan, previous, shift, "previous_", masks)
    cur, prev = _cte_name(plan.model, "current_period"), _cte_name(plan.model, "previous_period")
    ctes = [*cur_ctes, (cur, cur_body), *prev_ctes, (prev, prev_body)]
    body = exp.select(*(exp.alias_(exp.column(k, cur), k) for k in plan.keys)).from_(cur)
    on = _keys_equal(plan.keys, cur, prev) if plan.keys else exp.true()
    body = body.join(prev, on=on, join_type="left")
    columns: list[str] = list(plan.keys)
    for metric in plan.query.metrics:
        now, before = exp.column(metric, cur), exp.column(metric, prev)
        change = exp.Sub(this=now.copy(), expression=before.copy())
        parts = {metric: now, f"{metric}__previous": before, f"{metric}__change": change,
                 f"{metric}__change_pct": safe_ratio(change.copy(), exp.Abs(this=before.copy()))}
        body = body.select(*(exp.alias_(e, n) for n, e in parts.items()))
        columns.extend(parts)
    return ctes, body, tuple(columns)


def _ranked_only(body: exp.Select, plan: Plan, columns: tuple[str, ...]) -> exp.Select:
    """A ranking leaves out the groups it cannot place.

    A top N keeps only groups whose ranked metric has a value: "the 5 best campaigns by ROAS" gives no place
    to orders without a campaign, whose ROAS (no spend) is undefined. A table that is only sorted by a metric
    drops a group only when every metric it shows is undefined (a row of dashes says nothing), so a group with
    revenue but no ROAS (Offline Store) stays and the rows still add up to the total beside them.
    """
    query = plan.query
    order = list(query.order_by) or (_default_order(plan) if query.limit else [])
    ranked = [o.field for o in order if o.field in columns and o.field not in plan.keys]
    if not ranked:
        return body
    values = {e.alias_or_name: e.this for e in body.expressions if isinstance(e, exp.Alias)}
    shown = ranked if query.limit else [m for m in query.metrics if m in values]
    # A sum or count is never NULL (COALESCE(..., 0)); only ratios and other metrics can be.
    nullable = [values[f] for f in shown if f in values and not isinstance(values[f], exp.Coalesce)]
    if not query.limit and len(nullable) < len(shown):
        return body  # a metric that always has a value: no row is all dashes
    defined = [exp.Not(this=exp.Is(this=_grouped(v.copy()), expression=exp.Null())) for v in nullable]
    if not defined:
        return body
    return body.where(exp.and_(*defined) if query.limit else exp.or_(*defined))


def _grouped(value: exp.Expression) -> exp.Expression:
    return value if isinstance(value, exp.Column | exp.Paren) else exp.paren(value)


def _order_and_limit(body: exp.Select, plan: Plan, columns: tuple[str, ...]) -> exp.Select:
    query = plan.query
    order = list(query.order_by) or _default_order(plan)
    for item in order:
        if item.field not in columns:
            raise UnknownNameError("column to sort by", item.field, columns)
    named = {o.field for o in order}
    order += [OrderBy(k) for k in plan.keys if k not in named]
    body = body.order_by(*(exp.Ordered(this=exp.column(o.field), desc=o.desc, nulls_first=False)
                           for o in order))
    return body.limit(query.limit) if query.limit else body


def _default_order(plan: Plan) -> list[OrderBy]:
    """Time runs forward; otherwise the biggest value of the first metric comes first."""
    if plan.query.time_grain or not plan.query.metrics:
        return []
    return [OrderBy(plan.query.metrics[0], desc=True)]
