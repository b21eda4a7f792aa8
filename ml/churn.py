"""Churn model on transactions: no purchase in the N days after a cutoff, predicted from behaviour before it.

The split is by time, never at random: the model is trained at cutoff
`as_of − 2N` (features up to it, labels from the next N days), tested at `as_of − N`
(labels from the last N days, which training never saw), and then scores every
customer's behaviour up to `as_of`. N defaults to twice the data's purchase cycle.
The report compares it with a baseline that knows only recency, because a churn
model that cannot beat "days since last purchase" is not worth showing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl
from sklearn.calibration import calibration_curve
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from threadpoolctl import threadpool_limits

from errors import InputError
from ml.features import buyers_after, customer_features, data_bounds
from ml.lifecycle import purchase_cycle
from ml.mapping import Mapping
from viz.i18n import keyed_error

MODEL_FEATURES = ("recency_days", "frequency", "monetary", "tenure_days", "avg_order_value", "avg_gap_days",
                  "orders_window", "amount_window", "orders_prev_window")
TRAIN_ROWS = 100_000
TEST_ROWS = 200_000  # held-out customers scored for the metrics: plenty for AUC to three decimals
RISK_BANDS = ((0.7, "high"), (0.4, "medium"), (0.0, "low"))
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ChurnResult:
    horizon_days: int
    train_cutoff: dt.date
    test_cutoff: dt.date
    metrics: dict[str, float]
    calibration: pl.DataFrame  # curve (model/baseline), predicted, observed per bin
    scores: pl.DataFrame  # customer, features…, churn_probability, churn_risk, expected_loss
    model: HistGradientBoostingClassifier
    reference: dict[str, float]  # typical values of customers who stayed, for the factor words
    cycle_days: float


def horizon_days(cycle: float) -> int:
    """Default churn window: twice the purchase cycle, between a week and a year."""
    return int(np.clip(round(2 * cycle), 7, 365))


def labelled(con: duckdb.DuckDBPyConnection, mapping: Mapping, cutoff: dt.date, horizon: int) -> pl.DataFrame:
    """Features up to `cutoff` and `churned` = no purchase in the `horizon` days after it."""
    features = customer_features(con, mapping, cutoff)
    stayed = buyers_after(con, mapping, cutoff, horizon)
    return features.with_columns((~pl.col("customer").is_in(list(stayed))).cast(pl.Int8).alias("churned"))


def matrix(frame: pl.DataFrame) -> np.ndarray:
    return frame.select(MODEL_FEATURES).to_numpy().astype(np.float64)


def _check_labels(frame: pl.DataFrame, cutoff: dt.date) -> None:
    churned = int(frame["churned"].sum())
    if churned in (0, frame.height):
        kind = "churned" if churned else "stayed"
        raise keyed_error(InputError, f"errors.churn.all_{kind}", cutoff=cutoff.isoformat())


def _fit(train: pl.DataFrame, seed: int) -> HistGradientBoostingClassifier:
    if train.height > TRAIN_ROWS:
        train = train.sample(TRAIN_ROWS, seed=seed)
    model = HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=31,
                                           early_stopping=False, random_state=seed)
    return model.fit(matrix(train), train["churned"].to_numpy())


def _baseline(train: pl.DataFrame, test: pl.DataFrame) -> np.ndarray:
    """Recency alone, through a logistic curve on log days."""
    def days(frame: pl.DataFrame) -> np.ndarray:
        return np.log1p(frame["recency_days"].to_numpy()).reshape(-1, 1)
    model = LogisticRegression().fit(days(train), train["churned"].to_numpy())
    return model.predict_proba(days(test))[:, 1]


def top_decile_lift(y: np.ndarray, p: np.ndarray) -> float:
    """Churn rate among the 10% scored riskiest over the overall churn rate."""
    top = np.argsort(-p, kind="stable")[: max(1, len(p) // 10)]
    return float(y[top].mean() / y.mean()) if y.mean() else 0.0


def evaluate(y: np.ndarray, p: np.ndarray, baseline: np.ndarray) -> tuple[dict[str, float], pl.DataFrame]:
    """Held-out metrics for the model and the recency baseline, and both calibration curves."""
    metrics = {"roc_auc": float(roc_auc_score(y, p)), "pr_auc": float(average_precision_score(y, p)),
               "lift_top_decile": top_decile_lift(y, p), "base_rate": float(y.mean()),
               "baseline_roc_auc": float(roc_auc_score(y, baseline)),
               "baseline_pr_auc": float(average_precision_score(y, baseline)), "test_rows": float(len(y))}
    curves = []
    for name, probs in (("model", p), ("baseline", baseline)):
        observed, predicted = calibration_curve(y, probs, n_bins=10, strategy="quantile")
        curves.append(pl.DataFrame({"curve": name, "predicted": predicted, "observed": observed}))
    return metrics, pl.concat(curves)


def risk_band(probability: pl.Expr) -> pl.Expr:
    expr = pl.when(probability >= RISK_BANDS[0][0]).then(pl.lit(RISK_BANDS[0][1]))
    return expr.when(probability >= RISK_BANDS[1][0]).then(pl.lit(RISK_BANDS[1][1])).otherwise(pl.lit("low"))


def split_dates(first: dt.date, as_of: dt.date, horizon: int) -> tuple[dt.date, dt.date]:
    """Train and test cutoffs; refuses a history too short for both windows."""
    train_cutoff, test_cutoff = as_of - dt.timedelta(days=2 * horizon), as_of - dt.timedelta(days=horizon)
    if train_cutoff <= first:
        raise keyed_error(InputError, "errors.churn.history", cutoff=train_cutoff.isoformat(), days=horizon,
                          as_of=as_of.isoformat(), first=first.isoformat())
    return train_cutoff, test_cutoff


def train_churn(con: duckdb.DuckDBPyConnection, mapping: Mapping, as_of: dt.date | None = None,
                horizon: int | None = None, seed: int = 42, progress: Progress | None = None,
                current: pl.DataFrame | None = None) -> ChurnResult:
    """Train at as_of − 2N, test at as_of − N, score everyone at as_of (`current`: their features, if known).

    Model fitting runs on one thread: OpenMP teams spinning on a shared, busy machine made a
    5,000-row fit take 15× longer, and one session must not slow the app down for the others.
    """
    with threadpool_limits(limits=1):
        return _train(con, mapping, as_of, horizon, seed, progress, current)


def _train(con: duckdb.DuckDBPyConnection, mapping: Mapping, as_of: dt.date | None, horizon: int | None, seed: int,
           progress: Progress | None, current: pl.DataFrame | None) -> ChurnResult:
    step = progress or (lambda _share, _text: None)
    first, last = data_bounds(con, mapping)
    as_of = as_of or last
    current = current if current is not None else customer_features(con, mapping, as_of)
    cycle = purchase_cycle(current)
    horizon = horizon or horizon_days(cycle)
    if horizon < 1:
        raise keyed_error(InputError, "errors.churn.window", days=horizon)
    train_cutoff, test_cutoff = split_dates(first, as_of, horizon)
    step(0.2, "features")
    train, test = labelled(con, mapping, train_cutoff, horizon), labelled(con, mapping, test_cutoff, horizon)
    _check_labels(train, train_cutoff)
    _check_labels(test, test_cutoff)
    test = test.sample(TEST_ROWS, seed=seed) if test.height > TEST_ROWS else test
    step(0.4, "train")
    model = _fit(train, seed)
    step(0.7, "evaluate")
    metrics, calibration = evaluate(test["churned"].to_numpy(), model.predict_proba(matrix(test))[:, 1],
                                    _baseline(train, test))
    metrics["train_rows"] = float(train.height)
    probability = model.predict_proba(matrix(current))[:, 1]
    scores = current.with_columns(pl.Series("churn_probability", probability)).with_columns(
        risk_band(pl.col("churn_probability")).alias("churn_risk"),
        (pl.col("churn_probability") * pl.col("monetary")).alias("expected_loss"))
    reference = {c: float(train.filter(pl.col("churned") == 0)[c].median() or 0.0) for c in MODEL_FEATURES}
    step(1.0, "done")
    return ChurnResult(horizon, train_cutoff, test_cutoff, metrics, calibration, scores, model, reference, cycle)


def warning_list(result: ChurnResult, limit: int = 500, max_recency: float | None = None) -> pl.DataFrame:
    """Customers at high or medium risk, most value at stake first; those gone longer than `max_recency` days
    (already churned, not about to) are left out when it is given."""
    scores = result.scores if max_recency is None else result.scores.filter(pl.col("recency_days") <= max_recency)
    return (scores.filter(pl.col("churn_risk") != "low")
            .sort(["expected_loss", "customer"], descending=[True, False]).head(limit))
