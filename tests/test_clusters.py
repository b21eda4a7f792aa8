"""Clustering: planted clusters are found (k included), the seed reproduces, bad features are refused."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from errors import InputError
from ml.clusters import LARGE, cluster, prepare
from ml.lifecycle import Thresholds, purchase_cycle, stage_table, stages


def planted(n: int, seed: int = 3) -> tuple[pl.DataFrame, np.ndarray]:
    """Three customer types: lapsed low spenders, regulars, recent big spenders."""
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    centers = np.array([[300.0, 1.5, 150.0], [60.0, 8.0, 1_500.0], [10.0, 30.0, 12_000.0]])
    spread = rng.lognormal(0, 0.12, (n, 3))
    values = centers[truth] * spread
    frame = pl.DataFrame({"customer": [f"c{i}" for i in range(n)], "recency_days": values[:, 0],
                          "frequency": values[:, 1], "monetary": values[:, 2],
                          "avg_order_value": values[:, 2] / values[:, 1], "tenure_days": np.full(n, 400.0)})
    return frame, truth


def test_planted_clusters_are_recovered_with_their_k() -> None:
    frame, truth = planted(3_000)
    result = cluster(frame)
    assert result.k == 3 and max(result.scores, key=result.scores.__getitem__) == 3
    assert adjusted_rand_score(truth, result.labels) > 0.95
    assert result.silhouette > 0.5
    names = {en for en, _ in result.names.values()}
    assert "high-spend, frequent, recent" in names and "low-spend, infrequent, lapsed" in names
    assert "高消费高频近期活跃" in {zh for _, zh in result.names.values()}
    assert result.profile["customers"].sum() == 3_000 and result.profile["customers"].is_sorted(descending=True)
    assert result.projection.height == 3_000 and set(result.projection.columns) == {"pc1", "pc2", "cluster"}


def test_large_counts_use_minibatch_and_still_recover() -> None:
    frame, truth = planted(LARGE + 5_000)
    result = cluster(frame, k=3)
    assert adjusted_rand_score(truth, result.labels) > 0.95 and result.scores == {3: result.silhouette}


def test_same_seed_same_clusters() -> None:
    frame, _ = planted(2_000, seed=5)
    first, second = cluster(frame, k=4, seed=11), cluster(frame, k=4, seed=11)
    assert np.array_equal(first.labels, second.labels) and first.silhouette == second.silhouette


def test_constant_columns_are_dropped_and_all_constant_refused() -> None:
    frame, _ = planted(500)
    _, kept = prepare(frame)
    assert "tenure_days" not in kept and "monetary" in kept
    flat = frame.with_columns(pl.lit(1.0).alias(c) for c in ("recency_days", "frequency", "monetary",
                                                              "avg_order_value"))
    with pytest.raises(InputError, match="same values"):
        cluster(flat)
    empty = frame.with_columns(pl.lit(None, pl.Float64).alias(c) for c in frame.columns[1:])
    with pytest.raises(InputError, match="nothing to cluster"):
        cluster(empty)
    with pytest.raises(InputError, match="k must be between"):
        cluster(frame, k=1)


def test_lifecycle_thresholds_follow_the_cycle() -> None:
    features = pl.DataFrame({"customer": list("abcdefg"), "frequency": [1.0, 2, 3, 5, 6, 2, 2],
                             "avg_gap_days": [None, 20.0, 30, 30, 40, 30, 30],
                             "recency_days": [5.0, 10, 30, 20, 50, 100, 400],
                             "tenure_days": [5.0, 300, 300, 300, 300, 300, 600]})
    assert purchase_cycle(features) == 30.0
    limits = Thresholds(30.0, loyal_orders=5)
    assert (limits.new_days, limits.at_risk_days, limits.churned_days) == (30, 45, 90)
    assert stages(features, limits).to_list() == ["new", "active", "active", "loyal", "at_risk", "churned",
                                                  "churned"]
    table = stage_table(stages(features, limits), "zh", limits)
    assert table["customers"].to_list() == [1, 2, 1, 1, 2] and table["stage"][0] == "新客"
    with pytest.raises(InputError, match="repeat buyers"):
        purchase_cycle(features.head(3))
