"""The cleaning steps a marketer picks from menus, each a frozen dataclass that checks and builds itself.

A step has two halves. `check` reads the shape left by the step before (columns and their
kinds) and returns the shape it leaves, refusing in words what does not fit, before any SQL
runs. `build` turns the step into one SELECT over the previous step's rows, keeping `__row`
so file order survives. `ingest.recipe` chains them and re-exports every name defined here.

>>> step = Rename("Qty", "quantity")
>>> step.check(Shape(["Qty"], {"Qty": "number"})), step.to_dict()
(Shape(columns=['quantity'], kinds={'quantity': 'number'}), {'op': 'rename', 'column': 'Qty', 'to': 'quantity'})
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from sqlglot import exp

from ingest.formula import parse_formula
from ingest.recipe_shape import CAST_TYPES, ROW, TRUE_WORDS, Shape, StepError, col, fn, literal, shape_select
from viz.i18n import keyed_error

CASE_MODES = ("lower", "upper", "title")
FILL_METHODS = ("value", "mean", "median", "forward")
FILTER_OPS = ("=", "!=", ">", ">=", "<", "<=", "in", "not in", "contains", "starts with", "is null", "is not null")
MAP_OTHER = ("keep", "null")
# Text that a cast to date/timestamp also reads, beside ISO dates.
DATE_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d")
FALSE_WORDS = ("false", "f", "no", "n", "0", "否", "错", "假")
BLANKS = " \t\r\n\u3000"  # trim also removes the full-width space of Chinese text


@dataclass(frozen=True)
class BaseStep:
    """What every step has: a name for its JSON (`op`), a check against a shape, and a SELECT."""

    op: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: {"op": ..., field: value}, tuples as lists."""
        out: dict[str, Any] = {"op": self.op}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else dict(value) if isinstance(value, dict) else value
        return out

    def check(self, s: Shape) -> Shape:
        """The shape after this step, or StepError when the step does not fit `s`."""
        raise NotImplementedError

    def build(self, s: Shape) -> exp.Select:
        """This step as a SELECT over rows of shape `s` (already checked); the caller adds FROM."""
        raise NotImplementedError


@dataclass(frozen=True)
class Rename(BaseStep):
    op: ClassVar[str] = "rename"
    column: str
    to: str

    def check(self, s: Shape) -> Shape:
        s.fresh(self.to, replacing=s.need(self.column))
        columns = [self.to if c == self.column else c for c in s.columns]
        return s.after(columns, {self.to: s.kinds.get(self.column, "")})

    def build(self, s: Shape) -> exp.Select:
        return exp.select(col(ROW), *(exp.alias_(col(c), self.to if c == self.column else c, quoted=True)
                                       for c in s.columns))


@dataclass(frozen=True)
class Cast(BaseStep):
    """Change a column's type; values that cannot be read as the new type become NULL.

    Numbers may be written '1,200' or '¥5' (integers are rounded); dates also as 2024/1/5,
    2024年1月5日, 2024.01.05 or 20240105; yes/no also as t/f, 1/0, 是/否.
    """

    op: ClassVar[str] = "cast"
    column: str
    to: str

    def check(self, s: Shape) -> Shape:
        s.need(self.column)
        if self.to not in CAST_TYPES:
            raise keyed_error(StepError, "errors.recipe.cast_to", column=self.column, to=repr(self.to),
                              choices=", ".join(CAST_TYPES))
        kind = {"integer": "number", "decimal": "number"}.get(self.to, self.to)
        return s.after(s.columns, {self.column: kind})

    def build(self, s: Shape) -> exp.Select:
        value: exp.Expression = col(self.column)
        text = exp.cast(col(self.column), "VARCHAR")
        if self.to in ("integer", "decimal"):  # '1,234', ' ¥5 ' read as numbers
            value = fn("REGEXP_REPLACE", text, r"[,\s¥￥$]", "", "g")
        if self.to == "boolean":
            word = exp.Lower(this=exp.Trim(this=text))
            cast = exp.Case().when(exp.In(this=word, expressions=[exp.convert(w) for w in TRUE_WORDS]), exp.true()) \
                .when(exp.In(this=word.copy(), expressions=[exp.convert(w) for w in FALSE_WORDS]), exp.false())
        elif self.to in ("date", "timestamp"):
            formats = exp.Array(expressions=[exp.convert(f) for f in DATE_FORMATS])
            value = value if s.kinds.get(self.column) in ("date", "timestamp") else text
            cast = exp.Coalesce(this=exp.TryCast(this=value, to=exp.DataType.build("TIMESTAMP")),
                                expressions=[fn("TRY_STRPTIME", text, formats)])
            cast = exp.cast(cast, CAST_TYPES[self.to]) if self.to == "date" else cast
        else:
            cast = exp.TryCast(this=value, to=exp.DataType.build(CAST_TYPES[self.to]))
        return shape_select(s, {self.column: cast})


@dataclass(frozen=True)
class Trim(BaseStep):
    op: ClassVar[str] = "trim"
    column: str

    def check(self, s: Shape) -> Shape:
        s.text(s.need(self.column))
        return s.after(s.columns, {self.column: "text"})

    def build(self, s: Shape) -> exp.Select:
        return shape_select(s, {self.column: exp.Trim(this=s.text(self.column), expression=exp.convert(BLANKS))})


@dataclass(frozen=True)
class Case(BaseStep):
    op: ClassVar[str] = "case"
    column: str
    mode: str

    def check(self, s: Shape) -> Shape:
        s.text(s.need(self.column))
        if self.mode not in CASE_MODES:
            raise keyed_error(StepError, "errors.recipe.case_mode", mode=repr(self.mode), choices=", ".join(CASE_MODES))
        return s.after(s.columns, {self.column: "text"})

    def build(self, s: Shape) -> exp.Select:
        text = s.text(self.column)
        if self.mode != "title":
            return shape_select(s, {self.column: (exp.Lower if self.mode == "lower" else exp.Upper)(this=text)})
        word = exp.to_identifier("__w")  # DuckDB has no INITCAP: capitalise each word of the lower-cased text
        first = exp.Upper(this=exp.Substring(this=exp.column(word), start=exp.convert(1), length=exp.convert(1)))
        cap = exp.Lambda(this=exp.DPipe(this=first, expression=exp.Substring(this=exp.column(word),
                                                                             start=exp.convert(2))),
                         expressions=[word])
        words = fn("LIST_TRANSFORM", fn("STRING_SPLIT", exp.Lower(this=text), " "), cap)
        return shape_select(s, {self.column: fn("ARRAY_TO_STRING", words, " ")})


@dataclass(frozen=True)
class Fill(BaseStep):
    """Fill NULLs: with a value, the column's mean or median, or the last value above (in file order)."""

    op: ClassVar[str] = "fill"
    column: str
    method: str
    value: Any = None

    def check(self, s: Shape) -> Shape:
        kind = s.kinds.get(s.need(self.column), "")
        if self.method not in FILL_METHODS:
            raise keyed_error(StepError, "errors.recipe.fill_method", method=repr(self.method),
                              choices=", ".join(FILL_METHODS))
        if self.method in ("mean", "median") and kind not in ("", "number"):
            raise keyed_error(StepError, "errors.recipe.needs_numbers", column=self.column,
                              kind_key=f"errors.recipe.kind.{kind}", method_key=f"errors.recipe.method.{self.method}")
        if self.method == "value":
            literal(self.value, kind, ("fill", self.column))
        return s.after(s.columns, {})

    def build(self, s: Shape) -> exp.Select:
        column = col(self.column)
        if self.method == "value":
            fill: exp.Expression = literal(self.value, s.kinds.get(self.column, ""), ("fill", self.column))
        elif self.method == "forward":
            spec = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW")
            fill = exp.Window(this=exp.IgnoreNulls(this=exp.LastValue(this=column.copy())),
                              order=exp.Order(expressions=[exp.Ordered(this=col(ROW))]), spec=spec)
        else:
            fill = exp.Window(this=(exp.Avg if self.method == "mean" else exp.Median)(this=column.copy()))
        return shape_select(s, {self.column: exp.Coalesce(this=column, expressions=[fill])})


@dataclass(frozen=True)
class DropDuplicates(BaseStep):
    """Keep the first row (in file order) of each group of rows equal on `keys` (all columns if empty)."""

    op: ClassVar[str] = "drop_duplicates"
    keys: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))

    def check(self, s: Shape) -> Shape:
        for key in self.keys:
            s.need(key)
        return s.after(s.columns, {})

    def build(self, s: Shape) -> exp.Select:
        first = exp.Window(this=exp.RowNumber(), partition_by=[col(k) for k in self.keys or s.columns],
                           order=exp.Order(expressions=[exp.Ordered(this=col(ROW))]))
        return shape_select(s, {}).qualify(exp.EQ(this=first, expression=exp.convert(1)))


@dataclass(frozen=True)
class Filter(BaseStep):
    """Keep the rows that match. '!=' and 'not in' keep empty cells: NULL differs from every value."""

    op: ClassVar[str] = "filter"
    column: str
    operator: str
    value: Any = None

    def __post_init__(self) -> None:
        if isinstance(self.value, list):
            object.__setattr__(self, "value", tuple(self.value))

    def check(self, s: Shape) -> Shape:
        self._condition(s)
        return s.after(s.columns, {})

    def build(self, s: Shape) -> exp.Select:
        return shape_select(s, {}).where(self._condition(s))

    def _condition(self, s: Shape) -> exp.Expression:
        column, op, where = col(s.need(self.column)), self.operator, ("filter", self.column)
        kind = s.kinds.get(self.column, "")
        if op not in FILTER_OPS:
            raise keyed_error(StepError, "errors.recipe.comparison", op=repr(op), choices=", ".join(FILTER_OPS))
        if op in ("is null", "is not null"):
            empty = exp.Is(this=column, expression=exp.Null())
            return empty if op == "is null" else exp.not_(empty)
        if op in ("in", "not in"):
            if not isinstance(self.value, tuple) or not self.value:
                raise keyed_error(StepError, "errors.recipe.list_value", where_key="errors.recipe.where.filter",
                                  column=self.column, op=repr(op))
            test = exp.In(this=column, expressions=[literal(v, kind, where) for v in self.value])
            return test if op == "in" else exp.or_(exp.Is(this=column.copy(), expression=exp.Null()), exp.not_(test))
        if op in ("contains", "starts with"):
            text = literal(self.value, "text", where)
            return fn("CONTAINS" if op == "contains" else "STARTS_WITH", s.text(self.column), text)
        compare = {"=": exp.EQ, "!=": exp.NullSafeNEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE}[op]
        return compare(this=column, expression=literal(self.value, kind, where))


@dataclass(frozen=True)
class Split(BaseStep):
    """Cut a text column at `separator` into new columns after it; the last one keeps the rest."""

    op: ClassVar[str] = "split"
    column: str
    separator: str
    into: tuple[str, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "into", tuple(self.into))

    def check(self, s: Shape) -> Shape:
        s.text(s.need(self.column))
        if not isinstance(self.separator, str) or not self.separator:
            raise keyed_error(StepError, "errors.recipe.split_separator", column=self.column)
        if len(self.into) < 2:
            raise keyed_error(StepError, "errors.recipe.split_into", column=self.column)
        names = [s.fresh(n) for n in self.into]
        if len({n.lower() for n in names}) < len(names):
            raise keyed_error(StepError, "errors.recipe.split_repeat")
        at = s.columns.index(self.column) + 1
        return s.after([*s.columns[:at], *names, *s.columns[at:]], dict.fromkeys(names, "text"))

    def build(self, s: Shape) -> exp.Select:
        text, last = s.text(self.column), len(self.into)
        parts = [fn("SPLIT_PART", text.copy(), self.separator, i) for i in range(1, last)]
        rest = fn("LIST_SLICE", fn("STRING_SPLIT", text.copy(), self.separator), last, -1)
        parts.append(fn("ARRAY_TO_STRING", rest, self.separator))
        at = s.columns.index(self.column) + 1
        new = [exp.alias_(exp.Nullif(this=p, expression=exp.convert("")), n, quoted=True)
               for p, n in zip(parts, self.into, strict=True)]
        select = shape_select(s, {})
        select.set("expressions", [*select.expressions[:at + 1], *new, *select.expressions[at + 1:]])
        return select


@dataclass(frozen=True)
class Merge(BaseStep):
    """Join columns' text with `separator` into a new last column; empty cells are skipped."""

    op: ClassVar[str] = "merge"
    columns: tuple[str, ...]
    separator: str
    into: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))

    def check(self, s: Shape) -> Shape:
        if len(self.columns) < 2:
            raise keyed_error(StepError, "errors.recipe.merge_columns")
        for column in self.columns:
            s.need(column)
        if not isinstance(self.separator, str):
            raise keyed_error(StepError, "errors.recipe.merge_separator")
        return s.after([*s.columns, s.fresh(self.into)], {self.into: "text"})

    def build(self, s: Shape) -> exp.Select:
        joined = fn("CONCAT_WS", self.separator, *(exp.cast(col(c), "VARCHAR") for c in self.columns))
        return shape_select(s, {}).select(exp.alias_(exp.Nullif(this=joined, expression=exp.convert("")),
                                                self.into, quoted=True))


@dataclass(frozen=True)
class MapValues(BaseStep):
    """Replace whole values by the table (微信 → WeChat); `other` keeps the rest or empties it. Gives text."""

    op: ClassVar[str] = "map_values"
    column: str
    mapping: dict[str, str | None] = field(hash=False)
    other: str = "keep"

    def check(self, s: Shape) -> Shape:
        s.need(self.column)
        if not isinstance(self.mapping, dict) or not self.mapping:
            raise keyed_error(StepError, "errors.recipe.map_pairs", column=self.column)
        if self.other not in MAP_OTHER:
            raise keyed_error(StepError, "errors.recipe.map_other", other=repr(self.other))
        return s.after(s.columns, {self.column: "text"})

    def build(self, s: Shape) -> exp.Select:
        text = exp.cast(col(self.column), "VARCHAR")
        case = exp.Case(this=text, default=text.copy() if self.other == "keep" else exp.Null())
        for old, new in self.mapping.items():
            case = case.when(exp.convert(str(old)), exp.Null() if new is None else exp.convert(str(new)))
        return shape_select(s, {self.column: case})


@dataclass(frozen=True)
class Derive(BaseStep):
    """A new last column computed row by row from a formula over the columns (checked, never run as typed)."""

    op: ClassVar[str] = "derive"
    name: str
    expression: str

    def check(self, s: Shape) -> Shape:
        parse_formula(self.expression, s.columns)
        return s.after([*s.columns, s.fresh(self.name)], {})

    def build(self, s: Shape) -> exp.Select:
        return shape_select(s, {}).select(exp.alias_(parse_formula(self.expression, s.columns), self.name, quoted=True))


Step = Rename | Cast | Trim | Case | Fill | DropDuplicates | Filter | Split | Merge | MapValues | Derive
STEP_TYPES: dict[str, type[BaseStep]] = {cls.op: cls for cls in
                                         (Rename, Cast, Trim, Case, Fill, DropDuplicates, Filter, Split, Merge,
                                          MapValues, Derive)}
