"""The review says what the campaign page says: rate gaps in points, channels the campaign used, no empty rows,
proper plurals, and a footer in the reader's words on the team's clock. Figures against hand-written SQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ml.campaign_breakdowns import FUNNEL
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from viz.i18n import t
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
    assert buyers.paragraphs[-1] == ("It is too early to judge repeat purchases: no buyer's 30-day window has "
                                     "passed yet.")
    days = con.sql(f"SELECT end_date - start_date + 1 FROM campaigns WHERE campaign_id = '{CMP}'").fetchall()[0][0]
    assert reviews["en"].section("trend").paragraphs[0].startswith(f"Over {days} days, the day with the most")
    assert reviews["zh"].section("trend").paragraphs[0].startswith(f"在{days}天中，")
    for lang, words in (("en", "Generated 2026-01-05 17:30 (Asia/Shanghai, UTC+8). Every figure uses the governed "
                                "metric definitions of the model 'Demo marketing warehouse'."),
                        ("zh", "生成于2026-01-05 17:30（Asia/Shanghai, UTC+8）。所有数字均采用模型“演示营销数仓”中"
                               "统一定义的指标口径。")):
        assert build_review(model, engine, CMP, lang, now=NOW, home=tmp_path).generated == words
    followed = build_review(model, engine, "CMP027", "en", now=NOW, home=tmp_path).section("buyers")
    eligible = followed.data.filter(pl.col("eligible") > 0)
    assert followed.table is not None and len(followed.table.rows) == eligible.height == 9
    assert all(row[2] != "0" for row in followed.table.rows)


def test_channel_budget_share_counts_every_campaign_that_ran_in_the_period(reviews: dict[str, Review],
                                                                           con: duckdb.DuckDBPyConnection) -> None:
    period = "DATE '2025-12-16' AND DATE '2025-12-31'"
    budget = dict(con.sql("SELECT channel, SUM(budget) FROM campaigns WHERE start_date <= DATE '2025-12-31' "
                          "AND end_date >= DATE '2025-12-16' GROUP BY 1").fetchall())
    spend = dict(con.sql(f"SELECT channel, SUM(spend) FROM ad_spend WHERE date BETWEEN {period} GROUP BY 1 "
                         "HAVING SUM(spend) > 0").fetchall())
    assert budget == {"WeChat Mini Program": 66_000, "Official Site": 77_000}  # CMP039 started on Dec 14
    data = {r["channel"]: r for r in reviews["en"].section("channels").data.iter_rows(named=True)}
    assert set(data) == set(spend) == set(budget)
    for channel, amount in budget.items():
        assert data[channel]["budget"] == amount
        assert data[channel]["budget_share"] == pytest.approx(amount / sum(budget.values()))
        assert data[channel]["spend"] == pytest.approx(spend[channel])
    rows = {r[0]: r for r in reviews["en"].section("channels").table.rows}
    assert rows["WeChat Mini Program"][8] == "46.15%" and rows["Official Site"][8] == "53.85%"
    assert reviews["en"].section("channels").paragraphs[1] == ("Winter Gift Sets Launch 2025 ran on Official Site; "
                                                               "the other rows are other campaigns running in the "
                                                               "same days.")


def test_recommendations_name_only_the_campaigns_channels_or_say_a_channel_is_new(
        reviews: dict[str, Review], con: duckdb.DuckDBPyConnection) -> None:
    period = "BETWEEN DATE '2025-12-16' AND DATE '2025-12-31'"
    (spend,) = con.sql(f"SELECT SUM(spend) FROM ad_spend WHERE channel = 'WeChat Mini Program' "
                       f"AND date {period}").fetchall()[0]
    (revenue,) = con.sql(f"SELECT SUM(net_amount) FROM orders WHERE channel = 'WeChat Mini Program' AND status = "
                         f"'completed' AND campaign_id IS NOT NULL AND order_date {period}").fetchall()[0]
    kinds = {r.kind: r for r in reviews["en"].recommendations}
    assert "budget_shift" not in kinds  # the campaign ran on one channel: there is nothing to shift between
    advice = kinds["new_channel"].numbers
    assert advice["channel"] == "WeChat Mini Program" and advice["own"] == "Official Site"
    assert advice["roas"] == pytest.approx(float(revenue) / spend) and advice["campaigns"] == (
        "Year-End Retargeting Wave 2025",)
    text = next(b for b in reviews["en"].section("recommendations").bullets if "WeChat" in b)
    assert text.startswith(f"Test WeChat Mini Program, a channel new to this campaign: other campaigns on it in the "
                           f"same days (Year-End Retargeting Wave 2025) earned ROAS {float(revenue) / spend:.2f}, "
                           "against 0.97 for this campaign on Official Site.")
    assert not any(b.startswith("Shift budget") for b in reviews["en"].section("recommendations").bullets)
    zh = reviews["zh"].section("recommendations").bullets
    assert any(b.startswith("可测试微信小程序，本活动尚未使用过该渠道") for b in zh)


def test_an_unusual_rate_is_off_by_points(model: SemanticModel) -> None:
    from ml.anomaly import describe

    row = {"metric": "ctr", "value": 0.021, "expected": 0.03, "change": -0.3, "key": "Tmall",
           "day": dt.date(2025, 6, 3), "driver": None}
    assert describe(row, model, "en") == "CTR of Tmall on Jun 3, 2025 was 2.1%, 0.90 pts below the expected 3%."
    assert describe(row, model, "zh").endswith("比预期 3% 低 0.90 个百分点。")
    money = row | {"metric": "roas", "value": 0.5, "expected": 1.8, "change": -0.72}
    assert describe(money, model, "en").endswith("0.50, 72.0% below the expected 1.80.")  # a ratio keeps its %


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_funnel_steps_have_one_name_on_every_page(model: SemanticModel, lang: str) -> None:
    """The dashboard's funnel (the model's value labels) and the review's (campaigns.step) name a step alike."""
    labels = [model.dimensions["event_type"].value_label(step, lang) for step in FUNNEL]
    assert labels == [t(f"campaigns.step.{step}", lang) for step in FUNNEL]
