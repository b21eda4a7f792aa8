"""The check a Derive formula passes before it becomes SQL: one expression, row by row, over known columns.

A marketer types a formula such as `单价 * qty` or `round(amount / 7.0, 2)`; it is parsed as
DuckDB SQL and then walked node by node against an allow-list: column names, literals,
operators, CASE/CAST parts and a short list of scalar functions. Anything else (subqueries,
aggregates, window functions, parameters, several statements) is refused in words that say
what to use instead, so a formula can never read other tables or run a command. Column names
are resolved the way DuckDB reads them (exact, else a unique case-insensitive match) and quoted.

>>> parse_formula("单价 * qty", ["单价", "Qty"]).sql("duckdb")
'"单价" * "Qty"'
>>> try:
...     parse_formula("sum(qty)", ["qty"])
... except FormulaError as err:
...     print(err)
sum combines many rows; a derived column is computed row by row. Use columns, numbers, text, + - * /, \
comparisons, CASE, COALESCE and functions such as lower, round, year or date_trunc.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from errors import IngestError, suggest
from viz.i18n import keyed_error

# Nodes a formula may contain besides functions: names, literals, operators, CASE/CAST parts.
FORMULA_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column, exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren, exp.Neg,
    exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.DPipe,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ,
    exp.Is, exp.In, exp.Between, exp.Like, exp.ILike, exp.And, exp.Or, exp.Not,
    exp.DataType, exp.DataTypeParam, exp.Interval, exp.Var,
)
# Scalar functions, by sqlglot's name for them (ltrim → trim, strftime → time_to_str, instr → str_position...).
FORMULA_FUNCTIONS = frozenset({
    "case", "if", "coalesce", "nullif", "cast", "try_cast",
    "lower", "upper", "trim", "length", "substring", "left", "right", "replace", "concat", "concat_ws",
    "split_part", "str_position", "starts_with", "contains", "pad", "reverse",
    "regexp_replace", "regexp_extract", "regexp_like",
    "abs", "round", "floor", "ceil", "trunc", "sqrt", "power", "ln", "log", "exp", "sign", "greatest", "least",
    "year", "month", "day", "quarter", "week", "day_of_week", "hour", "extract", "date_part",
    "date_trunc", "timestamp_trunc", "datediff", "date_add", "time_to_str", "str_to_time", "date_from_parts",
    "current_date", "date",
})
_HELP = "errors.formula.help"  # "Use columns, numbers, text, + - * /, comparisons, CASE, COALESCE and..."


class FormulaError(IngestError):
    """A formula that is not one safe row-by-row expression over the columns; the message says why.

    A recipe adds the number of the step in front, so the user sees which formula to fix.
    """


def parse_formula(text: str, columns: list[str]) -> exp.Expression:
    """`text` as a checked tree whose column names are resolved against `columns` and quoted.

    The tree is safe to put in a SELECT over a table with those columns; anything the
    allow-list does not name raises FormulaError instead.
    """
    tree = _parse(text)
    for node in tree.walk():
        _allowed(node)
    return tree.transform(lambda node: _resolve(node, columns) if isinstance(node, exp.Column) else node)


def _parse(text: str) -> exp.Expression:
    """Exactly one expression: a ';' could otherwise smuggle in a second statement."""
    if not isinstance(text, str) or not text.strip():
        raise keyed_error(FormulaError, "errors.formula.empty")
    try:
        statements = [s for s in sqlglot.parse(text, read="duckdb") if s is not None]
    except SqlglotError as err:
        raise keyed_error(FormulaError, "errors.formula.unreadable", text=repr(text),
                          reason=str(err).splitlines()[0]) from err
    if len(statements) != 1:
        raise keyed_error(FormulaError, "errors.formula.statements", text=repr(text), count=len(statements))
    return statements[0]


def _allowed(node: exp.Expression) -> None:
    """Pass a node the allow-list names; refuse any other, saying what kind of thing it is."""
    if isinstance(node, exp.Func):
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        if name in FORMULA_FUNCTIONS:
            return
        if isinstance(node, exp.AggFunc):
            raise keyed_error(FormulaError, "errors.formula.aggregate", name=name, help_key=_HELP)
        raise keyed_error(FormulaError, "errors.formula.function", name=name, help_key=_HELP)
    if type(node) in FORMULA_NODES:
        return
    if isinstance(node, (exp.Query, exp.Subquery)):
        raise keyed_error(FormulaError, "errors.formula.subquery", help_key=_HELP)
    what = {"Window": "window", "Star": "star", "Placeholder": "parameter"}.get(type(node).__name__, "node")
    raise keyed_error(FormulaError, "errors.formula.not_allowed", what_key=f"errors.formula.what.{what}",
                      sql=repr(node.sql("duckdb")[:40]), help_key=_HELP)


def _resolve(node: exp.Column, columns: list[str]) -> exp.Column:
    """A formula's column by its exact name, or by a unique case-insensitive match (as DuckDB reads names)."""
    if node.table:
        raise keyed_error(FormulaError, "errors.formula.qualified", sql=repr(node.sql("duckdb")))
    matches = [c for c in columns if c == node.name] or [c for c in columns if c.lower() == node.name.lower()]
    if len(matches) != 1:
        hint = suggest(node.name, columns)
        raise keyed_error(FormulaError, "errors.formula.unknown_column", name=node.name,
                          hint_key="errors.did_you_mean" if hint else "", suggestions_or=tuple(hint))
    return exp.column(matches[0], quoted=True)
