"""Which table columns a data policy protects, so no other name of the model can read them.

Hiding the dimension `age` must also hide the column `customers.age` wherever the model reads it:
in a derived dimension (`age_band` is a CASE over age) and in a measure (AVG(age) grouped by
customer gives each customer's age). The same holds for a masked column: only the masked dimension
itself shows it, masked; any other dimension or measure reading it would show it raw.

>>> from pathlib import Path
>>> from semantic.model import load_model
>>> model = load_model(Path("assets/demo_model.yaml"))
>>> str(dimension_refusal("age_band", model, Policy("ana", hidden=("age",))))
"'age_band' reads 'age', which your data policy hides: it cannot be shown, filtered or sorted by."
"""

from __future__ import annotations

from sqlglot import exp

from errors import PermissionDeniedError
from semantic.expressions import parse_expr
from semantic.model import SemanticModel
from semantic.query import Policy
from viz.i18n import keyed_error

Column = tuple[str, str]  # (table, column), lower-case
_HOW = {"hides": "hidden", "masks": "masked"}  # how a policy protects a column → the key of the refusal


def columns_read(text: str, table: str) -> set[Column]:
    """The (table, column) pairs a model expression on `table` reads; bare columns belong to `table`."""
    if text.strip() == "*":
        return set()
    return {((c.table or table).lower(), c.name.lower()) for c in parse_expr(text).find_all(exp.Column)}


def dimension_columns(model: SemanticModel, name: str) -> set[Column]:
    """Every column a dimension reads, over all the tables it lives on (none for an unknown name)."""
    dim = model.dimensions.get(name)
    return {col for table, text in (dim.exprs.items() if dim else ()) for col in columns_read(text, table)}


def protected_columns(model: SemanticModel, policy: Policy) -> dict[Column, str]:
    """Column → 'hides' or 'masks': the columns behind the policy's hidden and masked dimensions."""
    found = {col: "masks" for name in policy.masked for col in dimension_columns(model, name)}
    found.update({col: "hides" for name in policy.hidden for col in dimension_columns(model, name)})
    return found


def dimension_refusal(name: str, model: SemanticModel, policy: Policy) -> PermissionDeniedError | None:
    """Why the policy forbids showing, filtering or sorting by dimension `name`; None if it may be used.

    A masked dimension may read its own masked columns (it shows them masked), never a hidden one.
    """
    if name in policy.hidden:
        return keyed_error(PermissionDeniedError, "errors.policy.dimension_hidden", name=name)
    protected = protected_columns(model, policy)
    for col in sorted(dimension_columns(model, name)):
        how = protected.get(col)
        if how == "hides" or (how == "masks" and name not in policy.masked):
            return keyed_error(PermissionDeniedError, f"errors.policy.dimension_reads_{_HOW[how]}",
                               name=name, column=col[1])
    return None


def metric_refusal(metric: str, model: SemanticModel, policy: Policy) -> PermissionDeniedError | None:
    """Why the policy forbids metric `metric`: one of its measures reads a hidden or masked column."""
    protected = protected_columns(model, policy)
    for measure in model.measures_of(metric):
        read = columns_read(measure.expr, measure.table) | columns_read(measure.filter or "*", measure.table)
        for col in sorted(read):
            if col in protected:
                return keyed_error(PermissionDeniedError, f"errors.policy.metric_reads_{_HOW[protected[col]]}",
                                   metric=metric, column=col[1])
    return None


def readable(name: str, model: SemanticModel, policy: Policy) -> bool:
    """Whether the raw values of dimension `name` may be read under `policy` (not masked, hidden or derived)."""
    return name not in policy.masked and dimension_refusal(name, model, policy) is None
