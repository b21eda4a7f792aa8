"""Cleaning recipes: steps a marketer picks from menus, replayed as one query over the raw rows.

A load keeps the converted rows in `_raw_<table>` (file order in `__row`) and computes the
user's table with `recipe_select`, so undo is "replay one step fewer" and refresh is "reload
the raw rows and replay". Each step is a frozen dataclass that saves as JSON; values enter SQL
only as sqlglot literals, names only as quoted identifiers, and a formula only after a check
that it uses nothing but columns, literals, operators and a short list of scalar functions.

>>> steps = [Rename("Qty", "quantity"), Filter("quantity", ">", 0)]
>>> check_recipe(["Qty", "城市"], steps)
['quantity', '城市']
>>> describe(steps[0], "zh")
"将 'Qty' 重命名为 'quantity'"
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from errors import IngestError, suggest

ROW = "__row"
CAST_TYPES = {"integer": "BIGINT", "decimal": "DOUBLE", "text": "VARCHAR", "date": "DATE",
              "timestamp": "TIMESTAMP", "boolean": "BOOLEAN"}
CASE_MODES = ("lower", "upper", "title")
FILL_METHODS = ("value", "mean", "median", "forward")
FILTER_OPS = ("=", "!=", ">", ">=", "<", "<=", "in", "not in", "contains", "starts with", "is null", "is not null")
MAP_OTHER = ("keep", "null")
# Text that a cast to date/timestamp also reads, beside ISO dates.
DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d")
TRUE_WORDS = ("true", "t", "yes", "y", "1", "是", "对", "真")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "错", "假")
BLANKS = " \t\r\n\u3000"  # trim also removes the full-width space of Chinese text
_NUMBER_TYPE = re.compile(r"(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?|INT\d+|DOUBLE|FLOAT\d*|REAL|DECIMAL|NUMERIC)\b")


class _Bad(Exception):
    """A step that does not fit the columns; `_steps` adds the step number."""


# ---------------------------------------------------------------- shape: columns and kinds between steps

def _kind(duckdb_type: str) -> str:
    """number, text, date, timestamp, boolean, or '' when unknown (checks needing a kind are skipped).

    >>> [_kind(t) for t in ("BIGINT", "DECIMAL(18,2)", "VARCHAR", "TIMESTAMP WITH TIME ZONE", "INTERVAL")]
    ['number', 'number', 'text', 'timestamp', '']
    """
    t = duckdb_type.upper()
    if _NUMBER_TYPE.match(t):
        return "number"
    if t.startswith("TIMESTAMP") or t == "DATETIME":
        return "timestamp"
    return {"VARCHAR": "text", "TEXT": "text", "STRING": "text", "DATE": "date", "BOOLEAN": "boolean"}.get(t, "")


@dataclass
class _Shape:
    columns: list[str]
    kinds: dict[str, str]

    def need(self, name: str) -> str:
        if name not in self.columns:
            hint = suggest(name, self.columns)
            did = f" Did you mean {' or '.join(repr(h) for h in hint)}?" if hint else ""
            raise _Bad(f"there is no column {name!r}.{did}")
        return name

    def fresh(self, name: str, replacing: str | None = None) -> str:
        """A new column name: DuckDB names ignore case, so 'qty' clashes with 'Qty'."""
        if not isinstance(name, str) or not name.strip():
            raise _Bad("the new column needs a name.")
        taken = [c for c in [*self.columns, ROW] if c != replacing]
        if name.lower() in (c.lower() for c in taken):
            raise _Bad(f"a column named {name!r} already exists; choose another name.")
        return name

    def text(self, name: str) -> exp.Expression:
        """The column as text; a column known to hold numbers or dates is refused."""
        if self.kinds.get(name, "") not in ("", "text"):
            raise _Bad(f"{name!r} holds {self.kinds[name]} values, not text; cast it to text first.")
        return _col(name) if self.kinds.get(name) == "text" else exp.cast(_col(name), "VARCHAR")

    def after(self, columns: list[str], kinds: Mapping[str, str]) -> _Shape:
        return _Shape(columns, {c: kinds.get(c, self.kinds.get(c, "")) for c in columns})


def _col(name: str) -> exp.Column:
    return exp.column(name, quoted=True)


def _table(name: str) -> exp.Table:
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def _fn(name: str, *args: exp.Expression | str | int) -> exp.Anonymous:
    """A DuckDB function called exactly as named (sqlglot would rewrite some, e.g. CONCAT_WS's NULLs)."""
    return exp.Anonymous(this=name, expressions=[a if isinstance(a, exp.Expression) else exp.convert(a) for a in args])


def _select(shape: _Shape, changed: Mapping[str, exp.Expression]) -> exp.Select:
    """SELECT __row and every column of `shape`, each from `changed` if there, else as it was."""
    return exp.select(_col(ROW), *(exp.alias_(changed.get(c, _col(c)), c, quoted=True) for c in shape.columns))


def _literal(value: Any, kind: str, where: str) -> exp.Expression:
    """A user value as a literal of the column's kind: 12 for a number column, '12' for text."""
    if value is None or isinstance(value, (list, tuple, dict)):
        raise _Bad(f"{where} needs one value, got {value!r}.")
    if kind == "number" or (not kind and isinstance(value, (int, float)) and not isinstance(value, bool)):
        return exp.Literal.number(_number(value, where))
    if kind == "boolean" or isinstance(value, bool):
        return exp.Boolean(this=str(value).strip().lower() in TRUE_WORDS)
    if kind in ("date", "timestamp"):
        try:
            moment = dt.datetime.fromisoformat(str(value).strip().replace("/", "-"))
        except ValueError:
            raise _Bad(f"{where} needs a date like 2024-01-31, got {value!r}.") from None
        text = moment.date().isoformat() if kind == "date" else moment.isoformat(sep=" ")
        return exp.cast(exp.Literal.string(text), CAST_TYPES[kind])
    return exp.Literal.string(str(value))


def _number(value: Any, where: str) -> int | float:
    """12, 12.5, '1,200' → a finite number; anything else is refused."""
    text = str(value).replace(",", "").strip()
    if isinstance(value, bool) or not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise _Bad(f"{where} needs a number, got {value!r}.")
    return int(text) if re.fullmatch(r"[-+]?\d+", text) else float(text)


def _quoted(values: Any) -> str:
    items = values if isinstance(values, (list, tuple)) else (values,)
    return ", ".join(repr(v) if isinstance(v, str) else str(v) for v in items)


# ---------------------------------------------------------------- steps

@dataclass(frozen=True)
class _Step:
    op: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"op": ..., field: value}, tuples as lists."""
        out: dict[str, Any] = {"op": self.op}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else dict(value) if isinstance(value, dict) else value
        return out

    def _check(self, s: _Shape) -> _Shape:
        raise NotImplementedError

    def _build(self, s: _Shape) -> exp.Select:
        raise NotImplementedError


@dataclass(frozen=True)
class Rename(_Step):
    op: ClassVar[str] = "rename"
    column: str
    to: str

    def _check(self, s: _Shape) -> _Shape:
        s.fresh(self.to, replacing=s.need(self.column))
        columns = [self.to if c == self.column else c for c in s.columns]
        return s.after(columns, {self.to: s.kinds.get(self.column, "")})

    def _build(self, s: _Shape) -> exp.Select:
        return exp.select(_col(ROW), *(exp.alias_(_col(c), self.to if c == self.column else c, quoted=True)
                                       for c in s.columns))


@dataclass(frozen=True)
class Cast(_Step):
    """Change a column's type; values that cannot be read as the new type become NULL.

    Numbers may be written '1,200' or '¥5' (integers are rounded); dates also as 2024/1/5,
    2024年1月5日, 2024.01.05 or 20240105; yes/no also as t/f, 1/0, 是/否.
    """

    op: ClassVar[str] = "cast"
    column: str
    to: str

    def _check(self, s: _Shape) -> _Shape:
        s.need(self.column)
        if self.to not in CAST_TYPES:
            raise _Bad(f"cannot convert {self.column!r} to {self.to!r}; choose one of {', '.join(CAST_TYPES)}.")
        kind = {"integer": "number", "decimal": "number"}.get(self.to, self.to)
        return s.after(s.columns, {self.column: kind})

    def _build(self, s: _Shape) -> exp.Select:
        value: exp.Expression = _col(self.column)
        text = exp.cast(_col(self.column), "VARCHAR")
        if self.to in ("integer", "decimal"):  # '1,234', ' ¥5 ' read as numbers
            value = _fn("REGEXP_REPLACE", text, r"[,\s¥￥$]", "", "g")
        if self.to == "boolean":
            word = exp.Lower(this=exp.Trim(this=text))
            cast = exp.Case().when(exp.In(this=word, expressions=[exp.convert(w) for w in TRUE_WORDS]), exp.true()) \
                .when(exp.In(this=word.copy(), expressions=[exp.convert(w) for w in FALSE_WORDS]), exp.false())
        elif self.to in ("date", "timestamp"):
            formats = exp.Array(expressions=[exp.convert(f) for f in DATE_FORMATS])
            value = value if s.kinds.get(self.column) in ("date", "timestamp") else text
            cast = exp.Coalesce(this=exp.TryCast(this=value, to=exp.DataType.build("TIMESTAMP")),
                                expressions=[_fn("TRY_STRPTIME", text, formats)])
            cast = exp.cast(cast, CAST_TYPES[self.to]) if self.to == "date" else cast
        else:
            cast = exp.TryCast(this=value, to=exp.DataType.build(CAST_TYPES[self.to]))
        return _select(s, {self.column: cast})


@dataclass(frozen=True)
class Trim(_Step):
    op: ClassVar[str] = "trim"
    column: str

    def _check(self, s: _Shape) -> _Shape:
        s.text(s.need(self.column))
        return s.after(s.columns, {self.column: "text"})

    def _build(self, s: _Shape) -> exp.Select:
        return _select(s, {self.column: exp.Trim(this=s.text(self.column), expression=exp.convert(BLANKS))})


@dataclass(frozen=True)
class Case(_Step):
    op: ClassVar[str] = "case"
    column: str
    mode: str

    def _check(self, s: _Shape) -> _Shape:
        s.text(s.need(self.column))
        if self.mode not in CASE_MODES:
            raise _Bad(f"unknown case {self.mode!r}; choose one of {', '.join(CASE_MODES)}.")
        return s.after(s.columns, {self.column: "text"})

    def _build(self, s: _Shape) -> exp.Select:
        text = s.text(self.column)
        if self.mode != "title":
            return _select(s, {self.column: (exp.Lower if self.mode == "lower" else exp.Upper)(this=text)})
        word = exp.to_identifier("__w")  # DuckDB has no INITCAP: capitalise each word of the lower-cased text
        first = exp.Upper(this=exp.Substring(this=exp.column(word), start=exp.convert(1), length=exp.convert(1)))
        cap = exp.Lambda(this=exp.DPipe(this=first, expression=exp.Substring(this=exp.column(word),
                                                                             start=exp.convert(2))),
                         expressions=[word])
        words = _fn("LIST_TRANSFORM", _fn("STRING_SPLIT", exp.Lower(this=text), " "), cap)
        return _select(s, {self.column: _fn("ARRAY_TO_STRING", words, " ")})


@dataclass(frozen=True)
class Fill(_Step):
    """Fill NULLs: with a value, the column's mean or median, or the last value above (in file order)."""

    op: ClassVar[str] = "fill"
    column: str
    method: str
    value: Any = None

    def _check(self, s: _Shape) -> _Shape:
        kind = s.kinds.get(s.need(self.column), "")
        if self.method not in FILL_METHODS:
            raise _Bad(f"unknown fill method {self.method!r}; choose one of {', '.join(FILL_METHODS)}.")
        if self.method in ("mean", "median") and kind not in ("", "number"):
            raise _Bad(f"{self.column!r} holds {kind} values; a {self.method} needs numbers.")
        if self.method == "value":
            _literal(self.value, kind, f"filling {self.column!r}")
        return s.after(s.columns, {})

    def _build(self, s: _Shape) -> exp.Select:
        column = _col(self.column)
        if self.method == "value":
            fill: exp.Expression = _literal(self.value, s.kinds.get(self.column, ""), "")
        elif self.method == "forward":
            spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW")
            fill = exp.Window(this=exp.IgnoreNulls(this=exp.LastValue(this=column.copy())),
                              order=exp.Order(expressions=[exp.Ordered(this=_col(ROW))]), spec=spec)
        else:
            fill = exp.Window(this=(exp.Avg if self.method == "mean" else exp.Median)(this=column.copy()))
        return _select(s, {self.column: exp.Coalesce(this=column, expressions=[fill])})


@dataclass(frozen=True)
class DropDuplicates(_Step):
    """Keep the first row (in file order) of each group of rows equal on `keys` (all columns if empty)."""

    op: ClassVar[str] = "drop_duplicates"
    keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))

    def _check(self, s: _Shape) -> _Shape:
        for key in self.keys:
            s.need(key)
        return s.after(s.columns, {})

    def _build(self, s: _Shape) -> exp.Select:
        first = exp.Window(this=exp.RowNumber(), partition_by=[_col(k) for k in self.keys or s.columns],
                           order=exp.Order(expressions=[exp.Ordered(this=_col(ROW))]))
        return _select(s, {}).qualify(exp.EQ(this=first, expression=exp.convert(1)))


@dataclass(frozen=True)
class Filter(_Step):
    """Keep the rows that match. '!=' and 'not in' keep empty cells: NULL differs from every value."""

    op: ClassVar[str] = "filter"
    column: str
    operator: str
    value: Any = None

    def __post_init__(self) -> None:
        if isinstance(self.value, list):
            object.__setattr__(self, "value", tuple(self.value))

    def _check(self, s: _Shape) -> _Shape:
        self._condition(s)
        return s.after(s.columns, {})

    def _build(self, s: _Shape) -> exp.Select:
        return _select(s, {}).where(self._condition(s))

    def _condition(self, s: _Shape) -> exp.Expression:
        column, op, where = _col(s.need(self.column)), self.operator, f"the filter on {self.column!r}"
        kind = s.kinds.get(self.column, "")
        if op not in FILTER_OPS:
            raise _Bad(f"unknown comparison {op!r}; choose one of {', '.join(FILTER_OPS)}.")
        if op in ("is null", "is not null"):
            empty = exp.Is(this=column, expression=exp.Null())
            return empty if op == "is null" else exp.not_(empty)
        if op in ("in", "not in"):
            if not isinstance(self.value, tuple) or not self.value:
                raise _Bad(f"{where} with {op!r} needs a list of values.")
            test = exp.In(this=column, expressions=[_literal(v, kind, where) for v in self.value])
            return test if op == "in" else exp.or_(exp.Is(this=column.copy(), expression=exp.Null()), exp.not_(test))
        if op in ("contains", "starts with"):
            text = _literal(self.value, "text", where)
            return _fn("CONTAINS" if op == "contains" else "STARTS_WITH", s.text(self.column), text)
        compare = {"=": exp.EQ, "!=": exp.NullSafeNEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE}[op]
        return compare(this=column, expression=_literal(self.value, kind, where))


@dataclass(frozen=True)
class Split(_Step):
    """Cut a text column at `separator` into new columns after it; the last one keeps the rest."""

    op: ClassVar[str] = "split"
    column: str
    separator: str
    into: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "into", tuple(self.into))

    def _check(self, s: _Shape) -> _Shape:
        s.text(s.need(self.column))
        if not isinstance(self.separator, str) or not self.separator:
            raise _Bad(f"splitting {self.column!r} needs a separator.")
        if len(self.into) < 2:
            raise _Bad(f"splitting {self.column!r} needs at least two new column names.")
        names = [s.fresh(n) for n in self.into]
        if len({n.lower() for n in names}) < len(names):
            raise _Bad("the new column names repeat; give each part its own name.")
        at = s.columns.index(self.column) + 1
        return s.after([*s.columns[:at], *names, *s.columns[at:]], dict.fromkeys(names, "text"))

    def _build(self, s: _Shape) -> exp.Select:
        text, last = s.text(self.column), len(self.into)
        parts = [_fn("SPLIT_PART", text.copy(), self.separator, i) for i in range(1, last)]
        rest = _fn("LIST_SLICE", _fn("STRING_SPLIT", text.copy(), self.separator), last, -1)
        parts.append(_fn("ARRAY_TO_STRING", rest, self.separator))
        at = s.columns.index(self.column) + 1
        new = [exp.alias_(exp.Nullif(this=p, expression=exp.convert("")), n, quoted=True)
               for p, n in zip(parts, self.into, strict=True)]
        select = _select(s, {})
        select.set("expressions", [*select.expressions[:at + 1], *new, *select.expressions[at + 1:]])
        return select


@dataclass(frozen=True)
class Merge(_Step):
    """Join columns' text with `separator` into a new last column; empty cells are skipped."""

    op: ClassVar[str] = "merge"
    columns: tuple[str, ...]
    separator: str
    into: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))

    def _check(self, s: _Shape) -> _Shape:
        if len(self.columns) < 2:
            raise _Bad("merging needs at least two columns.")
        for column in self.columns:
            s.need(column)
        if not isinstance(self.separator, str):
            raise _Bad("merging needs a separator (it may be empty).")
        return s.after([*s.columns, s.fresh(self.into)], {self.into: "text"})

    def _build(self, s: _Shape) -> exp.Select:
        joined = _fn("CONCAT_WS", self.separator, *(exp.cast(_col(c), "VARCHAR") for c in self.columns))
        return _select(s, {}).select(exp.alias_(exp.Nullif(this=joined, expression=exp.convert("")),
                                                self.into, quoted=True))


@dataclass(frozen=True)
class MapValues(_Step):
    """Replace whole values by the table (微信 → WeChat); `other` keeps the rest or empties it. Gives text."""

    op: ClassVar[str] = "map_values"
    column: str
    mapping: dict[str, str | None] = field(hash=False)
    other: str = "keep"

    def _check(self, s: _Shape) -> _Shape:
        s.need(self.column)
        if not isinstance(self.mapping, dict) or not self.mapping:
            raise _Bad(f"replacing values in {self.column!r} needs at least one pair 'old → new'.")
        if self.other not in MAP_OTHER:
            raise _Bad(f"unknown choice for other values {self.other!r}; choose 'keep' or 'null'.")
        return s.after(s.columns, {self.column: "text"})

    def _build(self, s: _Shape) -> exp.Select:
        text = exp.cast(_col(self.column), "VARCHAR")
        case = exp.Case(this=text, default=text.copy() if self.other == "keep" else exp.Null())
        for old, new in self.mapping.items():
            case = case.when(exp.convert(str(old)), exp.Null() if new is None else exp.convert(str(new)))
        return _select(s, {self.column: case})


@dataclass(frozen=True)
class Derive(_Step):
    """A new last column computed row by row from a formula over the columns (checked, never run as typed)."""

    op: ClassVar[str] = "derive"
    name: str
    expression: str

    def _check(self, s: _Shape) -> _Shape:
        _formula(self.expression, s.columns)
        return s.after([*s.columns, s.fresh(self.name)], {})

    def _build(self, s: _Shape) -> exp.Select:
        return _select(s, {}).select(exp.alias_(_formula(self.expression, s.columns), self.name, quoted=True))


Step = Rename | Cast | Trim | Case | Fill | DropDuplicates | Filter | Split | Merge | MapValues | Derive
STEP_TYPES: dict[str, type[_Step]] = {cls.op: cls for cls in
                                      (Rename, Cast, Trim, Case, Fill, DropDuplicates, Filter, Split, Merge,
                                       MapValues, Derive)}


# ---------------------------------------------------------------- derive: the formula check

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
_FORMULA_HELP = ("Use columns, numbers, text, + - * /, comparisons, CASE, COALESCE and functions such as "
                 "lower, round, year or date_trunc.")


def _formula(text: str, columns: list[str]) -> exp.Expression:
    """A derive formula as a checked tree, its column names resolved and quoted.

    >>> _formula("单价 * qty", ["单价", "Qty"]).sql("duckdb")
    '"单价" * "Qty"'
    """
    tree = _parse_formula(text)
    for node in tree.walk():
        _allowed(node)
    return tree.transform(lambda node: _resolve(node, columns) if isinstance(node, exp.Column) else node)


def _parse_formula(text: str) -> exp.Expression:
    if not isinstance(text, str) or not text.strip():
        raise _Bad("the formula is empty.")
    try:
        statements = [s for s in sqlglot.parse(text, read="duckdb") if s is not None]
    except SqlglotError as err:
        raise _Bad(f"could not read the formula {text!r}: {str(err).splitlines()[0]}") from err
    if len(statements) != 1:
        raise _Bad(f"a formula is one expression; {text!r} has {len(statements)} statements (';' is not allowed).")
    return statements[0]


def _allowed(node: exp.Expression) -> None:
    if isinstance(node, exp.Func):
        name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
        if name in FORMULA_FUNCTIONS:
            return
        if isinstance(node, exp.AggFunc):
            raise _Bad(f"{name} combines many rows; a derived column is computed row by row. {_FORMULA_HELP}")
        raise _Bad(f"the function {name} is not allowed in a formula. {_FORMULA_HELP}")
    if type(node) in FORMULA_NODES:
        return
    if isinstance(node, (exp.Query, exp.Subquery)):
        raise _Bad(f"a subquery (SELECT) is not allowed in a formula. {_FORMULA_HELP}")
    what = {"Window": "window functions (OVER) are", "Star": "'*' is", "Placeholder": "parameters are"}.get(
        type(node).__name__, f"{node.sql('duckdb')[:40]!r} is")
    raise _Bad(f"{what} not allowed in a formula. {_FORMULA_HELP}")


def _resolve(node: exp.Column, columns: list[str]) -> exp.Column:
    """A formula's column by its exact name, or by a unique case-insensitive match (as DuckDB reads names)."""
    if node.table:
        raise _Bad(f"refer to columns by their name alone, not {node.sql('duckdb')!r}.")
    matches = [c for c in columns if c == node.name] or [c for c in columns if c.lower() == node.name.lower()]
    if len(matches) != 1:
        hint = suggest(node.name, columns)
        did = f" Did you mean {' or '.join(repr(h) for h in hint)}?" if hint else ""
        raise _Bad(f"the formula uses {node.name!r}, which is not a column.{did}")
    return _col(matches[0])


# ---------------------------------------------------------------- the recipe

def _steps(columns: list[str], steps: list[Step], types: Mapping[str, str] | None
           ) -> Iterator[tuple[int, Step, _Shape, _Shape]]:
    """Each step with the shapes before and after it; a bad step raises IngestError naming it."""
    kinds = {c: _kind(t) for c, t in (types or {}).items()}
    shape = _Shape([c for c in columns if c != ROW], {c: kinds.get(c, "") for c in columns})
    for n, step in enumerate(steps, start=1):
        if not isinstance(step, _Step):
            raise IngestError(f"Step {n} is not a cleaning step: {step!r}.")
        try:
            after = step._check(shape)
        except _Bad as err:
            raise IngestError(f"Step {n} ({step.op}): {err}") from None
        yield n, step, shape, after
        shape = after


def check_recipe(columns: list[str], steps: list[Step], types: Mapping[str, str] | None = None) -> list[str]:
    """The columns after all steps, or IngestError naming the first bad step.

    `types` (column → DuckDB type, from DESCRIBE of the raw table) lets it also refuse a mean of a
    text column or a trim of a number column before any SQL runs.

    >>> check_recipe(["a"], [Rename("b", "c")])
    Traceback (most recent call last):
    ...
    errors.IngestError: Step 1 (rename): there is no column 'b'.
    """
    final = [c for c in columns if c != ROW]
    for _n, _step, _before, after in _steps(columns, steps, types):
        final = after.columns
    return final


def recipe_select(raw_table: str, columns: list[str], steps: list[Step],
                  types: Mapping[str, str] | None = None) -> exp.Select:
    """The cleaned table as one SELECT over `raw_table`: a CTE per step, rows in file order, no `__row`.

    `columns` are the raw table's columns except `__row`; `types` as for `check_recipe`.

    >>> recipe_select("_raw_t", ["a"], [Rename("a", "b")]).sql("duckdb")
    'WITH "__step_0" AS (SELECT "__row", "a" FROM "_raw_t"), "__step_1" AS (SELECT "__row", "a" AS "b" \
FROM "__step_0") SELECT "b" FROM "__step_1" ORDER BY "__row"'
    """
    final = [c for c in columns if c != ROW]
    ctes = [("__step_0", exp.select(_col(ROW), *(_col(c) for c in final)).from_(_table(raw_table)))]
    for n, step, before, after in _steps(columns, steps, types):
        ctes.append((f"__step_{n}", step._build(before).from_(_table(ctes[-1][0]))))
        final = after.columns
    select = exp.select(*(_col(c) for c in final)).from_(_table(ctes[-1][0]))
    for name, query in ctes:
        select = select.with_(exp.to_identifier(name, quoted=True), as_=query)
    return select.order_by(_col(ROW))


def step_from_dict(d: Mapping[str, Any]) -> Step:
    """A step back from its saved JSON (`to_dict`), or IngestError saying what is wrong."""
    op = d.get("op") if isinstance(d, Mapping) else None
    cls = STEP_TYPES.get(op) if isinstance(op, str) else None
    if cls is None:
        hint = suggest(str(op), STEP_TYPES) if isinstance(op, str) else []
        did = f" Did you mean {' or '.join(repr(h) for h in hint)}?" if hint else ""
        raise IngestError(f"Unknown cleaning step {op!r}.{did} Steps: {', '.join(STEP_TYPES)}.")
    args = {k: v for k, v in d.items() if k != "op"}
    try:
        return cls(**args)  # type: ignore[return-value]
    except TypeError as err:
        need = [f.name for f in fields(cls) if f.name not in args and f.default is MISSING]
        extra = sorted(set(args) - {f.name for f in fields(cls)})
        problem = f"needs {', '.join(need)}" if need else f"does not take {', '.join(extra)}" if extra else \
            f"has a value of the wrong kind ({err})"
        raise IngestError(f"The {op} step {problem}.") from None


# ---------------------------------------------------------------- describe

_TEXT: dict[str, tuple[str, str]] = {
    "rename": ("Rename {column} to {to}", "将 {column} 重命名为 {to}"),
    "cast": ("Convert {column} to {to}; values that cannot be converted become empty",
             "将 {column} 转换为{to}，无法转换的值变为空"),
    "trim": ("Trim spaces around {column}", "去除 {column} 首尾的空格"),
    "case": ("Make {column} {mode}", "将 {column} 转为{mode}"),
    "fill": ("Fill empty cells of {column} with {method}", "用{method}填充 {column} 的空值"),
    "drop_duplicates": ("Remove duplicate rows{keys}, keeping the first", "删除重复行{keys}，保留第一行"),
    "filter": ("Keep rows where {column} {operator}{value}", "只保留 {column} {operator}{value}的行"),
    "split": ("Split {column} at {separator} into {into}", "按 {separator} 将 {column} 拆分为 {into}"),
    "merge": ("Merge {columns} with {separator} into {into}", "用 {separator} 连接 {columns}，生成 {into}"),
    "map_values": ("Replace values of {column}: {mapping}; {other}", "替换 {column} 的值：{mapping}；{other}"),
    "derive": ("Add column {name} = {expression}", "新增列 {name} = {expression}"),
}
_WORDS: dict[str, tuple[str, str]] = {
    "integer": ("integer", "整数"), "decimal": ("decimal", "小数"), "text": ("text", "文本"),
    "date": ("date", "日期"), "timestamp": ("date and time", "日期时间"), "boolean": ("yes/no", "是/否"),
    "lower": ("lower case", "小写"), "upper": ("upper case", "大写"), "title": ("title case", "首字母大写"),
    "mean": ("the column mean", "平均值"), "median": ("the column median", "中位数"),
    "forward": ("the value above", "上一行的值"),
    "=": ("=", "等于"), "!=": ("≠", "不等于"), ">": (">", "大于"), ">=": ("≥", "大于等于"), "<": ("<", "小于"),
    "<=": ("≤", "小于等于"), "in": ("is one of", "属于"), "not in": ("is not one of", "不属于"),
    "contains": ("contains", "包含"), "starts with": ("starts with", "开头是"),
    "is null": ("is empty", "为空"), "is not null": ("is not empty", "不为空"),
    "keep": ("other values kept", "其他值保留"), "null": ("other values emptied", "其他值置空"),
}


def describe(step: Step, lang: str) -> str:
    """The step in words for the recipe list, in English or Simplified Chinese.

    >>> describe(Fill("金额", "median"), "en"), describe(Fill("金额", "value", 0), "zh")
    ("Fill empty cells of '金额' with the column median", "用 0 填充 '金额' 的空值")
    """
    zh = lang.lower().startswith("zh")
    return _TEXT[step.op][zh].format(**_slots(step, zh))


def _slots(step: Step, zh: bool) -> dict[str, str]:
    """The step's fields as the words `_TEXT` puts in its blanks."""
    def word(key: Any) -> str:
        return _WORDS.get(str(key), (str(key), str(key)))[zh]

    def names(items: Any) -> str:
        return ("、" if zh else ", ").join(f"'{i}'" for i in items)

    slots = {f.name: f"'{getattr(step, f.name)}'" for f in fields(step)}
    slots["into"] = names(step.into) if isinstance(step, Split) else slots.get("into", "")
    if isinstance(step, (Cast, Case)):
        slots.update(to=word(getattr(step, "to", "")), mode=word(getattr(step, "mode", "")))
    elif isinstance(step, Fill):
        value = f" {_quoted(step.value)} " if zh else _quoted(step.value)
        slots["method"] = value if step.method == "value" else word(step.method)
    elif isinstance(step, DropDuplicates) and step.keys:
        slots["keys"] = f"（{names(step.keys)} 相同）" if zh else f" (same {names(step.keys)})"
    elif isinstance(step, Filter):
        value = "" if step.value is None else ("、" if zh else ", ").join(_quoted(v) for v in
                                                                         _as_tuple(step.value))
        slots.update(operator=word(step.operator), value=f" {value} " if zh and value else f" {value}" if value
                     else "")
    elif isinstance(step, Merge):
        slots["columns"] = names(step.columns)
    elif isinstance(step, MapValues):
        empty = "空" if zh else "empty"
        slots.update(mapping=("，" if zh else ", ").join(
            f"'{k}' → " + (empty if v is None else f"'{v}'") for k, v in step.mapping.items()), other=word(step.other))
    elif isinstance(step, Derive):
        slots["expression"] = step.expression.strip()
    return slots | ({"keys": ""} if isinstance(step, DropDuplicates) and not step.keys else {})


def _as_tuple(value: Any) -> tuple[Any, ...]:
    return value if isinstance(value, tuple) else (value,)
