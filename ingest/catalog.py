"""The catalog: where each warehouse table came from, when it was loaded, its rows and schema.

It lives inside the warehouse (table `_beacon_catalog`), so it is written in the
same transaction as the data it describes: a table and its entry appear, change
and disappear together. Origins never contain credentials (see `errors.redact`).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import duckdb
from sqlglot import exp

from errors import redact
from semantic.compile import CompiledSQL
from semantic.engine import DuckDBEngine

CATALOG = "_beacon_catalog"
_CREATE = (f"CREATE TABLE IF NOT EXISTS {CATALOG} (table_name VARCHAR PRIMARY KEY, kind VARCHAR, "
           "origin VARCHAR, loaded_at TIMESTAMP, row_count BIGINT, columns JSON, recipe JSON, options JSON)")


@dataclass(frozen=True)
class ColumnInfo:
    """A column as the user named it, its safe identifier and its warehouse type."""

    name: str
    safe_name: str
    type: str


@dataclass(frozen=True)
class CatalogEntry:
    table: str
    kind: str  # file, postgres, mysql, sqlite, rest, demo
    origin: str
    loaded_at: dt.datetime
    rows: int
    columns: tuple[ColumnInfo, ...]
    recipe: tuple[dict[str, Any], ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


def record(con: duckdb.DuckDBPyConnection, entry: CatalogEntry) -> None:
    """Add or replace the entry, inside the caller's write transaction."""
    con.execute(_CREATE)
    con.execute(f"DELETE FROM {CATALOG} WHERE table_name = ?", [entry.table])
    con.execute(f"INSERT INTO {CATALOG} VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        entry.table, entry.kind, redact(entry.origin), entry.loaded_at, entry.rows,
        json.dumps([c.__dict__ for c in entry.columns], ensure_ascii=False),
        json.dumps(list(entry.recipe), ensure_ascii=False), json.dumps(entry.options, ensure_ascii=False)])


def forget(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(_CREATE)
    con.execute(f"DELETE FROM {CATALOG} WHERE table_name = ?", [table])


def read_catalog(engine: DuckDBEngine) -> list[CatalogEntry]:
    """Every entry, newest load first; an empty list for a warehouse with no catalog yet."""
    if CATALOG not in engine.table_names():
        return []
    select = exp.select("*").from_(CATALOG).order_by(exp.Ordered(this=exp.column("loaded_at"), desc=True))
    frame = engine.run(CompiledSQL(select.sql("duckdb"), (), "duckdb")).frame
    return [_entry(row) for row in frame.iter_rows(named=True)]


def _entry(row: dict[str, Any]) -> CatalogEntry:
    return CatalogEntry(table=row["table_name"], kind=row["kind"], origin=row["origin"],
                        loaded_at=row["loaded_at"], rows=row["row_count"],
                        columns=tuple(ColumnInfo(**c) for c in json.loads(row["columns"])),
                        recipe=tuple(json.loads(row["recipe"])), options=json.loads(row["options"]))
