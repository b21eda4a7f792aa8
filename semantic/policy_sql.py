"""Raw SQL under a data policy: every read of a model table goes through the policy, or nothing runs.

The guard has already accepted the SQL (one read-only SELECT over model tables). For a
restricted user, each reference of a model table — in FROM or JOIN, in a subquery, a CTE
body or either side of a UNION, quoted or aliased — is replaced by a subquery that reads
the table with the policy's row filters in its own WHERE (joined many-to-one to the table
the filter's dimension lives on) and with hidden columns left out and masked ones masked.
The user's own WHERE sits outside that subquery, so `OR region = 'North'` cannot widen it.
A table the policy cannot be applied to is refused in words, never read unfiltered.

>>> from pathlib import Path
>>> from semantic.model import load_model
>>> from semantic.query import Filter
>>> model = load_model(Path("assets/demo_model.yaml"))
>>> print(govern_sql("SELECT COUNT(*) FROM customers", model, Policy("ana", (Filter("region", "=", "East"),))))
SELECT COUNT(*) FROM (SELECT "customers".* FROM customers AS "customers" WHERE customers.region = 'East') AS customers
"""

from __future__ import annotations

import string
from dataclasses import replace

import sqlglot
from sqlglot import exp

from errors import PermissionDeniedError
from semantic.compile import CompiledSQL
from semantic.expressions import condition, masked, parse_expr, qualified
from semantic.model import Join, SemanticModel
from semantic.plan import join_path
from semantic.query import Filter, Policy
from viz.i18n import keyed_error

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
# Table arguments carried over to the governed subquery; any other (AS OF, hints...) is refused.
_CARRIED = ("alias", "pivots", "sample")
_NAME_PARTS = ("this", "db", "catalog")


def govern_sql(sql: str, model: SemanticModel, policy: Policy, dialect: str = "duckdb") -> str:
    """Return `sql` with every model table read through `policy`; unrestricted policies change nothing."""
    if not policy.restricted:
        return sql
    tree = sqlglot.parse_one(sql, read=dialect)
    names = _model_tables(model, dialect)
    _refuse_shadowing(tree, names)
    for ref in list(tree.find_all(exp.Table)):
        table = names.get(_key(ref))
        if table is not None:
            ref.replace(_governed(ref, table, model, policy, dialect))
    return tree.sql(dialect=dialect)


def govern_compiled(compiled: CompiledSQL, model: SemanticModel, policy: Policy) -> CompiledSQL:
    """The same for SQL that core code built with sqlglot (ML features, campaign paths): run it governed.

    The policy adds literals, never placeholders, so bound parameters keep their places.
    """
    if not policy.restricted:
        return compiled
    return replace(compiled, sql=govern_sql(compiled.sql, model, policy, compiled.dialect))


def _key(table: exp.Table) -> tuple[str, ...]:
    """Lower-case name parts, DuckDB's default schema `main` dropped, as the guard compares them."""
    parts = [p.name.translate(_ASCII_LOWER) for p in table.parts]
    return tuple(parts[1:] if len(parts) == 2 and parts[0] == "main" else parts)


def _model_tables(model: SemanticModel, dialect: str) -> dict[tuple[str, ...], str]:
    return {_key(exp.to_table(t.sql_table, dialect=dialect)): name for name, t in model.tables.items()}


def _refuse_shadowing(tree: exp.Expression, names: dict[tuple[str, ...], str]) -> None:
    """A CTE named like a model table would stand in for it inside the governed subqueries."""
    for cte in tree.find_all(exp.CTE):
        if (cte.alias_or_name.translate(_ASCII_LOWER),) in names:
            raise keyed_error(PermissionDeniedError, "errors.policy.cte_shadows", table=cte.alias_or_name)


def _governed(ref: exp.Table, table: str, model: SemanticModel, policy: Policy, dialect: str) -> exp.Subquery:
    """`(SELECT t.* FROM t [JOIN ...] WHERE <row filters>) AS <the reference's alias or name>`."""
    extra = [key for key, value in ref.args.items() if value and key not in (*_CARRIED, *_NAME_PARTS)]
    if extra:
        raise keyed_error(PermissionDeniedError, "errors.policy.table_clause", table=ref.sql(dialect),
                          clauses=", ".join(extra))
    select = exp.select(_projection(table, model, policy, dialect)).from_(_source(model, table))
    conditions, joins = _row_filters(table, model, policy.row_filters)
    for join in joins:
        on = exp.and_(*(exp.column(a, join.left).eq(exp.column(b, join.right)) for a, b in join.on))
        select = select.join(_source(model, join.right), on=on, join_type="left")
    if conditions:
        select = select.where(exp.and_(*conditions))
    alias = ref.args.get("alias") or exp.TableAlias(this=ref.this.copy())
    carried = {key: ref.args[key] for key in ("pivots", "sample") if ref.args.get(key)}
    return exp.Subquery(this=select, alias=alias, **carried)


def _source(model: SemanticModel, table: str) -> exp.Table:
    return exp.to_table(model.tables[table].sql_table).as_(table, quoted=True)


def _row_filters(table: str, model: SemanticModel,
                 filters: tuple[Filter, ...]) -> tuple[list[exp.Expression], list[Join]]:
    """Each filter as a condition on the nearest source of its dimension, and the joins that reach it."""
    conditions: list[exp.Expression] = []
    joins: dict[tuple[str, str], Join] = {}
    for flt in filters:
        dim = model.dimensions.get(flt.field)
        paths = [(path, source, expr) for source, expr in (dim.exprs.items() if dim else ())
                 if (path := join_path(model, table, source)) is not None]
        if dim is None or not paths:
            raise keyed_error(PermissionDeniedError, "errors.policy.sql_not_linked", field=flt.field, table=table)
        path, source, expr = min(paths, key=lambda p: len(p[0]))
        joins.update({(j.left, j.right): j for j in path})
        conditions.append(condition(flt, dim, qualified(expr, source)))
    return conditions, list(joins.values())


def _projection(table: str, model: SemanticModel, policy: Policy, dialect: str) -> exp.Expression:
    """`t.*`, without the columns behind hidden dimensions and with masked columns masked."""
    excluded: dict[str, exp.Column] = {}
    replaced: dict[str, exp.Expression] = {}
    for name in dict.fromkeys((*policy.hidden, *policy.masked)):
        dim = model.dimensions.get(name)
        text = dim.exprs.get(table) if dim else None
        if text is None:
            continue
        tree = parse_expr(text)
        if name in policy.masked and name not in policy.hidden and isinstance(tree, exp.Column):
            replaced[tree.name] = exp.alias_(masked(exp.column(tree.name, table, quoted=True)), tree.name)
            continue
        excluded.update({c.name: exp.column(c.name) for c in tree.find_all(exp.Column)})
    star = exp.Star(except_=list(excluded.values()) or None,
                    replace=[r for key, r in replaced.items() if key not in excluded] or None)
    if (excluded or replaced) and dialect != "duckdb":
        raise keyed_error(PermissionDeniedError, "errors.policy.sql_dialect", dialect=dialect)
    return exp.Column(this=star, table=exp.to_identifier(table, quoted=True))
