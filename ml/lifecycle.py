"""Lifecycle stages (new, active, loyal, at risk, churned) with thresholds from the data's purchase cycle.

A fixed "90 days without a purchase" is wrong for a shop people visit weekly and
for one they visit twice a year. The cycle is the median of the repeat customers'
average gap between purchases; the stage thresholds are multiples of it, and are
returned so the page can show them.

>>> t = Thresholds(cycle_days=30.0)
>>> t.at_risk_days, t.churned_days
(45, 90)
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from errors import InputError
from viz.i18n import keyed_error

STAGES = ("new", "active", "loyal", "at_risk", "churned")
STAGE_NAMES = {
    "new": ("New", "新客"), "active": ("Active / growing", "活跃成长"), "loyal": ("Loyal", "忠诚"),
    "at_risk": ("At risk", "流失风险"), "churned": ("Churned", "已流失"),
}
MIN_REPEAT = 5


@dataclass(frozen=True)
class Thresholds:
    """Stage limits in days, all derived from the typical inter-purchase time."""

    cycle_days: float
    loyal_orders: int = 4

    @property
    def new_days(self) -> int:
        return max(1, round(self.cycle_days))

    @property
    def at_risk_days(self) -> int:
        return max(1, round(1.5 * self.cycle_days))

    @property
    def churned_days(self) -> int:
        return max(2, round(3 * self.cycle_days))

    def describe(self, lang: str = "en") -> dict[str, str]:
        """Each stage's rule in words."""
        if lang == "zh":
            return {"new": f"首购在近 {self.new_days} 天内", "active": "其余仍在周期内购买的客户",
                    "loyal": f"至少 {self.loyal_orders} 次购买且 {self.at_risk_days} 天内有购买",
                    "at_risk": f"{self.at_risk_days}–{self.churned_days} 天未购买",
                    "churned": f"超过 {self.churned_days} 天未购买"}
        return {"new": f"first purchase within the last {self.new_days} days",
                "active": "everyone else still buying within the cycle",
                "loyal": f"at least {self.loyal_orders} purchases and one within {self.at_risk_days} days",
                "at_risk": f"no purchase for {self.at_risk_days}–{self.churned_days} days",
                "churned": f"no purchase for more than {self.churned_days} days"}


def purchase_cycle(features: pl.DataFrame) -> float:
    """Median average gap (days) between purchases of customers who bought more than once."""
    gaps = features.filter(pl.col("frequency") > 1)["avg_gap_days"].drop_nulls()
    if gaps.len() < MIN_REPEAT:
        raise keyed_error(InputError, "errors.lifecycle.repeat_buyers", count=gaps.len(), minimum=MIN_REPEAT)
    return max(1.0, float(gaps.median()))  # type: ignore[arg-type]


def thresholds(features: pl.DataFrame) -> Thresholds:
    loyal = int(features.filter(pl.col("frequency") > 1)["frequency"].quantile(0.75) or 4)
    return Thresholds(purchase_cycle(features), max(3, loyal))


def stages(features: pl.DataFrame, limits: Thresholds) -> pl.Series:
    """The stage code of each customer, first match in the order churned, at risk, new, loyal, active."""
    recency, tenure, frequency = pl.col("recency_days"), pl.col("tenure_days"), pl.col("frequency")
    stage = (pl.when(recency > limits.churned_days).then(pl.lit("churned"))
             .when(recency > limits.at_risk_days).then(pl.lit("at_risk"))
             .when(tenure <= limits.new_days).then(pl.lit("new"))
             .when(frequency >= limits.loyal_orders).then(pl.lit("loyal"))
             .otherwise(pl.lit("active")))
    return features.select(stage.alias("lifecycle_stage"))["lifecycle_stage"]


def stage_table(labels: pl.Series, lang: str = "en", limits: Thresholds | None = None) -> pl.DataFrame:
    """Customers and share per stage, in lifecycle order, with the rule when thresholds are given."""
    counts = dict(labels.value_counts().iter_rows())
    rules = limits.describe(lang) if limits else {}
    total = max(labels.len(), 1)
    return pl.DataFrame({
        "lifecycle_stage": list(STAGES),
        "stage": [STAGE_NAMES[s][1 if lang == "zh" else 0] for s in STAGES],
        "customers": [counts.get(s, 0) for s in STAGES],
        "share": [counts.get(s, 0) / total for s in STAGES],
        "rule": [rules.get(s, "") for s in STAGES],
    })
