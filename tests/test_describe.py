"""A query restated in words, in both languages: what the user checks before trusting a number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from semantic.model import SemanticModel
from semantic.query import Filter, OrderBy, SemanticQuery, TimeRange
from viz.describe import describe
from viz.format import format_value

JUNE = TimeRange(dt.date(2025, 6, 1), dt.date(2025, 6, 30))


def test_metrics_splits_and_grain(model: SemanticModel) -> None:
    by_month = SemanticQuery(metrics=("revenue",), time_grain="month")
    assert describe(by_month, model, "en") == "Revenue by month"
    assert describe(by_month, model, "zh") == "每月销售额"
    both = SemanticQuery(metrics=("revenue", "orders"), dimensions=("channel",), time_grain="week")
    assert describe(both, model, "en") == "Revenue, Orders by Channel, by week"
    assert describe(both, model, "zh") == "按渠道看每周销售额、订单数"


def test_filters_period_comparison_and_ranking(model: SemanticModel) -> None:
    query = SemanticQuery(metrics=("roas",), dimensions=("campaign_name",),
                          filters=(Filter("channel", "in", ("Tmall", "JD")),), time_range=JUNE,
                          compare="previous_year", order_by=(OrderBy("roas", desc=False),), limit=3)
    assert describe(query, model, "en") == ("ROAS by Campaign · Channel in Tmall, JD · Jun 1, 2025 – Jun 30, 2025"
                                            " · vs same period last year · bottom 3")
    zh = describe(query, model, "zh")
    assert "属于 天猫、京东" in zh and "2025年6月1日 至 2025年6月30日" in zh and zh.endswith("同比去年同期 · 后3名")


def test_exact_sums_format_like_floats() -> None:
    assert format_value(Decimal("123456"), "integer", "zh") == "12.35万"
    assert format_value(Decimal("123456"), "integer", "en", full=True) == "123,456"
