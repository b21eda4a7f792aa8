"""RFM: recency, frequency and monetary scores 1–5 by quantile, and the eleven named segments.

Scores come from average ranks, so customers with equal values always get equal
scores (a plain quintile cut would split a tie across two scores). Segments are a
first-match list of rules over the recency score R and FM, the rounded mean of the
frequency and monetary scores; together they cover all 25 (R, FM) cells exactly
once, and each rule can be shown to the user in words. The Chinese names follow
the 重要价值/重要保持/重要发展/重要挽留 vocabulary of Chinese CRM practice.

>>> quantile_scores(np.array([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 10])).tolist()
[1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
>>> segment_of(5, 5), segment_of(1, 1)
('champions', 'lost')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.stats import rankdata


@dataclass(frozen=True)
class Segment:
    code: str
    en: str
    zh: str
    r: tuple[int, int]
    fm: tuple[int, int]

    def rule(self, lang: str = "en") -> str:
        """The rule in words, e.g. 'R 4–5, FM 4–5'."""
        def span(low: int, high: int) -> str:
            return str(low) if low == high else f"{low}–{high}"
        return f"R {span(*self.r)}, FM {span(*self.fm)}" if lang == "en" else \
            f"R {span(*self.r)}，FM {span(*self.fm)}"

    def name(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


SEGMENTS = (
    Segment("champions", "Champions", "重要价值客户", (4, 5), (4, 5)),
    Segment("loyal", "Loyal", "重要保持客户", (3, 5), (3, 5)),
    Segment("cant_lose", "Can't Lose Them", "重要挽留客户", (1, 2), (4, 5)),
    Segment("at_risk", "At Risk", "一般挽留客户", (1, 2), (3, 3)),
    Segment("new", "New", "新客户", (5, 5), (1, 1)),
    Segment("promising", "Promising", "一般发展客户", (4, 4), (1, 1)),
    Segment("potential_loyalist", "Potential Loyalist", "重要发展客户", (4, 5), (2, 2)),
    Segment("need_attention", "Need Attention", "一般价值客户", (3, 3), (2, 2)),
    Segment("about_to_sleep", "About to Sleep", "一般保持客户", (3, 3), (1, 1)),
    Segment("lost", "Lost", "流失客户", (1, 1), (1, 1)),
    Segment("hibernating", "Hibernating", "沉睡客户", (1, 2), (1, 2)),
)
BY_CODE = {s.code: s for s in SEGMENTS}


def quantile_scores(values: np.ndarray, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1–5 by quantile of the average rank: equal values share a score."""
    ranks = rankdata(values if higher_is_better else -values, method="average")
    return np.clip(np.ceil(ranks / len(values) * 5), 1, 5).astype(np.int8)


def fm_score(f: np.ndarray, m: np.ndarray) -> np.ndarray:
    """The mean of F and M, rounded half up."""
    return ((f.astype(np.int16) + m + 1) // 2).astype(np.int8)


def segment_of(r: int, fm: int) -> str:
    """The first segment whose rule matches (R, FM)."""
    return next(s.code for s in SEGMENTS if s.r[0] <= r <= s.r[1] and s.fm[0] <= fm <= s.fm[1])


_GRID = np.array([[segment_of(r, fm) for fm in range(1, 6)] for r in range(1, 6)])


def rfm_scores(features: pl.DataFrame) -> pl.DataFrame:
    """customer, recency/frequency/monetary, scores R, F, M, FM and the segment code."""
    r = quantile_scores(features["recency_days"].to_numpy(), higher_is_better=False)
    f = quantile_scores(features["frequency"].to_numpy())
    m = quantile_scores(features["monetary"].to_numpy())
    fm = fm_score(f, m)
    return features.select("customer", "recency_days", "frequency", "monetary").with_columns(
        pl.Series("r_score", r), pl.Series("f_score", f), pl.Series("m_score", m), pl.Series("fm_score", fm),
        pl.Series("rfm_segment", _GRID[r - 1, fm - 1]))


def segment_table(scores: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """One row per segment (in rule order, empty ones kept): size, shares, average R/F/M and the rule."""
    total, revenue = scores.height, float(scores["monetary"].sum()) or 1.0
    stats = scores.group_by("rfm_segment").agg(
        pl.len().alias("customers"), pl.col("monetary").sum().alias("revenue"),
        pl.col("recency_days").mean().alias("avg_recency_days"), pl.col("frequency").mean().alias("avg_frequency"),
        pl.col("monetary").mean().alias("avg_monetary"))
    order = pl.DataFrame({"rfm_segment": [s.code for s in SEGMENTS], "segment": [s.name(lang) for s in SEGMENTS],
                          "rule": [s.rule(lang) for s in SEGMENTS]})
    joined = order.join(stats, on="rfm_segment", how="left").with_columns(
        pl.col("customers").fill_null(0), pl.col("revenue").fill_null(0.0))
    return joined.with_columns((pl.col("customers") / max(total, 1)).alias("share"),
                               (pl.col("revenue") / revenue).alias("revenue_share"))


def transitions(before: pl.DataFrame, after: pl.DataFrame, lang: str = "en") -> pl.DataFrame:
    """Customers moving from each segment at the first date (rows) to each at the second (columns).

    Customers who had not bought yet at the first date appear in the row "(new since)".
    """
    start = "(new since)" if lang == "en" else "(期间新增)"
    names = {s.code: s.name(lang) for s in SEGMENTS}
    pairs = after.select("customer", pl.col("rfm_segment").alias("to")).join(
        before.select("customer", pl.col("rfm_segment").alias("from")), on="customer", how="left")
    pairs = pairs.with_columns(pl.col("from").replace_strict(names, default=start),
                               pl.col("to").replace_strict(names))
    matrix = pairs.pivot(on="to", index="from", values="customer", aggregate_function="len").fill_null(0)
    rows = [names[s.code] for s in SEGMENTS] + [start]
    present = [n for n in (names[s.code] for s in SEGMENTS) if n in matrix.columns]
    ordered = pl.DataFrame({"from": rows}).join(matrix, on="from", how="left").fill_null(0)
    return ordered.select("from", *present)
