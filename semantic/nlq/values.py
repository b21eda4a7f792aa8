"""Distinct values of each string dimension, read from the data so questions can name them.

"Revenue in Shanghai" only resolves if the parser knows that "Shanghai" is a city.
The values are read with one UNION ALL query (a capped DISTINCT per dimension and
table), built as a sqlglot tree and run through the engine, so the cost is one
round trip per model and data version; the Ask pipeline caches the result.

On the demo data, dimension_values(model, engine)["channel"] is
('Douyin', 'JD', 'Official Site', 'Offline Store', 'Tmall', 'WeChat Mini Program').
"""

from __future__ import annotations

from sqlglot import exp

from semantic.compile import CompiledSQL
from semantic.engine import Engine
from semantic.expressions import qualified
from semantic.model import SemanticModel
from semantic.plan import join_path
from semantic.policy_columns import readable
from semantic.policy_sql import govern_compiled
from semantic.query import Policy


def dimension_values(model: SemanticModel, engine: Engine, limit_per_dim: int = 500,
                     policy: Policy | None = None) -> dict[str, tuple[str, ...]]:
    """Dimension name → its distinct non-empty values (sorted), for every string dimension of the model.

    A dimension shared by several tables (channel on orders, ad spend and campaigns)
    gets the union of the values found on each table. Under a restricted `policy` the
    values are the user's own: read through the policy, never from a table its row
    filters cannot reach, and none of a masked or hidden dimension (the parser's
    vocabulary must not carry another region's values or a raw phone number).
    """
    policy = policy or Policy()
    parts = [_distinct(model, name, table, expr, limit_per_dim)
             for name, dim in model.dimensions.items() if dim.type == "string" and readable(name, model, policy)
             for table, expr in dim.exprs.items() if _reachable(model, table, policy)]
    if not parts:
        return {name: () for name, dim in model.dimensions.items() if dim.type == "string"}
    union: exp.Query = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    compiled = CompiledSQL(union.sql(engine.dialect, identify=True), ("dimension", "value"), engine.dialect)
    found: dict[str, set[str]] = {}
    for dimension, value in engine.run(govern_compiled(compiled, model, policy)).frame.iter_rows():
        if value is not None and str(value).strip():
            found.setdefault(dimension, set()).add(str(value))
    return {name: tuple(sorted(found.get(name, ()))) for name, dim in model.dimensions.items()
            if dim.type == "string"}


def _reachable(model: SemanticModel, table: str, policy: Policy) -> bool:
    """Whether every row filter of the policy can be applied to `table` (else its values are not read)."""
    return all(any(join_path(model, table, source) is not None
                   for source in (model.dimensions[f.field].exprs if f.field in model.dimensions else ()))
               for f in policy.row_filters)


def _distinct(model: SemanticModel, name: str, table: str, expr: str, limit: int) -> exp.Select:
    """SELECT 'name', value FROM (SELECT DISTINCT CAST(expr AS VARCHAR) ... LIMIT n): one branch of the union."""
    value = exp.cast(qualified(expr, table), "VARCHAR")
    source = exp.to_table(model.tables[table].sql_table).as_(table)
    inner = (exp.select(value.as_("value")).distinct().from_(source)
             .where(exp.Not(this=exp.Is(this=value.copy(), expression=exp.Null()))).limit(limit))
    return exp.select(exp.Literal.string(name).as_("dimension"), exp.column("value")).from_(inner.subquery("v"))
