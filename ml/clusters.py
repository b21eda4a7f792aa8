"""K-Means customer clusters with k chosen by silhouette, profiles and plain-language names.

Features are log-transformed where skewed (spend and purchase counts always are)
and standardised, so no one unit dominates the distances. k is chosen on a fixed
sample by the silhouette score over a range, which is reported so the user can
override it; the final model is MiniBatchKMeans above LARGE customers, so a million
customers fit in seconds. One seed drives every random step: the same data and
seed give the same clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import skew
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_limits

from errors import InputError
from viz.i18n import keyed_error

CLUSTER_FEATURES = ("recency_days", "frequency", "monetary", "avg_order_value", "tenure_days")
K_RANGE = (2, 8)
LARGE = 50_000
CHOOSE_SAMPLE = 6_000
SILHOUETTE_SAMPLE = 3_000
SKEWED = 1.0
WORDS = {  # (feature, high?) → (en, zh); recency is better when low, so "high" recency reads as lapsed
    ("monetary", True): ("high-spend", "高消费"), ("monetary", False): ("low-spend", "低消费"),
    ("frequency", True): ("frequent", "高频"), ("frequency", False): ("infrequent", "低频"),
    ("recency_days", False): ("recent", "近期活跃"), ("recency_days", True): ("lapsed", "久未购买"),
}


@dataclass(frozen=True)
class Clustering:
    labels: np.ndarray  # cluster number per customer, 0 = the largest cluster
    k: int
    silhouette: float
    scores: dict[int, float]  # silhouette for each k tried (only the chosen one when k was given)
    profile: pl.DataFrame  # cluster, customers, share, mean of each feature and its ratio to the overall mean
    names: dict[int, tuple[str, str]]  # cluster → (en, zh)
    projection: pl.DataFrame  # a sample: pc1, pc2, cluster


def prepare(features: pl.DataFrame, columns: tuple[str, ...] = CLUSTER_FEATURES) -> tuple[np.ndarray, list[str]]:
    """Standardised matrix (log1p where skewed); constant or empty columns are dropped, all of them refused."""
    kept, blocks = [], []
    for name in columns:
        values = features[name].cast(pl.Float64).fill_null(features[name].median() or 0.0).to_numpy()
        if not np.isfinite(values).all() or np.nanstd(values) == 0:
            continue
        if values.min() >= 0 and abs(skew(values)) > SKEWED:
            values = np.log1p(values)
        blocks.append((values - values.mean()) / values.std())
        kept.append(name)
    if not kept:
        raise keyed_error(InputError, "errors.clusters.constant", columns=", ".join(columns))
    return np.column_stack(blocks), kept


def _model(k: int, n: int, seed: int) -> KMeans | MiniBatchKMeans:
    if n > LARGE:
        return MiniBatchKMeans(n_clusters=k, random_state=seed, batch_size=4096, n_init=3, max_no_improvement=20)
    return KMeans(n_clusters=k, random_state=seed, n_init=4)


def choose_k(matrix: np.ndarray, seed: int, k_range: tuple[int, int] = K_RANGE) -> dict[int, float]:
    """Silhouette for each k, measured on a fixed sample of the customers."""
    rng = np.random.default_rng(seed)
    sample = matrix[rng.choice(len(matrix), CHOOSE_SAMPLE, replace=False)] if len(matrix) > CHOOSE_SAMPLE else matrix
    high = min(k_range[1], len(sample) - 1)
    scores = {}
    for k in range(k_range[0], high + 1):
        labels = KMeans(n_clusters=k, random_state=seed, n_init=2).fit_predict(sample)
        scores[k] = _silhouette(sample, labels, seed)
    return scores


def _silhouette(matrix: np.ndarray, labels: np.ndarray, seed: int) -> float:
    if len(set(labels.tolist())) < 2:
        return 0.0
    size = min(SILHOUETTE_SAMPLE, len(matrix))
    return float(silhouette_score(matrix, labels, sample_size=size, random_state=seed))


def cluster(features: pl.DataFrame, k: int | None = None, seed: int = 42,
            columns: tuple[str, ...] = CLUSTER_FEATURES) -> Clustering:
    """Cluster customers; `k` None chooses it by silhouette over K_RANGE (on one thread, as in ml.churn)."""
    with threadpool_limits(limits=1):
        return _cluster(features, k, seed, columns)


def _cluster(features: pl.DataFrame, k: int | None, seed: int, columns: tuple[str, ...]) -> Clustering:
    if features.height < 10:
        raise keyed_error(InputError, "errors.clusters.too_few", count=features.height)
    matrix, kept = prepare(features, columns)
    scores = choose_k(matrix, seed) if k is None else {}
    chosen = k if k is not None else max(scores, key=lambda key: (round(scores[key], 3), -key))
    if not 2 <= chosen < features.height:
        raise keyed_error(InputError, "errors.clusters.k", most=features.height - 1, k=chosen)
    raw = _model(chosen, len(matrix), seed).fit_predict(matrix)
    labels = _by_size(raw)
    silhouette = _silhouette(matrix, labels, seed)
    profile = profile_table(features, labels, tuple(kept))
    return Clustering(labels, chosen, silhouette, scores or {chosen: silhouette}, profile,
                      cluster_names(profile), _projection(matrix, labels, seed))


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters so 0 is the largest: stable names across runs with the same seed."""
    counts = np.bincount(labels)
    order = np.argsort(-counts, kind="stable")
    return np.argsort(order)[labels]


def profile_table(features: pl.DataFrame, labels: np.ndarray, columns: tuple[str, ...]) -> pl.DataFrame:
    """Per cluster: size, share, the mean of each feature and that mean over the overall mean."""
    frame = features.select(columns).with_columns(pl.Series("cluster", labels))
    means = frame.group_by("cluster").agg(pl.len().alias("customers"), *(pl.col(c).mean() for c in columns))
    overall = {c: float(features[c].mean() or 0.0) for c in columns}
    ratios = [(pl.col(c) / overall[c] if overall[c] else pl.lit(1.0)).alias(f"{c}_vs_mean") for c in columns]
    return means.with_columns(*ratios, (pl.col("customers") / features.height).alias("share")).sort("cluster")


def cluster_names(profile: pl.DataFrame) -> dict[int, tuple[str, str]]:
    """A name per cluster from the features that stand out (above 1.25× or below 0.8× the mean)."""
    names: dict[int, tuple[str, str]] = {}
    seen: dict[str, int] = {}
    for row in profile.iter_rows(named=True):
        en, zh = [], []
        for feature in ("monetary", "frequency", "recency_days"):
            ratio = row.get(f"{feature}_vs_mean")
            if ratio is not None and (ratio > 1.25 or ratio < 0.8):
                word_en, word_zh = WORDS[(feature, ratio > 1.25)]
                en.append(word_en)
                zh.append(word_zh)
        base = (", ".join(en), "".join(zh)) if en else ("average", "普通")
        seen[base[0]] = taken = seen.get(base[0], 0) + 1
        names[row["cluster"]] = (f"{base[0]} ({taken})", f"{base[1]}({taken})") if taken > 1 else base
    return names


def _projection(matrix: np.ndarray, labels: np.ndarray, seed: int, sample: int = 3_000) -> pl.DataFrame:
    """PCA to two dimensions on a fixed sample of customers, for the scatter."""
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(matrix), sample, replace=False) if len(matrix) > sample else np.arange(len(matrix))
    points = PCA(n_components=min(2, matrix.shape[1]), random_state=seed).fit(matrix).transform(matrix[pick])
    second = points[:, 1] if points.shape[1] > 1 else np.zeros(len(pick))
    return pl.DataFrame({"pc1": points[:, 0], "pc2": second, "cluster": labels[pick]})
