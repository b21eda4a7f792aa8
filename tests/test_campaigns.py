"""Campaign figures against hand-written SQL on the demo warehouse."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from errors import InputError, ModelError, UnknownNameError
from ml import campaign_breakdowns as parts
from ml.campaigns import (
    campaign,
    campaign_list,
    catalog,
    comparables,
    daily_trend,
    measured_period,
    status_on,
    versus,
)
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.query import TimeRange
from tests.conftest import same_rows

AS_OF = dt.date(2025, 6, 10)


@pytest.fixture(scope="module")
def listing(model: SemanticModel, engine: DuckDBEngine) -> pl.DataFrame:
    return campaign_list(model, engine, AS_OF)


def test_catalog_is_the_campaigns_table(model: SemanticModel, engine: DuckDBEngine,
                                        con: duckdb.DuckDBPyConnection) -> None:
    expected = con.sql("SELECT campaign_id, campaign_name, campaign_type, channel, start_date, end_date, budget "
                       "FROM campaigns ORDER BY campaign_id").fetchall()
    assert catalog(model, engine).rows() == expected


def test_status_on_the_as_of_day(listing: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    expected = con.sql("SELECT campaign_id, CASE WHEN DATE '2025-06-10' < start_date THEN 'planned' "
                       "WHEN DATE '2025-06-10' <= end_date THEN 'running' ELSE 'ended' END "
                       "FROM campaigns ORDER BY 1").fetchall()
    assert listing.select("campaign_id", "status").rows() == expected
    assert listing.filter(pl.col("status") == "running")["campaign_id"].to_list() == ["CMP027", "CMP028"]


def test_spend_revenue_roas_to_the_as_of_day(listing: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    expected = con.sql("""
        WITH s AS (SELECT campaign_id, SUM(spend) spend, SUM(clicks) clicks, SUM(impressions) imps
                   FROM ad_spend WHERE date <= DATE '2025-06-10' GROUP BY 1),
             r AS (SELECT campaign_id, SUM(net_amount) rev, COUNT(DISTINCT order_id) n,
                          COUNT(DISTINCT customer_id) b
                   FROM orders WHERE status = 'completed' AND order_date <= DATE '2025-06-10' GROUP BY 1)
        SELECT c.campaign_id, COALESCE(s.spend, 0), COALESCE(r.rev, 0), r.rev / s.spend, (r.rev - s.spend) / s.spend,
               s.clicks / s.imps, s.spend / s.clicks, COALESCE(r.n, 0), COALESCE(r.b, 0)
        FROM campaigns c LEFT JOIN s USING (campaign_id) LEFT JOIN r USING (campaign_id) ORDER BY 1""").fetchall()
    actual = listing.select("campaign_id", "spend", "campaign_revenue", "roas", "roi", "ctr", "cpc", "orders",
                            "buyers").rows()
    assert same_rows(actual, [tuple(float(v) if isinstance(v, int) else v for v in row) for row in expected])


def test_conversion_from_campaign_events(listing: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    expected = con.sql("""
        SELECT campaign_id, COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'purchase')
               / COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'reach')
        FROM campaign_events WHERE event_time < TIMESTAMP '2025-06-11' GROUP BY 1 ORDER BY 1""").fetchall()
    actual = listing.filter(pl.col("conversion_rate").is_not_null()).select("campaign_id", "conversion_rate").rows()
    assert same_rows(actual, expected)


def test_pacing_of_a_running_campaign(listing: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    spend = con.sql("SELECT SUM(spend) FROM ad_spend WHERE campaign_id = 'CMP027' "
                    "AND date <= '2025-06-10'").fetchall()[0][0]
    row = listing.filter(pl.col("campaign_id") == "CMP027").row(0, named=True)
    elapsed = 17 / 27  # May 25 .. Jun 10 of May 25 .. Jun 20
    assert row["elapsed"] == pytest.approx(elapsed)
    assert row["pacing"] == pytest.approx(spend / 1_430_000 / elapsed)
    assert row["pacing_status"] == ("under" if row["pacing"] < 0.9 else "over" if row["pacing"] > 1.1 else "on_track")


def test_an_ended_campaign_is_judged_on_its_final_spend_against_its_budget(
        model: SemanticModel, engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    used = dict(con.sql("""
        SELECT c.campaign_id, SUM(a.spend) / c.budget FROM campaigns c JOIN ad_spend a USING (campaign_id)
        WHERE c.end_date < DATE '2025-12-31' GROUP BY c.campaign_id, c.budget""").fetchall())
    assert used["CMP037"] == pytest.approx(1.0615, abs=1e-4) and used["CMP025"] == pytest.approx(1.0674, abs=1e-4)
    ended = campaign_list(model, engine).filter(pl.col("status") == "ended")
    words = dict(ended.select("campaign_id", "pacing_status").rows())
    assert words == {c: "over_budget" if u > 1.02 else "under_spent" if u < 0.9 else "within_budget"
                     for c, u in used.items()}
    assert words["CMP037"] == words["CMP025"] == "over_budget"  # Member Day Autumn, Sunscreen Season 2025
    running = campaign_list(model, engine, dt.date(2025, 11, 21)).filter(pl.col("campaign_id") == "CMP037")
    assert running["pacing_status"][0] in ("under", "on_track", "over")  # mid-campaign: its pace


def test_new_buyers_are_those_without_an_earlier_order(listing: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    expected = con.sql("""
        WITH firsts AS (SELECT campaign_id, customer_id, MIN(order_date) d FROM orders
                        WHERE status = 'completed' AND campaign_id IS NOT NULL AND order_date <= '2025-06-10'
                        GROUP BY 1, 2),
             earliest AS (SELECT customer_id, MIN(order_date) d FROM orders WHERE status = 'completed' GROUP BY 1)
        SELECT f.campaign_id, COUNT(*) FILTER (WHERE e.d = f.d) FROM firsts f JOIN earliest e USING (customer_id)
        GROUP BY 1 ORDER BY 1""").fetchall()
    actual = listing.filter(pl.col("buyers") > 0).select("campaign_id", "new_buyers").rows()
    assert actual == [(c, float(n)) for c, n in expected]


def test_a_planned_campaign_has_no_division_errors(listing: pl.DataFrame) -> None:
    row = listing.filter(pl.col("campaign_id") == "CMP035").row(0, named=True)  # Double 11 2025, not started
    assert row["status"] == "planned" and row["spend"] == 0 and row["campaign_revenue"] == 0
    assert row["roas"] is None and row["roi"] is None and row["cpc"] is None and row["pacing"] is None
    assert row["pacing_status"] == "not_started" and row["cost_per_new_buyer"] is None


def test_unknown_campaign_suggests_ids(model: SemanticModel, engine: DuckDBEngine) -> None:
    with pytest.raises(UnknownNameError, match=r"Unknown campaign 'CMP0027'\. Did you mean 'CMP027'"):
        campaign(model, engine, "CMP0027")
    with pytest.raises(UnknownNameError, match="Did you mean"):
        parts.funnel(model, engine, "CMP99")


def test_notes_for_a_campaign_without_spend_events_or_orders(model: SemanticModel, engine: DuckDBEngine) -> None:
    planned = campaign(model, engine, "CMP040", dt.date(2025, 12, 1))
    english = parts.notes(planned, 0, "en")
    assert english == ["Winter Gift Sets Launch 2025 has no ad spend yet, so ROAS, ROI and CPC cannot be computed.",
                       "Winter Gift Sets Launch 2025 has no campaign events yet, so there is no funnel to show.",
                       "Winter Gift Sets Launch 2025 has no completed orders yet."]
    assert parts.notes(planned, 0, "zh")[0].startswith("Winter Gift Sets Launch 2025 还没有广告花费")


def test_comparables_same_festival_then_same_type(listing: pl.DataFrame, model: SemanticModel,
                                                  engine: DuckDBEngine) -> None:
    full = campaign_list(model, engine)
    assert comparables(full, campaign(model, engine, "CMP027"))["campaign_id"].to_list() == ["CMP007"]
    peers = comparables(full, campaign(model, engine, "CMP017"))  # Member Day Autumn 2024: no festival match
    assert peers["campaign_id"].to_list() == ["CMP004"] and peers["basis"][0] == "same_type"
    assert comparables(full, campaign(model, engine, "CMP004")).is_empty()


def test_versus_target_and_last_year(model: SemanticModel, engine: DuckDBEngine,
                                     con: duckdb.DuckDBPyConnection) -> None:
    table = {r["metric"]: r for r in versus(model, engine, "CMP027", roas_target=2.0).iter_rows(named=True)}
    roas = dict(con.sql("SELECT a.campaign_id, r / s FROM "
                        "(SELECT campaign_id, SUM(spend) s FROM ad_spend GROUP BY 1) a "
                        "JOIN (SELECT campaign_id, SUM(net_amount) r FROM orders WHERE status = 'completed' "
                        "GROUP BY 1) o USING (campaign_id)").fetchall())
    assert table["roas"]["value"] == pytest.approx(roas["CMP027"])
    assert table["roas"]["comparable"] == pytest.approx(roas["CMP007"])
    assert table["roas"]["vs_target"] == pytest.approx((roas["CMP027"] - 2.0) / 2.0)
    assert table["spend"]["target"] == 1_430_000 and table["campaign_revenue"]["target"] is None
    assert table["roas"]["basis"] == "same_festival" and table["roas"]["peers"] == "CMP007"
    lonely = versus(model, engine, "CMP004")
    assert lonely["comparable"].null_count() == lonely.height and lonely["basis"][0] is None


def test_daily_trend(model: SemanticModel, engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    expected = con.sql("""
        SELECT a.date, a.spend, a.clicks, COALESCE(o.r, 0), COALESCE(o.r, 0) / a.spend
        FROM (SELECT date, SUM(spend) spend, SUM(clicks)::DOUBLE clicks FROM ad_spend WHERE campaign_id = 'CMP004'
              GROUP BY 1) a
        LEFT JOIN (SELECT order_date, SUM(net_amount) r FROM orders WHERE campaign_id = 'CMP004'
                   AND status = 'completed' GROUP BY 1) o ON o.order_date = a.date ORDER BY 1""").fetchall()
    assert same_rows(daily_trend(model, engine, "CMP004").rows(), expected)


def test_funnel_steps_and_rates(model: SemanticModel, engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(con.sql("SELECT event_type, COUNT(DISTINCT customer_id) FROM campaign_events "
                          "WHERE campaign_id = 'CMP027' GROUP BY 1").fetchall())
    frame = parts.funnel(model, engine, "CMP027")
    assert frame["event_type"].to_list() == ["reach", "click", "visit", "add_to_cart", "purchase"]
    assert frame["customers"].to_list() == [counts[s] for s in frame["event_type"].to_list()]
    assert frame["step_conversion"][2] == pytest.approx(counts["visit"] / counts["click"])
    assert frame["drop_off"][4] == pytest.approx(1 - counts["purchase"] / counts["add_to_cart"])
    assert frame["overall_conversion"][4] == pytest.approx(counts["purchase"] / counts["reach"])


def test_funnel_by_member_tier(model: SemanticModel, engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    expected = con.sql("""SELECT c.member_tier, e.event_type, COUNT(DISTINCT e.customer_id)
                          FROM campaign_events e JOIN customers c USING (customer_id)
                          WHERE e.campaign_id = 'CMP027' GROUP BY 1, 2""").fetchall()
    frame = parts.funnel(model, engine, "CMP027", by="member_tier")
    actual = {(r["member_tier"], r["event_type"]): r["customers"] for r in frame.iter_rows(named=True)}
    assert actual == {(tier, step): n for tier, step, n in expected}
    assert frame["member_tier"].unique().sort().to_list() == ["Bronze", "Gold", "Platinum", "Silver"]


def test_funnels_side_by_side_across_campaigns(model: SemanticModel, engine: DuckDBEngine,
                                               con: duckdb.DuckDBPyConnection) -> None:
    expected = dict(con.sql("SELECT campaign_id, COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'purchase') "
                            "/ COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'reach') "
                            "FROM campaign_events GROUP BY 1").fetchall())
    frame = parts.funnel(model, engine, by="campaign_id").filter(pl.col("event_type") == "purchase")
    assert dict(frame.select("campaign_id", "overall_conversion").rows()) == pytest.approx(expected)
    assert frame.height == 40


def test_empty_funnel_has_no_division_errors() -> None:
    frame = parts.funnel_steps(pl.DataFrame({"event_type": [], "customers": []},
                                            schema={"event_type": pl.String, "customers": pl.Int64}))
    assert frame["customers"].to_list() == [0] * 5
    assert frame["step_conversion"].null_count() == 5 and frame["overall_conversion"].null_count() == 5


def test_buyers_brought_and_repeat_windows(model: SemanticModel, engine: DuckDBEngine,
                                           con: duckdb.DuckDBPyConnection) -> None:
    rows = con.sql("""
        WITH f AS (SELECT customer_id, MIN(order_date) d FROM orders WHERE campaign_id = 'CMP007'
                   AND status = 'completed' GROUP BY 1)
        SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = f.customer_id
                   AND o.status = 'completed' AND o.order_date < f.d)),
               COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = f.customer_id
                   AND o.status = 'completed' AND o.order_date > f.d AND o.order_date <= f.d + 30))
        FROM f""").fetchall()[0]
    total, new, repeat30 = rows
    buyers = parts.buyers_brought(model, engine, "CMP007")
    assert buyers.rows() == [("new", new, new / total), ("returning", total - new, (total - new) / total)]
    repeat = parts.repeat_purchase(model, engine, "CMP007").filter(pl.col("buyer_type") == "all")
    assert repeat.row(0) == ("all", 30, total, repeat30, repeat30 / total)


def test_repeat_windows_count_only_buyers_whose_window_has_passed(model: SemanticModel, engine: DuckDBEngine) -> None:
    repeat = parts.repeat_purchase(model, engine, "CMP040").filter(pl.col("buyer_type") == "all")
    assert repeat["eligible"].to_list() == [0, 0, 0] and repeat["repeat_rate"].null_count() == 3


def test_channel_comparison(model: SemanticModel, engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    expected = con.sql("""
        WITH b AS (SELECT channel, SUM(budget) budget FROM campaigns GROUP BY 1),
             s AS (SELECT channel, SUM(spend) spend, SUM(clicks) clicks FROM ad_spend GROUP BY 1),
             r AS (SELECT channel, SUM(net_amount) rev FROM orders WHERE status = 'completed'
                   AND campaign_id IS NOT NULL GROUP BY 1)
        SELECT channel, budget, spend, rev, rev / spend, spend / clicks, budget / SUM(budget) OVER (),
               rev / SUM(rev) OVER ()
        FROM b JOIN s USING (channel) JOIN r USING (channel) ORDER BY rev DESC""").fetchall()
    frame = parts.channel_comparison(model, engine)
    actual = frame.select("channel", "budget", "spend", "campaign_revenue", "roas", "cpc", "budget_share",
                          "revenue_share").rows()
    assert same_rows(actual, expected)
    assert frame["spend_share"].sum() == pytest.approx(1.0)


def test_channel_conversion_counts_per_campaign(model: SemanticModel, engine: DuckDBEngine,
                                                con: duckdb.DuckDBPyConnection) -> None:
    """A customer reached by three Tmall campaigns counts three times, as in each campaign's own rate, so the
    channel's rate is Σ purchasers / Σ reached of its campaigns and lies between their rates."""
    per_campaign = con.sql("""
        SELECT c.channel, e.campaign_id, COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'purchase') p,
               COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'reach') r
        FROM campaign_events e JOIN campaigns c USING (campaign_id) GROUP BY 1, 2""").pl()
    expected = per_campaign.group_by("channel").agg(
        rate=pl.col("p").sum() / pl.col("r").sum(), low=(pl.col("p") / pl.col("r")).min(),
        high=(pl.col("p") / pl.col("r")).max())
    frame = parts.channel_comparison(model, engine).join(expected, on="channel")
    assert frame.height == expected.height >= 3
    for row in frame.iter_rows(named=True):
        assert row["conversion_rate"] == pytest.approx(row["rate"]), row["channel"]
        assert row["low"] - 1e-12 <= row["conversion_rate"] <= row["high"] + 1e-12, row["channel"]
    tmall = frame.filter(pl.col("channel") == "Tmall")
    assert tmall["conversion_rate"][0] < 0.26  # was 36.78 %: distinct buyers over distinct reached customers
    one = parts.channel_comparison(model, engine, campaign_id="CMP027")
    own = per_campaign.filter(pl.col("campaign_id") == "CMP027")
    assert one["conversion_rate"].to_list() == pytest.approx([own["p"][0] / own["r"][0]])


def test_cost_per_new_buyer_by_channel(model: SemanticModel, engine: DuckDBEngine, listing: pl.DataFrame) -> None:
    full = campaign_list(model, engine)
    new = full.group_by("channel").agg(pl.col("new_buyers").sum(), pl.col("spend").sum())
    frame = parts.channel_comparison(model, engine).join(new, on="channel", suffix="_list")
    assert (frame["new_buyers"] == frame["new_buyers_list"]).all()
    assert same_rows(frame.select("cost_per_new_buyer").rows(),
                     frame.select(pl.col("spend") / pl.col("new_buyers")).rows())


def test_a_model_without_the_campaign_metrics_is_refused_in_words(model: SemanticModel,
                                                                  engine: DuckDBEngine) -> None:
    old = dataclasses.replace(model, metrics={k: v for k, v in model.metrics.items() if k != "budget"})
    with pytest.raises(ModelError, match="has no budget, which campaign analysis needs"):
        campaign_list(old, engine)


def test_status_boundaries() -> None:
    start, end = dt.date(2025, 6, 1), dt.date(2025, 6, 3)
    assert [status_on(start - dt.timedelta(days=1), start, end), status_on(start, start, end),
            status_on(end, start, end), status_on(end + dt.timedelta(days=1), start, end)] == \
        ["planned", "running", "running", "ended"]


def test_a_campaign_without_a_start_date_is_named_in_words(tmp_path: Path, warehouse: Path,
                                                            model: SemanticModel) -> None:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    with duckdb.connect(str(copy)) as db:
        (campaign_id, name), = db.execute("SELECT campaign_id, campaign_name FROM campaigns "
                                          "ORDER BY campaign_id LIMIT 1").fetchall()
        db.execute("UPDATE campaigns SET start_date = NULL WHERE campaign_id = ?", [campaign_id])
    with pytest.raises(InputError, match=f"Campaign {campaign_id} \\({name}\\) has no start date"):
        campaign_list(model, DuckDBEngine(copy))


def _steps_to(con: duckdb.DuckDBPyConnection, campaign_id: str, day: dt.date | None) -> list[int]:
    """Customers at each funnel step of a campaign, from its events up to the end of `day` (None: all)."""
    counts = dict(con.execute("SELECT event_type, COUNT(DISTINCT customer_id) FROM campaign_events "
                              "WHERE campaign_id = ? AND (CAST(? AS DATE) IS NULL OR event_time < CAST(? AS DATE) + 1) "
                              "GROUP BY 1", [campaign_id, day, day]).fetchall())
    return [counts.get(s, 0) for s in parts.FUNNEL]


def test_the_funnel_measured_on_a_day_counts_the_events_up_to_it(model: SemanticModel, engine: DuckDBEngine,
                                                                  con: duckdb.DuckDBPyConnection) -> None:
    period = measured_period(model, engine, AS_OF)  # CMP027 runs May 25 – Jun 20: half its events are later
    assert period == TimeRange(dt.date(2024, 1, 25), AS_OF)
    steps = parts.funnel(model, engine, "CMP027", period=period)
    assert steps["customers"].to_list() == _steps_to(con, "CMP027", AS_OF)
    assert steps["customers"].to_list() != _steps_to(con, "CMP027", None)  # the whole campaign reaches more
    assert steps["customers"][0] < parts.funnel(model, engine, "CMP027")["customers"][0]


def test_ab_counts_measured_on_a_day(model: SemanticModel, engine: DuckDBEngine,
                                     con: duckdb.DuckDBPyConnection) -> None:
    period = measured_period(model, engine, AS_OF)
    for campaign_id in ("CMP027", "CMP028"):
        steps = _steps_to(con, campaign_id, AS_OF)
        assert parts.conversion_counts(model, engine, campaign_id, period) == (steps[-1], steps[0])
        everything = _steps_to(con, campaign_id, None)
        assert parts.conversion_counts(model, engine, campaign_id) == (everything[-1], everything[0])
        assert steps[0] < everything[0]
