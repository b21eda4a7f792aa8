"""What a reader hands to a load: rows DuckDB can scan, and the columns as the user named them.

Readers (files, Excel, databases, REST) only describe where the rows are; the
load converts types and writes the table in one pass inside a write
transaction, so every source shares the same atomicity, naming and catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlglot import exp


@dataclass(frozen=True)
class SourceColumn:
    """A column as the source names it (headers flattened and made unique) and its DuckDB type as read."""

    name: str
    type: str = "VARCHAR"


@dataclass(frozen=True)
class Source:
    """Rows ready to be scanned by the write connection.

    `relation` is what goes after FROM: a `read_csv(...)`/`read_parquet(...)` call or the name of a
    table or view the reader created on the same connection. `first_row` is the file line (or sheet
    row) of the first data row, so messages can say "row N" the way the user sees the file.
    """

    relation: exp.Expression
    columns: tuple[SourceColumn, ...]
    label: str
    first_row: int = 2
    temp_files: tuple[Path, ...] = field(default=())
    rejects: str | None = None  # a DuckDB reject_errors table the scan fills with malformed rows
    sheet: str | None = None


@dataclass(frozen=True)
class ColumnPlan:
    """How one source column becomes a warehouse column: its name, safe id, type and value."""

    name: str
    safe_name: str
    type: str
    value: exp.Expression
    source: exp.Expression


def table_ref(name: str) -> exp.Table:
    """A table by its exact name, quoted: never parsed, so a dot or quote in it stays part of the name."""
    return exp.Table(this=exp.to_identifier(name, quoted=True))
