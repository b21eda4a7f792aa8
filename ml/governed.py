"""An engine that reads everything under one user's data policy, for the analyses that build their own SQL.

Campaign figures, funnels, attribution, anomalies, alerts, reviews and segments call
many functions that each take an engine. Handing them `governed(engine, model, policy)`
instead of the engine puts the policy under every read at once, so no helper deep in
an analysis can forget it:

- `run` executes each compiled statement through `govern_compiled`: every model table
  is read with the policy's row filters, hidden columns left out and masked ones masked;
  a table the row filters cannot reach is refused in words, never read unfiltered.
- `reader` gives a cursor (for the segment pipeline's per-customer SQL) on which every
  model table name is a temporary view of the governed table, and every other table is
  refused: temporary views shadow the warehouse's tables on that cursor only.

An unrestricted policy without an audit hook returns the engine itself. With `audit`,
every query that ran (its SQL, rows and duration) is passed to it, for the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import sqlglot
from sqlglot import exp

from errors import InputError, PermissionDeniedError
from semantic.compile import CompiledSQL
from semantic.engine import DuckDBEngine, Engine, QueryResult
from semantic.model import SemanticModel
from semantic.policy_sql import govern_compiled, govern_sql
from semantic.query import Policy
from viz.i18n import keyed_error

Audit = Callable[[QueryResult], None]


class GovernedEngine:
    """`engine` seen through `policy`: same dialect, limits and cache (the governed SQL is the cache key)."""

    def __init__(self, engine: Engine, model: SemanticModel, policy: Policy, audit: Audit | None = None) -> None:
        self.inner, self.model, self.policy, self.audit = engine, model, policy, audit
        self.dialect, self.max_rows = engine.dialect, engine.max_rows

    @property
    def data_version(self) -> object:
        return getattr(self.inner, "data_version", None)

    @property
    def path(self) -> Path:
        return warehouse(self.inner).path

    def run(self, compiled: CompiledSQL) -> QueryResult:
        result = self.inner.run(govern_compiled(compiled, self.model, self.policy))
        if self.audit is not None:
            self.audit(result)
        return result

    def table_names(self) -> list[str]:
        return warehouse(self.inner).table_names()

    @contextmanager
    def reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read cursor whose table names all resolve to governed views (model tables) or refusals."""
        with warehouse(self.inner).reader() as con:
            if self.policy.restricted:
                _shadow_tables(con, self.model, self.policy)
            yield con


Warehouse = DuckDBEngine | GovernedEngine  # what the segment pipeline reads: the warehouse, maybe governed


def governed(engine: Engine, model: SemanticModel, policy: Policy | None, audit: Audit | None = None) -> Engine:
    """The engine every analysis of a user with `policy` runs on, each query passed to `audit` when given;
    the engine itself when there is nothing to restrict or record."""
    policy = policy or Policy()
    if not policy.restricted and audit is None:
        return engine
    return GovernedEngine(engine, model, policy, audit)


def warehouse(engine: Engine) -> DuckDBEngine:
    """The DuckDB warehouse behind `engine`; analyses on per-customer SQL need it."""
    inner = engine.inner if isinstance(engine, GovernedEngine) else engine
    if not isinstance(inner, DuckDBEngine):
        raise keyed_error(InputError, "errors.analysis.needs_warehouse")
    return inner


def check_table(engine: Engine, model: SemanticModel, table: str) -> None:
    """Refuse, in words, a restricted user's analysis of a table their policy cannot be applied to."""
    if not isinstance(engine, GovernedEngine) or not engine.policy.restricted:
        return
    names = {t.sql_table.lower(): t.sql_table for t in model.tables.values()}
    if table.lower() not in names:
        raise keyed_error(PermissionDeniedError, "errors.policy.table_not_in_model", table=table)
    govern_sql(exp.select("*").from_(names[table.lower()]).sql("duckdb"), model, engine.policy)


def restricted(engine: Engine) -> bool:
    """Whether the engine reads under a policy that limits anything (so its results cover part of the data)."""
    return isinstance(engine, GovernedEngine) and engine.policy.restricted


def check_write_back(engine: Engine, what: str = "Segments") -> None:
    """Refuse, in words, to save a restricted user's per-customer results over the shared warehouse table:
    computed under a policy they cover only part of the customers, and would replace everyone's."""
    if restricted(engine):
        raise keyed_error(PermissionDeniedError, "errors.policy.write_back",
                          what_key=f"errors.what.{what.lower().replace(' ', '_')}")


def allows(engine: Engine, model: SemanticModel, table: str) -> bool:
    """Whether `check_table` lets the engine's user analyse `table` (for lists of tables to choose from)."""
    try:
        check_table(engine, model, table)
    except PermissionDeniedError:
        return False
    return True


def _shadow_tables(con: duckdb.DuckDBPyConnection, model: SemanticModel, policy: Policy) -> None:
    catalog = con.execute("SELECT current_database()").fetchall()[0][0]
    names = {t.sql_table.lower(): t.sql_table for t in model.tables.values()}
    listed = con.execute("SELECT table_name FROM information_schema.tables "
                         "WHERE table_catalog = current_database() AND table_schema = 'main'").fetchall()
    for (table,) in listed:
        body = _view_body(table, names.get(table.lower()), catalog, model, policy)
        view = exp.Create(this=exp.Table(this=exp.to_identifier(table, quoted=True)), kind="VIEW", expression=body,
                          replace=True, properties=exp.Properties(expressions=[exp.TemporaryProperty()]))
        con.execute(view.sql("duckdb"))


def _view_body(table: str, model_table: str | None, catalog: str, model: SemanticModel,
               policy: Policy) -> exp.Expression:
    if model_table is None:
        return _refused(table, catalog, f"Your data policy applies to the model's tables; '{table}' is not one of "
                        "them.")
    try:
        return _governed_read(model_table, catalog, model, policy)
    except PermissionDeniedError as err:  # a table the row filters cannot reach reads as that refusal
        return _refused(table, catalog, str(err))


def _governed_read(model_table: str, catalog: str, model: SemanticModel, policy: Policy) -> exp.Expression:
    """The policy's read of a model table, its tables named with their catalog (so the view is not read itself)."""
    tree = sqlglot.parse_one(govern_sql(exp.select("*").from_(model_table).sql("duckdb"), model, policy),
                             read="duckdb")
    for ref in list(tree.find_all(exp.Table)):
        if not ref.args.get("catalog"):
            ref.replace(_real(ref.name, catalog, ref.db or "main").as_(ref.alias_or_name, quoted=True))
    return tree


def _refused(table: str, catalog: str, message: str) -> exp.Expression:
    """A table the policy cannot be applied to reads as an error (its columns still describe)."""
    error = exp.func("error", exp.Literal.string(message))
    return exp.select("*").from_(_real(table, catalog)).where(error.is_(exp.null()).not_())


def _real(table: str, catalog: str, schema: str = "main") -> exp.Table:
    return exp.Table(this=exp.to_identifier(table, quoted=True), db=exp.to_identifier(schema, quoted=True),
                     catalog=exp.to_identifier(catalog, quoted=True))
