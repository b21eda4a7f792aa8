"""Load a source into the warehouse: convert types in one pass, keep bad rows aside, catalog it.

Every source — a file, a sheet, a database table, a REST endpoint — goes
through `load_source` inside one write transaction, so a load either completes
(table, rejects and catalog entry together) or changes nothing.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp

from errors import IngestError
from ingest.catalog import CatalogEntry, ColumnInfo, forget, record
from ingest.files import open_sources, with_text_columns
from ingest.names import safe_name, unique_names
from ingest.recipe import Step, recipe_select, step_from_dict
from ingest.source import ColumnPlan, Source, table_ref
from ingest.store import write_transaction
from ingest.types import plan_columns, rejects_query
from viz.i18n import keyed_error
from workspace import clock

SourceOpener = Callable[[duckdb.DuckDBPyConnection, CatalogEntry, Path], Source]

RAW_PREFIX = "_raw_"
REJECTS_SUFFIX = "__rejects"
ROW = "__row"


@dataclass(frozen=True)
class LoadReport:
    """What a load did, for the page and the command line."""

    table: str
    rows: int
    columns: tuple[ColumnInfo, ...]
    rejects: int
    source: str
    seconds: float

    @property
    def rejects_table(self) -> str | None:
        return f"{self.table}{REJECTS_SUFFIX}" if self.rejects else None


@dataclass(frozen=True)
class Origin:
    """Where a table comes from and how to read it again on refresh."""

    kind: str  # file, postgres, mysql, sqlite, rest
    label: str
    options: dict[str, Any]


def load_source(con: duckdb.DuckDBPyConnection, source: Source, table: str, origin: Origin,
                recipe: tuple[dict[str, Any], ...] = ()) -> LoadReport:
    """Write `table` from `source` (inside the caller's write transaction) and catalog it."""
    started = time.perf_counter()
    plans = _write_table(con, source, table, recipe)
    mistyped = _mistyped_columns(con, source)
    if mistyped:  # DuckDB guessed a type from the first rows that later rows break: read those as text
        source = with_text_columns(source, mistyped)
        plans = _write_table(con, source, table, recipe)
    rejects = _keep_rejects(con, plans, source, table)
    columns = _columns(con, table)
    rows = _count(con, table)
    record(con, CatalogEntry(table, origin.kind, origin.label, clock.naive_now(), rows,
                             columns, recipe, origin.options))
    return LoadReport(table, rows, columns, rejects, source.label, time.perf_counter() - started)


def _write_table(con: duckdb.DuckDBPyConnection, source: Source, table: str,
                 recipe: tuple[dict[str, Any], ...]) -> list[ColumnPlan]:
    """One pass over the source: typed columns into the table (or its raw rows, when it has a recipe)."""
    plans = plan_columns(con, source)
    values = [exp.alias_(p.value, p.name, quoted=True) for p in plans]
    if recipe:
        _create(con, raw_name(table), exp.select(exp.alias_(_row_number(), ROW), *values).from_(source.relation))
        _apply_recipe(con, table, [step_from_dict(s) for s in recipe])
    else:
        _create(con, table, exp.select(*values).from_(source.relation))
    return plans


def _mistyped_columns(con: duckdb.DuckDBPyConnection, source: Source) -> list[str]:
    if not source.rejects:
        return []
    select = exp.select(exp.column("column_name")).distinct().from_(source.rejects).where(
        exp.column("error_type").eq(exp.Literal.string("CAST")))
    return [row[0] for row in con.execute(select.sql("duckdb")).fetchall() if row[0]]


def raw_name(table: str) -> str:
    return f"{RAW_PREFIX}{table}"


def _row_number() -> exp.Expression:
    return exp.Window(this=exp.RowNumber())


def _create(con: duckdb.DuckDBPyConnection, table: str, select: exp.Select) -> None:
    create = exp.Create(this=table_ref(table), kind="TABLE", expression=select, replace=True)
    con.execute(create.sql("duckdb", identify=True))


def _apply_recipe(con: duckdb.DuckDBPyConnection, table: str, steps: list[Step]) -> None:
    """The user's table recomputed from its raw rows; the raw types let bad steps be refused in words."""
    described = con.execute(exp.Describe(this=table_ref(raw_name(table))).sql("duckdb", identify=True)).fetchall()
    types = {row[0]: str(row[1]) for row in described if row[0] != ROW}
    _create(con, table, recipe_select(raw_name(table), list(types), steps, types))


def _keep_rejects(con: duckdb.DuckDBPyConnection, plans: list[ColumnPlan], source: Source, table: str) -> int:
    """Cells that did not convert, and lines the reader could not parse, in `<table>__rejects`."""
    parts: list[exp.Select] = []
    if any(p.value != p.source for p in plans):
        parts.append(rejects_query(plans, source))
    if source.rejects:  # every scan appends to DuckDB's table: keep the last scan's rows, once each
        last_scan = exp.select(exp.Max(this=exp.column("scan_id"))).from_(source.rejects).subquery()
        parts.append(exp.select(exp.column("line").as_("row"), exp.column("column_name").as_("column"),
                                exp.column("csv_line").as_("value"), exp.column("error_message").as_("problem"))
                     .distinct().from_(source.rejects).where(exp.column("scan_id").eq(last_scan)))
    rejects_table = f"{table}{REJECTS_SUFFIX}"
    con.execute(exp.Drop(tables=[table_ref(rejects_table)], kind="TABLE", exists=True).sql("duckdb", identify=True))
    if not parts:
        return 0
    union = parts[0] if len(parts) == 1 else exp.union(*parts, distinct=False)
    _create(con, rejects_table, exp.select("*").from_(union.subquery("rejected")))
    count = _count(con, rejects_table)
    if not count:
        con.execute(exp.Drop(tables=[table_ref(rejects_table)], kind="TABLE").sql("duckdb", identify=True))
    return count


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(exp.select(exp.Count(this=exp.Star())).from_(table_ref(table))
                      .sql("duckdb", identify=True)).fetchone()
    return int(row[0]) if row else 0


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> tuple[ColumnInfo, ...]:
    """The table's columns as written, each with its safe id (recipes may rename or add columns)."""
    described = con.execute(exp.Describe(this=table_ref(table)).sql("duckdb", identify=True)).fetchall()
    names = [row[0] for row in described]
    return tuple(ColumnInfo(name, safe, str(row[1]))
                 for name, safe, row in zip(names, unique_names(names), described, strict=True))


def load_file(warehouse: Path, path: Path, table: str | None = None,
              sheets: list[str] | None = None) -> list[LoadReport]:
    """Load a file (every non-empty sheet of a workbook, or the chosen ones) as one table per sheet."""
    if not path.is_file():
        raise keyed_error(IngestError, "errors.ingest.no_file", path=path)
    with write_transaction(warehouse) as con, tempfile.TemporaryDirectory() as work:
        sources = open_sources(con, path, sheets or None, Path(work))
        reports = []
        for source in sources:
            name = _file_table_name(table, path, source.sheet if len(sources) > 1 else None)
            origin = Origin("file", path.name, {"path": str(path.resolve()), "sheet": source.sheet})
            reports.append(load_source(con, source, name, origin))
        return reports


def _file_table_name(table: str | None, path: Path, sheet: str | None) -> str:
    base = table or safe_name(path.name.split(".")[0], fallback="table")
    return f"{base}_{safe_name(sheet, fallback='sheet')}" if sheet else base


def refresh(warehouse: Path, table: str, entry: CatalogEntry, open_source: SourceOpener) -> LoadReport:
    """Read the table's origin again and replay its cleaning recipe."""
    with write_transaction(warehouse) as con, tempfile.TemporaryDirectory() as work:
        source = open_source(con, entry, Path(work))
        origin = Origin(entry.kind, entry.origin, entry.options)
        return load_source(con, source, table, origin, entry.recipe)


def set_recipe(warehouse: Path, entry: CatalogEntry, steps: list[Step]) -> LoadReport:
    """Recompute a table from its raw rows with these cleaning steps (fewer steps = undo)."""
    started = time.perf_counter()
    with write_transaction(warehouse) as con:
        tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
        if raw_name(entry.table) not in tables:
            _create(con, raw_name(entry.table), exp.select(exp.alias_(_row_number(), ROW), exp.Star())
                    .from_(table_ref(entry.table)))
        _apply_recipe(con, entry.table, steps)
        columns, rows = _columns(con, entry.table), _count(con, entry.table)
        recipe = tuple(s.to_dict() for s in steps)
        record(con, replace(entry, columns=columns, rows=rows, recipe=recipe))
    return LoadReport(entry.table, rows, columns, 0, entry.origin, time.perf_counter() - started)


def drop(warehouse: Path, table: str) -> None:
    """Remove a table with its raw rows, rejects and catalog entry."""
    with write_transaction(warehouse) as con:
        for name in (table, raw_name(table), f"{table}{REJECTS_SUFFIX}"):
            con.execute(exp.Drop(tables=[table_ref(name)], kind="TABLE", exists=True).sql("duckdb", identify=True))
        forget(con, table)
