"""The profile a model proposal decides from: each table's column types and one aggregate query's counts.

One query per table measures every column at once (non-null and distinct counts, the maximum,
text that reads as timestamps, frequent values), so proposing a model over a large table
costs a scan, not a query per column. A `Profile` then answers the questions the proposal
asks of a table: which column places a row in time, which columns identify a row, which is
the primary key.

>>> import duckdb
>>> con = duckdb.connect()
>>> _ = con.sql("CREATE TABLE orders AS SELECT i AS order_id, DATE '2024-01-01' + i::INT AS order_date, "
...             "'shop' AS store FROM range(10) t(i)")
>>> p = profile_table(con, "orders", "orders")
>>> p.rows, p.key.name, p.time.name, p.column("store").distinct
(10, 'order_id', 'order_date', 1)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
from sqlglot import exp

from errors import InputError, UnknownNameError
from ingest.names import safe_name
from semantic.infer_words import TIME_WORDS, header_role, singular, word_score
from viz.i18n import keyed_error

INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
            "UBIGINT", "UHUGEINT"}
TEXT_TIME_SHARE = 0.95  # a text column whose values read as timestamps this often holds dates


@dataclass(frozen=True)
class Column:
    """One column's profile: everything the proposal decides from."""

    name: str
    kind: str  # integer, number, date, timestamp, boolean, text or other
    rows: int
    non_null: int = 0
    distinct: int = 0
    high: Any = None  # the maximum, for numbers, dates and booleans
    text_times: int = 0  # text values that read as timestamps
    samples: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return safe_name(self.name)

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "number")

    @property
    def unique(self) -> bool:
        return self.rows > 0 and self.distinct == self.non_null == self.rows

    @property
    def holds_times(self) -> bool:
        return self.kind == "text" and self.non_null > 0 and self.text_times >= TEXT_TIME_SHARE * self.non_null


@dataclass(frozen=True)
class Profile:
    """One table as measured: its rows and columns, and (after joins are found) its foreign keys."""

    name: str  # as the database names it
    id: str
    rows: int
    columns: tuple[Column, ...]
    foreign: frozenset[str] = frozenset()  # columns that join to another table's key

    def column(self, column_id: str) -> Column | None:
        return next((c for c in self.columns if c.id == column_id), None)

    @property
    def time(self) -> Column | None:
        """The date or timestamp column that best places a row in time (see TIME_WORDS), fullest first."""
        dated = [c for c in self.columns if c.kind in ("date", "timestamp") and c.non_null]
        return max(dated, key=lambda c: word_score(c.name, TIME_WORDS) + c.non_null / c.rows, default=None)

    @property
    def keys(self) -> list[Column]:
        """Columns that identify a row (unique, never null, named like an id), the table's own id first."""
        found = [c for c in self.columns
                 if c.unique and header_role(c.name) == "id" and c.kind in ("integer", "number", "text")]
        return sorted(found, key=lambda c: c.id not in ("id", f"{singular(self.id)}_id"))

    @property
    def key(self) -> Column | None:
        """The primary key: the first key that is not a reference to another table's row."""
        return next((c for c in self.keys if c.name not in self.foreign), None) or next(iter(self.keys), None)


def profile_table(con: duckdb.DuckDBPyConnection, table: str, table_id: str) -> Profile:
    """Types from the table's schema, the rest from one aggregate query over all its rows."""
    source = exp.to_table(table)
    relation = con.sql(exp.select("*").from_(source.copy()).limit(0).sql("duckdb"))
    kinds = [_kind(str(t)) for t in relation.types]
    parts: list[exp.Expression] = [exp.Count(this=exp.Star())]
    for name, kind in zip(relation.columns, kinds, strict=True):
        parts += _aggregates(exp.column(name, quoted=True), kind)
    row = fetch(con, exp.select(*parts).from_(source))[0]
    rows = int(row[0])
    columns = []
    for i, (name, kind) in enumerate(zip(relation.columns, kinds, strict=True)):
        non_null, distinct, high, text_times, frequent = row[1 + 5 * i:6 + 5 * i]
        columns.append(Column(name, kind, rows, non_null or 0, distinct or 0, high, text_times or 0,
                              tuple(str(v) for v in frequent or ())))
    return Profile(table, table_id, rows, tuple(columns))


def check_tables(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    """Refuse, in words, a table the connection cannot see, before any query names it."""
    if not tables:
        raise keyed_error(InputError, "errors.infer.no_tables")
    known = [r[0] for r in fetch(con, exp.select("table_name").from_("information_schema.tables"))]
    lowered = {k.lower() for k in known}
    for table in tables:
        if table.split(".")[-1].lower() not in lowered:
            raise UnknownNameError("table", table, known)


def _kind(type_name: str) -> str:
    base = type_name.upper().split("(")[0]
    if base in INTEGERS:
        return "integer"
    if base in ("FLOAT", "DOUBLE", "DECIMAL", "REAL"):
        return "number"
    if base == "DATE":
        return "date"
    if base.startswith("TIMESTAMP"):
        return "timestamp"
    return {"BOOLEAN": "boolean", "VARCHAR": "text", "ENUM": "text"}.get(base, "other")


def _aggregates(col: exp.Column, kind: str) -> list[exp.Expression]:
    """Non-null count, distinct count, maximum, values that read as timestamps, frequent values."""
    if kind == "other":
        return [exp.null()] * 5
    counts = [exp.Count(this=col.copy()), exp.Count(this=exp.Distinct(expressions=[col.copy()]))]
    if kind != "text":
        return [*counts, exp.Max(this=col.copy()), exp.null(), exp.null()]
    as_time = exp.Count(this=exp.TryCast(this=col.copy(), to=exp.DataType.build("TIMESTAMP")))
    frequent = exp.Anonymous(this="approx_top_k", expressions=[col.copy(), exp.Literal.number(3)])
    return [*counts, exp.null(), as_time, frequent]


def fetch(con: duckdb.DuckDBPyConnection, select: exp.Expression) -> list[tuple]:
    """The rows of a sqlglot SELECT, run on `con` as DuckDB SQL."""
    return con.sql(select.sql("duckdb")).fetchall()  # fetch all: a half-read result blocks the connection
