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
RISKIER_WHEN_HIGHER = {"recency_days", "avg_gap_days", "orders_prev_window"}  # the rest: riskier when lower
TEXTS = {
    "recency_days": ("no purchase in {recency}, usually every {gap}",
                     "已 {recency_n} 天未购买，通常每 {gap} 天购买一次"),
    "frequency": ("only {purchases} so far (customers who stay: about {typical})",
                  "累计仅购买 {frequency} 次（留存客户通常约 {typical} 次）"),
    "monetary": ("spent {monetary} in total", "累计消费 {monetary}"),
    "tenure_days": ("first purchase {tenure} ago", "首次购买于 {tenure_n} 天前"),
    "avg_order_value": ("average order {aov}", "平均客单价 {aov}"),
    "avg_gap_days": ("usually buys every {gap} days", "通常每 {gap} 天购买一次"),
    "orders_window": ("{recent} in the last {window} days", "近 {window} 天购买 {recent_n} 次"),
    "amount_window": ("spent {recent_amount} in the last {window} days", "近 {window} 天消费 {recent_amount}"),
    "orders_prev_window": ("{previous} in the {window} days before that", "再往前 {window} 天购买 {previous_n} 次"),
}


def _days(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.0f}"


def _counted(value: float | None, one: str, many: str) -> str:
    """A count with its noun in the right number: '1 purchase', '60 purchases', '0 days'."""
    text = _days(value)
    return f"{text} {one if text == '1' else many}"


def factor_text(feature: str, row: dict[str, float], window: int, cycle: float, lang: str = "en",
                reference: dict[str, float] | None = None) -> str:
    """One factor in words, filled from the customer's own numbers (and the stayers' typical ones)."""
    gap = row.get("avg_gap_days")
    typical = (reference or {}).get("frequency")
    values = {
        "recency": _counted(row.get("recency_days"), "day", "days"), "recency_n": _days(row.get("recency_days")),
        "gap": _days(gap if gap is not None else cycle), "frequency": _days(row.get("frequency")),
        "purchases": _counted(row.get("frequency"), "purchase", "purchases"), "window": window,
        "typical": _days(typical), "tenure": _counted(row.get("tenure_days"), "day", "days"),
        "tenure_n": _days(row.get("tenure_days")), "monetary": format_value(row.get("monetary"), "currency", lang),
        "aov": format_value(row.get("avg_order_value"), "currency", lang),
        "recent": _counted(row.get("orders_window"), "purchase", "purchases"),
        "recent_n": _days(row.get("orders_window")), "previous_n": _days(row.get("orders_prev_window")),
        "previous": _counted(row.get("orders_prev_window"), "purchase", "purchases"),
        "recent_amount": format_value(row.get("amount_window"), "currency", lang),
    }
    return TEXTS[feature][1 if lang == "zh" else 0].format(**values)


def is_reason(feature: str, row: dict[str, float], reference: dict[str, float]) -> bool:
    """Whether the customer's value points towards leaving, so saying it explains the risk: fewer purchases than
    customers who stay, a longer silence than their own usual gap, more purchases before than lately.

    >>> is_reason("frequency", {"frequency": 60.0}, {"frequency": 8.0})
    False
    """
    value = row.get(feature)
    if value is None or math.isnan(value):
        return False
    if feature == "recency_days":  # overdue against their own rhythm when they have one
        gap = row.get("avg_gap_days")
        return value > (gap if gap is not None and not math.isnan(gap) else reference[feature])
    if feature == "orders_prev_window":  # a decline: more purchases before than in the last window
        return value > (row.get("orders_window") or 0.0)
    return value > reference[feature] if feature in RISKIER_WHEN_HIGHER else value < reference[feature]


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
    """The top contributing factors of each row that are reasons (see `is_reason`), joined with '; ' (or '；')."""
    effects = contributions(result, rows)
    texts = []
    for row, effect in zip(rows.iter_rows(named=True), effects, strict=True):
        ranked = [SAID_WITH.get(MODEL_FEATURES[j], MODEL_FEATURES[j]) for j in np.argsort(-effect, kind="stable")
                  if effect[j] > 0]
        best = [name for name in dict.fromkeys(ranked) if is_reason(name, row, result.reference)][:top]
        words = [factor_text(name, row, WINDOW_DAYS, result.cycle_days, lang, result.reference) for name in best]
        texts.append(("；" if lang == "zh" else "; ").join(words))
    return pl.Series("churn_factors", texts, dtype=pl.String)
