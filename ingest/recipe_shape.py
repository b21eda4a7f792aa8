"""What a table looks like between cleaning steps, and how a user's value enters a step's SQL.

A recipe is checked before any SQL runs: each step reads the columns and their kinds (number,
text, date, timestamp, boolean, or '' when unknown) left by the step before and hands on its
own. Values a marketer types ('1,200', '2024/01/31', 是) become sqlglot literals of the
column's kind, so they never reach SQL as text to be parsed. `ingest.recipe` builds its steps
on these pieces and re-exports the constants it always had (`ROW`, `CAST_TYPES`, `TRUE_WORDS`).

>>> shape = Shape(["Qty", "城市"], {"Qty": "number", "城市": "text"})
>>> literal("1,200", shape.kinds["Qty"], ("filter", "Qty")).sql("duckdb"), shape.fresh("qty_clean")
('1200', 'qty_clean')
>>> try:
...     shape.fresh("qty")
... except StepError as err:
...     print(err)
a column named 'qty' already exists; choose another name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from errors import BeaconError, suggest
from viz.i18n import keyed_error

ROW = "__row"
CAST_TYPES = {"integer": "BIGINT", "decimal": "DOUBLE", "text": "VARCHAR", "date": "DATE",
              "timestamp": "TIMESTAMP", "boolean": "BOOLEAN"}
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "对", "真")
_NUMBER_TYPE = re.compile(r"(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT\d+|DOUBLE|FLOAT\d*|REAL|DECIMAL|NUMERIC)\b")
Where = tuple[str, str]  # what a value is for and its column: ("filter", "金额") reads "the filter on '金额'"


class StepError(BeaconError, ValueError):
    """A step that does not fit the columns; the recipe adds the step number (its text key reads in any language)."""


def column_kind(duckdb_type: str) -> str:
    """number, text, date, timestamp, boolean, or '' when unknown (checks needing a kind are skipped).

    >>> [column_kind(t) for t in ("BIGINT", "DECIMAL(18,2)", "VARCHAR", "TIMESTAMP WITH TIME ZONE", "INTERVAL")]
    ['number', 'number', 'text', 'timestamp', '']
    """
    t = duckdb_type.upper()
    if _NUMBER_TYPE.match(t):
        return "number"
    if t.startswith("TIMESTAMP") or t == "DATETIME":
        return "timestamp"
    return {"VARCHAR": "text", "TEXT": "text", "STRING": "text", "DATE": "date", "BOOLEAN": "boolean"}.get(t, "")


@dataclass
class Shape:
    """The columns a step sees (in order, without `__row`) and what kind of values each holds."""

    columns: list[str]
    kinds: dict[str, str]

    def need(self, name: str) -> str:
        """`name` when it is a column; else StepError with the closest names."""
        if name not in self.columns:
            hint = suggest(name, self.columns)
            raise keyed_error(StepError, "errors.recipe.no_column", name=name,
                              hint_key="errors.did_you_mean" if hint else "", suggestions_or=tuple(hint))
        return name

    def fresh(self, name: str, replacing: str | None = None) -> str:
        """A new column name: DuckDB names ignore case, so 'qty' clashes with 'Qty'."""
        if not isinstance(name, str) or not name.strip():
            raise keyed_error(StepError, "errors.recipe.new_name")
        taken = [c for c in [*self.columns, ROW] if c != replacing]
        if name.lower() in (c.lower() for c in taken):
            raise keyed_error(StepError, "errors.recipe.name_taken", name=name)
        return name

    def text(self, name: str) -> exp.Expression:
        """The column as text; a column known to hold numbers or dates is refused."""
        if self.kinds.get(name, "") not in ("", "text"):
            raise keyed_error(StepError, "errors.recipe.not_text", name=name,
                              kind_key=f"errors.recipe.kind.{self.kinds[name]}")
        return col(name) if self.kinds.get(name) == "text" else exp.cast(col(name), "VARCHAR")

    def after(self, columns: list[str], kinds: Mapping[str, str]) -> Shape:
        """The next shape: `columns`, with the kinds in `kinds` and the rest as they were."""
        return Shape(columns, {c: kinds.get(c, self.kinds.get(c, "")) for c in columns})


def col(name: str) -> exp.Column:
    """A column by name, always quoted: headers may be Chinese, have spaces or be SQL words."""
    return exp.column(name, quoted=True)


def fn(name: str, *args: exp.Expression | str | int) -> exp.Anonymous:
    """A DuckDB function called exactly as named (sqlglot would rewrite some, e.g. CONCAT_WS's NULLs)."""
    return exp.Anonymous(this=name, expressions=[a if isinstance(a, exp.Expression) else exp.convert(a) for a in args])


def shape_select(shape: Shape, changed: Mapping[str, exp.Expression]) -> exp.Select:
    """SELECT __row and every column of `shape`, each from `changed` if there, else as it was."""
    return exp.select(col(ROW), *(exp.alias_(changed.get(c, col(c)), c, quoted=True) for c in shape.columns))


def literal(value: Any, kind: str, where: Where) -> exp.Expression:
    """A user value as a literal of the column's kind: 12 for a number column, '12' for text."""
    if value is None or isinstance(value, (list, tuple, dict)):
        raise keyed_error(StepError, "errors.recipe.one_value", **_where(where), value=repr(value))
    if kind == "number" or (not kind and isinstance(value, (int, float)) and not isinstance(value, bool)):
        return exp.Literal.number(_number(value, where))
    if kind == "boolean" or isinstance(value, bool):
        return exp.Boolean(this=str(value).strip().lower() in TRUE_WORDS)
    if kind in ("date", "timestamp"):
        try:
            moment = dt.datetime.fromisoformat(str(value).strip().replace("/", "-"))
        except ValueError:
            raise keyed_error(StepError, "errors.recipe.date_value", **_where(where), value=repr(value)) from None
        text = moment.date().isoformat() if kind == "date" else moment.isoformat(sep=" ")
        return exp.cast(exp.Literal.string(text), CAST_TYPES[kind])
    return exp.Literal.string(str(value))


def _number(value: Any, where: Where) -> int | float:
    """12, 12.5, '1,200' → a finite number; anything else is refused."""
    text = str(value).replace(",", "").strip()
    if isinstance(value, bool) or not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise keyed_error(StepError, "errors.recipe.number_value", **_where(where), value=repr(value))
    return int(text) if re.fullmatch(r"[-+]?\d+", text) else float(text)


def _where(where: Where) -> dict[str, str]:
    """The values that name what a value is for: `where_key` reads "the filter on '{column}'" or the like."""
    what, column = where
    return {"where_key": f"errors.recipe.where.{what}", "column": column}
