"""The path of a number, in one place: query → compile → run, or raw SQL → guard → run.

Pages and the CLI call these instead of assembling the steps themselves.
"""

from __future__ import annotations

import datetime as dt

from sqlglot import exp

from errors import WarehouseError
from semantic.compile import CompiledSQL, compile_query
from semantic.engine import DuckDBEngine, Engine, QueryResult
from semantic.guard import guard
from semantic.model import SemanticModel
from semantic.policy_sql import govern_sql
from semantic.query import Policy, SemanticQuery
from viz.i18n import keyed_error


def run_query(query: SemanticQuery, model: SemanticModel, engine: Engine,
              policy: Policy | None = None) -> QueryResult:
    """Answer a semantic query with governed SQL."""
    return engine.run(compile_query(query, model, policy, engine.dialect))


def run_sql(sql: str, model: SemanticModel, engine: Engine, policy: Policy | None = None) -> QueryResult:
    """Run raw SQL only after the guard has accepted it (read-only, model tables, row limit).

    Under a restricted `policy` every model table is read through it (semantic.policy_sql), and the
    rewritten SQL passes the guard once more.
    """
    allowed = [t.sql_table for t in model.tables.values()]
    # One row over the engine's limit, so the engine can tell the user the result was cut off.
    checked = guard(sql, allowed, engine.dialect, engine.max_rows + 1)
    if policy is not None and policy.restricted:
        governed = govern_sql(checked, model, policy, engine.dialect)
        checked = guard(governed, allowed, engine.dialect, engine.max_rows + 1)
    return engine.run(CompiledSQL(checked, (), engine.dialect))


def check_tables(model: SemanticModel, engine: Engine) -> None:
    """Refuse, in words, a model whose tables are not all in the warehouse (a live database checks itself)."""
    if not isinstance(engine, DuckDBEngine):
        return
    present = {name.lower() for name in engine.table_names()}
    missing = [t.sql_table for t in model.tables.values() if t.sql_table.lower() not in present]
    if missing:
        raise keyed_error(WarehouseError, "errors.warehouse.tables_missing", model=model.name,
                          tables=", ".join(missing))


def time_bounds(model: SemanticModel, engine: Engine, table: str) -> tuple[dt.date, dt.date] | None:
    """First and last day with rows in `table`, so relative periods can end at the data's last day."""
    column = exp.column(model.tables[table].time or "", table)
    select = exp.select(exp.cast(exp.Min(this=column), "DATE").as_("first"),
                        exp.cast(exp.Max(this=column.copy()), "DATE").as_("last"))
    select = select.from_(exp.to_table(model.tables[table].sql_table).as_(table))
    compiled = CompiledSQL(select.sql(engine.dialect, identify=True), ("first", "last"), engine.dialect)
    first, last = engine.run(compiled).frame.row(0)
    return (first, last) if first is not None else None
