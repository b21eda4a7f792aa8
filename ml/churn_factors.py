"""Why a customer is at risk, in words: the features that raise their churn probability most.

For each customer on the warning list, each feature in turn is set to the value
typical of customers who stayed, and the drop in predicted probability is that
feature's contribution. The top ones are written the way a CRM manager would say
them: "no purchase in 94 days, usually every 30". Only the warning list is
explained (a few hundred rows), so this costs a handful of predictions.

>>> factor_text("recency_days", {"recency_days": 94.0, "avg_gap_days": 30.0}, 60, 30.0, "en")
'no purchase in 94 days, usually every 30'
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from ml.churn import MODEL_FEATURES, ChurnResult, matrix
from ml.features import WINDOW_DAYS
from viz.format import format_value

SAID_WITH = {"avg_gap_days": "recency_days"}  # the recency sentence already says the usual gap
TEXTS = {
    "recency_days": ("no purchase in {recency} days, usually every {gap}",
                     "已 {recency} 天未购买，通常每 {gap} 天购买一次"),
    "frequency": ("only {frequency} purchases so far", "累计仅购买 {frequency} 次"),
    "monetary": ("spent {monetary} in total", "累计消费 {monetary}"),
    "tenure_days": ("first purchase {tenure} days ago", "首次购买于 {tenure} 天前"),
    "avg_order_value": ("average order {aov}", "平均客单价 {aov}"),
    "avg_gap_days": ("usually buys every {gap} days", "通常每 {gap} 天购买一次"),
    "orders_window": ("{recent} purchases in the last {window} days", "近 {window} 天购买 {recent} 次"),
    "amount_window": ("spent {recent_amount} in the last {window} days", "近 {window} 天消费 {recent_amount}"),
    "orders_prev_window": ("{previous} purchases in the {window} days before that",
                           "再往前 {window} 天购买 {previous} 次"),
}


def _days(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.0f}"


def factor_text(feature: str, row: dict[str, float], window: int, cycle: float, lang: str = "en") -> str:
    """One factor in words, filled from the customer's own numbers."""
    gap = row.get("avg_gap_days")
    values = {
        "recency": _days(row.get("recency_days")), "gap": _days(gap if gap is not None else cycle),
        "frequency": _days(row.get("frequency")), "tenure": _days(row.get("tenure_days")), "window": window,
        "monetary": format_value(row.get("monetary"), "currency", lang),
        "aov": format_value(row.get("avg_order_value"), "currency", lang),
        "recent": _days(row.get("orders_window")), "previous": _days(row.get("orders_prev_window")),
        "recent_amount": format_value(row.get("amount_window"), "currency", lang),
    }
    return TEXTS[feature][1 if lang == "zh" else 0].format(**values)


def contributions(result: ChurnResult, rows: pl.DataFrame) -> np.ndarray:
    """Per row and feature: probability minus the probability with that feature set to the stayers' value."""
    base = matrix(rows)
    now = result.model.predict_proba(base)[:, 1]
    out = np.zeros_like(base)
    for j, name in enumerate(MODEL_FEATURES):
        changed = base.copy()
        changed[:, j] = result.reference[name]
        out[:, j] = now - result.model.predict_proba(changed)[:, 1]
    return out


def explain(result: ChurnResult, rows: pl.DataFrame, lang: str = "en", top: int = 2) -> pl.Series:
    """The top contributing factors of each row, joined with '; ' (or '；')."""
    effects = contributions(result, rows)
    texts = []
    for row, effect in zip(rows.iter_rows(named=True), effects, strict=True):
        ranked = [SAID_WITH.get(MODEL_FEATURES[j], MODEL_FEATURES[j]) for j in np.argsort(-effect, kind="stable")
                  if effect[j] > 0]
        best = list(dict.fromkeys(ranked))[:top]
        words = [factor_text(name, row, WINDOW_DAYS, result.cycle_days, lang) for name in best]
        texts.append(("；" if lang == "zh" else "; ").join(words))
    return pl.Series("churn_factors", texts, dtype=pl.String)
