"""Churn on a snapshot table that already says who left (Telco-style): one row per customer and a label column.

No time split is possible in a snapshot, so the held-out set is a stratified random
quarter of the customers (fixed seed). Text and yes/no columns become categories the
gradient-boosting model splits on natively; columns that identify a row (every
value distinct) or hold a single value are left out, since they cannot generalise.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sqlglot import exp
from threadpoolctl import threadpool_limits

from errors import InputError, UnknownNameError
from ingest.source import table_ref
from ml.churn import risk_band, top_decile_lift
from ml.mapping import columns_of
from viz.i18n import keyed_error

POSITIVE = {"yes", "true", "1", "y", "churn", "churned", "left", "是", "流失"}
LABEL_WORDS = ("churn", "churned", "exited", "attrition", "left", "流失")
MIN_ROWS = 50


@dataclass(frozen=True)
class LabelledResult:
    table: str
    label: str
    customer: str
    features: tuple[str, ...]
    metrics: dict[str, float]
    scores: pl.DataFrame  # customer, churn_probability, churn_risk, label


def guess_label(columns: dict[str, str]) -> str | None:
    return next((c for w in LABEL_WORDS for c in columns if c.lower() == w), None)


def read_table(con: duckdb.DuckDBPyConnection, table: str, label: str | None) -> tuple[pl.DataFrame, str]:
    """The snapshot and its label column (guessed from its name when not given)."""
    columns = columns_of(con, table)
    label = label or guess_label(columns)
    if label is None:
        raise keyed_error(InputError, "errors.labelled.no_label", table=table)
    if label not in columns:
        raise UnknownNameError("column", label, columns, of=table)
    frame = con.sql(exp.select("*").from_(table_ref(table)).sql("duckdb")).pl()
    return frame, label


def label_values(values: pl.Series) -> np.ndarray:
    """1 for churned (yes/true/1/…), 0 otherwise; refuses missing labels and a single class."""
    if values.null_count():
        raise keyed_error(InputError, "errors.labelled.empty_labels", column=values.name, count=values.null_count())
    y = values.cast(pl.String).str.to_lowercase().is_in(list(POSITIVE)).cast(pl.Int8).to_numpy()
    if y.min() == y.max():
        which = "all" if y.min() else "none"
        raise keyed_error(InputError, f"errors.labelled.single_class_{which}", column=values.name)
    return y


def design(frame: pl.DataFrame, label: str) -> tuple[np.ndarray, np.ndarray, list[str], str]:
    """Model matrix, categorical mask, the feature names and the customer id column."""
    identifiers = [c for c in frame.columns if c != label and frame[c].n_unique() == frame.height
                   and frame[c].dtype == pl.String]
    customer = identifiers[0] if identifiers else label
    names, blocks, categorical = [], [], []
    for name in frame.columns:
        column = frame[name]
        if name == label or name in identifiers or column.null_count() == frame.height or column.n_unique() < 2:
            continue
        text = column.dtype in (pl.String, pl.Boolean, pl.Categorical)
        codes = column.cast(pl.String).cast(pl.Categorical).to_physical() if text else column
        blocks.append(codes.cast(pl.Float64).to_numpy())
        names.append(name)
        categorical.append(text)
    if not names:
        raise keyed_error(InputError, "errors.labelled.nothing_to_learn")
    return np.column_stack(blocks), np.array(categorical), names, customer


def train_labelled(con: duckdb.DuckDBPyConnection, table: str, label: str | None = None,
                   seed: int = 42) -> LabelledResult:
    """Train on 75% of the customers, report metrics on the other 25%, score everyone."""
    frame, label = read_table(con, table, label)
    if frame.height < MIN_ROWS:
        raise keyed_error(InputError, "errors.labelled.too_few_rows", table=table, rows=frame.height,
                          minimum=MIN_ROWS)
    y = label_values(frame[label])
    matrix, categorical, names, customer = design(frame, label)
    train_x, test_x, train_y, test_y = train_test_split(matrix, y, test_size=0.25, random_state=seed, stratify=y)
    model = HistGradientBoostingClassifier(learning_rate=0.03, max_iter=300, max_leaf_nodes=8, l2_regularization=1.0,
                                           min_samples_leaf=30, categorical_features=categorical,
                                           early_stopping=False, random_state=seed)
    with threadpool_limits(limits=1):  # see ml.churn.train_churn
        model.fit(train_x, train_y)
        held_out, everyone = model.predict_proba(test_x)[:, 1], model.predict_proba(matrix)[:, 1]
    metrics = {"roc_auc": float(roc_auc_score(test_y, held_out)),
               "pr_auc": float(average_precision_score(test_y, held_out)),
               "lift_top_decile": top_decile_lift(test_y, held_out), "base_rate": float(y.mean()),
               "train_rows": float(len(train_y)), "test_rows": float(len(test_y))}
    scores = frame.select(pl.col(customer).cast(pl.String).alias("customer")).with_columns(
        pl.Series("churn_probability", everyone), pl.Series("label", y)).with_columns(
        risk_band(pl.col("churn_probability")).alias("churn_risk"))
    return LabelledResult(table, label, customer, tuple(names), metrics, scores)
