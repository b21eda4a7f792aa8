"""The review says what the campaign page says: rate gaps in points, channels the campaign used, no empty rows,
proper plurals, and a footer in the reader's words on the team's clock. Figures against hand-written SQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from viz.review import Review, build_review
from viz.review_words import gap

CMP = "CMP040"  # Winter Gift Sets Launch 2025, Official Site, 2025-12-16 – 2025-12-31; the 2024 edition is CMP020
LAST = "CMP020"
NOW = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def reviews(model: SemanticModel, engine: DuckDBEngine) -> dict[str, Review]:
    return {lang: build_review(model, engine, CMP, lang, now=NOW) for lang in ("en", "zh")}


def rates(con: duckdb.DuckDBPyConnection, campaign: str) -> dict[str, float]:
    """ROI, CTR and conversion of one campaign, by hand."""
    spend, clicks, shown = con.sql(f"SELECT SUM(spend), SUM(clicks), SUM(impressions) FROM ad_spend "
                                   f"WHERE campaign_id = '{campaign}'").fetchall()[0]
    revenue = con.sql(f"SELECT SUM(net_amount) FROM orders WHERE campaign_id = '{campaign}' "
                      "AND status = 'completed'").fetchall()[0][0]
    bought, reached = con.sql(f"SELECT COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'purchase'), "
                              f"COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'reach') FROM campaign_events "
                              f"WHERE campaign_id = '{campaign}'").fetchall()[0]
    return {"roi": (float(revenue) - spend) / spend, "ctr": clicks / shown, "conversion_rate": bought / reached}


def points(value: float, base: float) -> str:
    diff = (value - base) * 100
    return f"{diff:+.1f}" if abs(diff) >= 1 else f"{diff:+.2f}"


def test_rate_gaps_are_in_points_like_the_campaign_page(reviews: dict[str, Review],
                                                        con: duckdb.DuckDBPyConnection) -> None:
    mine, last = rates(con, CMP), rates(con, LAST)
    gaps = {m: points(mine[m], last[m]) for m in mine}
    assert gaps == {"roi": "-3.4", "ctr": "-0.15", "conversion_rate": "+0.33"}  # what the KPI cards show
    table = {row[0]: row for row in reviews["en"].section("summary").table.rows}
    assert table["ROI"][5] == "-3.4 pts" and table["CTR"][5] == "-0.15 pts"
    assert table["Conversion rate"][5] == "+0.33 pts" and table["Campaign revenue"][5].endswith("%")
    zh = {row[0]: row for row in reviews["zh"].section("summary").table.rows}
    assert zh["投资回报率"][5] == "-3.4 个百分点" and zh["转化率"][5] == "+0.33 个百分点"
    summary = " ".join(reviews["en"].section("summary").paragraphs)
    assert "conversion rate +0.33 pts." in summary and "%" not in summary.split("conversion rate ")[-1]
    text = " ".join(reviews["en"].section("did_not").bullets + reviews["en"].section("worked").bullets)
    assert "651" not in text and "-3.4 pts" not in text  # ROI's 3.4-point gap is smaller than the segments'
    bronze = next(b for b in reviews["en"].section("did_not").bullets if b.startswith("Conversion of Bronze"))
    assert bronze.endswith("pts).") and "%)" not in bronze


def test_gap_reads_points_for_rates_and_percent_for_amounts() -> None:
    assert gap(-0.0287, 0.0052, -6.514, "percent", "en") == "-3.4 pts"
    assert gap(67_800.0, 65_000.0, 0.043, "currency", "en") == "+4.3%"
    assert gap(None, 0.05, None, "percent", "zh") == "–"


def test_no_empty_repeat_rows_proper_plurals_and_a_footer_in_the_readers_words(
        model: SemanticModel, engine: DuckDBEngine, reviews: dict[str, Review], con: duckdb.DuckDBPyConnection,
        tmp_path: Path) -> None:
    buyers = reviews["en"].section("buyers")
    assert buyers.table is None and buyers.data["eligible"].sum() == 0  # no 30-day window has passed by Dec 31
    assert buyers.paragraphs[-1] == "It is too early to judge repeat purchases: no buyer's 30-day window has passed yet."
    days = con.sql(f"SELECT end_date - start_date + 1 FROM campaigns WHERE campaign_id = '{CMP}'").fetchall()[0][0]
    assert reviews["en"].section("trend").paragraphs[0].startswith(f"Over {days} days, the day with the most")
    assert reviews["zh"].section("trend").paragraphs[0].startswith(f"在{days}天中，")
    for lang, words in (("en", "Generated 2026-01-05 17:30 (Asia/Shanghai, UTC+8). Every figure uses the governed "
                                "metric definitions of the model 'Demo marketing warehouse'."),
                        ("zh", "生成于2026-01-05 17:30（Asia/Shanghai, UTC+8）。所有数字均采用模型“演示营销数仓”中统一定义的指标口径。")):
        assert build_review(model, engine, CMP, lang, now=NOW, home=tmp_path).generated == words
    followed = build_review(model, engine, "CMP027", "en", now=NOW, home=tmp_path).section("buyers")
    eligible = followed.data.filter(pl.col("eligible") > 0)
    assert followed.table is not None and len(followed.table.rows) == eligible.height == 9
    assert all(row[2] != "0" for row in followed.table.rows)
