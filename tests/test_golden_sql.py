"""Golden SQL for DuckDB and PostgreSQL: a change in the compiler's output is a visible diff.

Regenerate with `BEACON_REGEN_GOLDEN=1 pytest tests/test_golden_sql.py` and read the diff.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from semantic.compile import compile_query
from semantic.model import SemanticModel
from semantic.query import Filter, OrderBy, SemanticQuery, TimeRange

GOLDEN = Path(__file__).parent / "golden"
Q2 = TimeRange(dt.date(2025, 4, 1), dt.date(2025, 6, 30))

QUERIES = {
    "revenue_total": SemanticQuery(metrics=("revenue",)),
    "revenue_orders_by_channel_month_east": SemanticQuery(
        metrics=("revenue", "orders"), dimensions=("channel",), time_grain="month",
        filters=(Filter("region", "=", "East"),), time_range=TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))),
    "mixed_facts_roas_by_channel_week": SemanticQuery(
        metrics=("revenue", "spend", "roas"), dimensions=("channel",), time_grain="week", time_range=Q2),
    "conversion_by_campaign_top5": SemanticQuery(
        metrics=("conversion_rate",), dimensions=("campaign_name",), limit=5),
    "kpis_vs_previous_period": SemanticQuery(
        metrics=("revenue", "orders", "aov", "spend", "roas"), time_range=Q2, compare="previous_period"),
    "revenue_by_quarter_vs_last_year": SemanticQuery(
        metrics=("revenue",), time_grain="quarter", time_range=TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        compare="previous_year"),
    "filters_of_every_kind": SemanticQuery(
        metrics=("refund_rate",), dimensions=("product_category",),
        filters=(Filter("channel", "in", ("Tmall", "JD")), Filter("age", "between", (25, 34)),
                 Filter("city", "like", "S%"), Filter("campaign_id", "is not null")),
        order_by=(OrderBy("refund_rate", desc=True),)),
}


@pytest.mark.parametrize("dialect", ["duckdb", "postgres"])
@pytest.mark.parametrize("name", sorted(QUERIES))
def test_golden_sql(name: str, dialect: str, model: SemanticModel) -> None:
    sql = compile_query(QUERIES[name], model, dialect=dialect).sql + "\n"
    path = GOLDEN / f"{name}.{dialect}.sql"
    if os.environ.get("BEACON_REGEN_GOLDEN"):
        path.write_text(sql, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}; regenerate with BEACON_REGEN_GOLDEN=1"
    assert sql == path.read_text(encoding="utf-8")
