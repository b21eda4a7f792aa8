"""Cleaning recipes: steps a marketer picks from menus, replayed as one query over the raw rows.

A load keeps the converted rows in `_raw_<table>` (file order in `__row`) and computes the
user's table with `recipe_select`, so undo is "replay one step fewer" and refresh is "reload
the raw rows and replay". Each step is a frozen dataclass that saves as JSON; values enter SQL
only as sqlglot literals, names only as quoted identifiers, and a formula only after a check
that it uses nothing but columns, literals, operators and a short list of scalar functions.

This module is the recipe as a whole: check it, replay it, read it back from JSON. Its parts
live beside it and are re-exported here: the steps (`ingest.recipe_steps`), the shape between
steps (`ingest.recipe_shape`), the formula check (`ingest.formula`) and the words
(`ingest.recipe_words`).

>>> steps = [Rename("Qty", "quantity"), Filter("quantity", ">", 0)]
>>> check_recipe(["Qty", "城市"], steps)
['quantity', '城市']
>>> describe(steps[0], "zh")
"将 'Qty' 重命名为 'quantity'"
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import MISSING, fields
from typing import Any

from sqlglot import exp

from errors import IngestError, suggest
from ingest.formula import FORMULA_FUNCTIONS, FORMULA_NODES, FormulaError
from ingest.recipe_shape import CAST_TYPES, ROW, TRUE_WORDS, Shape, StepError, col, column_kind
from ingest.recipe_steps import (
    BLANKS,
    CASE_MODES,
    DATE_FORMATS,
    FALSE_WORDS,
    FILL_METHODS,
    FILTER_OPS,
    MAP_OTHER,
    STEP_TYPES,
    BaseStep,
    Case,
    Cast,
    Derive,
    DropDuplicates,
    Fill,
    Filter,
    MapValues,
    Merge,
    Rename,
    Split,
    Step,
    Trim,
)
from ingest.recipe_words import describe
from ingest.source import table_ref
from viz.i18n import keyed_error

__all__ = [  # the steps and constants live beside this module; they stay importable from here
    "BLANKS", "CASE_MODES", "CAST_TYPES", "DATE_FORMATS", "FALSE_WORDS", "FILL_METHODS", "FILTER_OPS",
    "FORMULA_FUNCTIONS", "FORMULA_NODES", "MAP_OTHER", "ROW", "STEP_TYPES", "TRUE_WORDS",
    "Case", "Cast", "Derive", "DropDuplicates", "Fill", "Filter", "MapValues", "Merge", "Rename", "Split", "Step",
    "Trim", "check_recipe", "describe", "recipe_select", "step_from_dict",
]


def _steps(columns: list[str], steps: list[Step], types: Mapping[str, str] | None
           ) -> Iterator[tuple[int, Step, Shape, Shape]]:
    """Each step with the shapes before and after it; a bad step raises IngestError naming it."""
    kinds = {c: column_kind(t) for c, t in (types or {}).items()}
    shape = Shape([c for c in columns if c != ROW], {c: kinds.get(c, "") for c in columns})
    for n, step in enumerate(steps, start=1):
        if not isinstance(step, BaseStep):
            raise keyed_error(IngestError, "errors.recipe.not_a_step", n=n, step=repr(step))
        try:
            after = step.check(shape)
        except (StepError, FormulaError) as err:
            raise keyed_error(IngestError, "errors.recipe.step", n=n, op_key=f"errors.recipe.op.{step.op}",
                              problem=err) from None
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
    ctes = [("__step_0", exp.select(col(ROW), *(col(c) for c in final)).from_(table_ref(raw_table)))]
    for n, step, before, after in _steps(columns, steps, types):
        ctes.append((f"__step_{n}", step.build(before).from_(table_ref(ctes[-1][0]))))
        final = after.columns
    select = exp.select(*(col(c) for c in final)).from_(table_ref(ctes[-1][0]))
    for name, query in ctes:
        select = select.with_(exp.to_identifier(name, quoted=True), as_=query)
    return select.order_by(col(ROW))


def step_from_dict(d: Mapping[str, Any]) -> Step:
    """A step back from its saved JSON (`to_dict`), or IngestError saying what is wrong."""
    op = d.get("op") if isinstance(d, Mapping) else None
    cls = STEP_TYPES.get(op) if isinstance(op, str) else None
    if cls is None:
        hint = suggest(str(op), STEP_TYPES) if isinstance(op, str) else []
        raise keyed_error(IngestError, "errors.recipe.unknown_step", op=repr(op), steps=", ".join(STEP_TYPES),
                          hint_key="errors.did_you_mean" if hint else "", suggestions_or=tuple(hint))
    args = {k: v for k, v in d.items() if k != "op"}
    try:
        return cls(**args)  # type: ignore[return-value]
    except TypeError as err:
        need = [f.name for f in fields(cls) if f.name not in args and f.default is MISSING]
        extra = sorted(set(args) - {f.name for f in fields(cls)})
        problem = "needs" if need else "extra" if extra else "wrong_kind"
        raise keyed_error(IngestError, f"errors.recipe.fields_{problem}", op_key=f"errors.recipe.op.{op}",
                          fields=", ".join(need or extra), reason=str(err)) from None
