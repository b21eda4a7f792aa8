"""One segmentation run: mapping → features → RFM, clusters, lifecycle and churn, from a set of parameters.

The page, the CLI and the benchmark all call `analyse` with a `Params`, and a saved
run stores exactly that `Params`, so running it again on the same data gives the same
segments (every random step takes the seed). `customer_table` is the one frame per
customer that is written back to the warehouse and exported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import polars as pl

from errors import InputError
from ml.churn import ChurnResult, train_churn
from ml.clusters import CLUSTER_FEATURES, Clustering, cluster
from ml.features import check_as_of, customer_features, data_bounds
from ml.lifecycle import Thresholds, stages, thresholds
from ml.mapping import Mapping, exclusions
from ml.rfm import rfm_scores

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Params:
    mapping: Mapping
    as_of: dt.date | None = None
    k: int | None = None
    seed: int = 42
    horizon: int | None = None
    churn: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"mapping": self.mapping.to_dict(), "as_of": self.as_of.isoformat() if self.as_of else None,
                "k": self.k, "seed": self.seed, "horizon": self.horizon, "churn": self.churn}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Params:
        as_of = dt.date.fromisoformat(data["as_of"]) if data.get("as_of") else None
        return cls(Mapping.from_dict(data["mapping"]), as_of, data.get("k"), data.get("seed", 42),
                   data.get("horizon"), data.get("churn", True))


@dataclass(frozen=True)
class Analysis:
    params: Params  # with as_of filled in, so saving it reproduces this run
    excluded: dict[str, int]
    features: pl.DataFrame
    rfm: pl.DataFrame
    clustering: Clustering
    limits: Thresholds
    stages: pl.Series
    churn: ChurnResult | None
    churn_note: InputError | None = None  # why churn was not scored; error_text shows it in any language
    names: dict[int, str] = field(default_factory=dict)  # the user's cluster names, when renamed

    def cluster_name(self, number: int, lang: str = "en") -> str:
        en, zh = self.clustering.names[number]
        return self.names.get(number) or (zh if lang == "zh" else en)

    def summary(self) -> dict[str, Any]:
        """What the CLI prints and a saved run keeps: sizes, k, silhouette, churn metrics."""
        sizes = dict(self.rfm["rfm_segment"].value_counts().sort("rfm_segment").iter_rows())
        return {"as_of": self.params.as_of.isoformat() if self.params.as_of else None,
                "customers": self.features.height, "excluded": self.excluded, "segments": sizes,
                "k": self.clustering.k, "silhouette": round(self.clustering.silhouette, 4),
                "silhouette_by_k": {str(k): round(v, 4) for k, v in self.clustering.scores.items()},
                "cycle_days": round(self.limits.cycle_days, 2),
                "lifecycle": dict(self.stages.value_counts().sort("lifecycle_stage").iter_rows()),
                "churn": {k: round(v, 4) for k, v in self.churn.metrics.items()} if self.churn else None,
                "churn_note": str(self.churn_note) if self.churn_note else None}


def _step(progress: Progress | None, share: float, text: str) -> None:
    if progress:
        progress(share, text)


def analyse(con: duckdb.DuckDBPyConnection, params: Params, progress: Progress | None = None,
            today: dt.date | None = None) -> Analysis:
    """Run every step; churn is skipped with a note (not an error) when the history is too short for it."""
    _step(progress, 0.05, "features")
    excluded = exclusions(con, params.mapping)
    first, last = data_bounds(con, params.mapping)
    as_of = params.as_of or last
    check_as_of(as_of, first, today)
    params = replace(params, as_of=as_of)
    features = customer_features(con, params.mapping, as_of)
    _step(progress, 0.2, "rfm")
    scores = rfm_scores(features)
    _step(progress, 0.3, "clusters")
    numeric_extras = tuple(c for c in features.columns if c.startswith("extra_") and features[c].dtype.is_numeric())
    clustering = cluster(features, params.k, params.seed, CLUSTER_FEATURES + numeric_extras)
    limits = thresholds(features)
    churn, note = None, None
    if params.churn:
        _step(progress, 0.6, "churn")
        try:
            churn = train_churn(con, params.mapping, as_of, params.horizon, params.seed, current=features,
                                progress=lambda share, _: _step(progress, 0.6 + 0.4 * share, "churn"))
        except InputError as err:
            note = err
    _step(progress, 1.0, "done")
    return Analysis(params, excluded, features, scores, clustering, limits, stages(features, limits), churn, note)


def customer_table(analysis: Analysis, lang: str = "en") -> pl.DataFrame:
    """One row per customer: scores, segment, cluster, lifecycle stage and churn risk, keyed by the id column."""
    key = analysis.params.mapping.customer
    names = {n: analysis.cluster_name(n, lang) for n in analysis.clustering.names}
    frame = analysis.rfm.with_columns(
        pl.Series("cluster", analysis.clustering.labels).cast(pl.Int32),
        pl.Series("cluster_name", [names[n] for n in analysis.clustering.labels.tolist()], dtype=pl.String),
        analysis.stages)
    if analysis.churn is not None:
        risk = analysis.churn.scores.select("customer", "churn_probability", "churn_risk", "expected_loss")
        frame = frame.join(risk, on="customer", how="left")
    else:
        frame = frame.with_columns(pl.lit(None, pl.Float64).alias("churn_probability"),
                                   pl.lit(None, pl.String).alias("churn_risk"),
                                   pl.lit(None, pl.Float64).alias("expected_loss"))
    extras = analysis.features.select("customer", *(c for c in analysis.features.columns if c.startswith("extra_")))
    return frame.join(extras, on="customer", how="left").rename({"customer": key}).sort(key)


def rfm_at(con: duckdb.DuckDBPyConnection, mapping: Mapping, day: dt.date) -> pl.DataFrame:
    """RFM scores and segments as of another date, for the transition matrix."""
    return rfm_scores(customer_features(con, mapping, day))
