"""The demo warehouse: exact schema, sizes, determinism, integrity and the story a marketer sees."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

import ingest.store as store
from errors import InputError, WarehouseError
from ingest.demo import build_demo

TABLES = ("customers", "campaigns", "orders", "ad_spend", "campaign_events")
SCHEMA = {
    "customers": [
        ("customer_id", "VARCHAR"), ("gender", "VARCHAR"), ("age", "INTEGER"), ("city", "VARCHAR"),
        ("region", "VARCHAR"), ("signup_date", "DATE"), ("acquisition_channel", "VARCHAR"),
        ("member_tier", "VARCHAR"),
    ],
    "campaigns": [
        ("campaign_id", "VARCHAR"), ("campaign_name", "VARCHAR"), ("campaign_type", "VARCHAR"),
        ("channel", "VARCHAR"), ("start_date", "DATE"), ("end_date", "DATE"), ("budget", "DOUBLE"),
    ],
    "orders": [
        ("order_id", "VARCHAR"), ("customer_id", "VARCHAR"), ("order_date", "DATE"), ("channel", "VARCHAR"),
        ("campaign_id", "VARCHAR"), ("product_category", "VARCHAR"), ("quantity", "INTEGER"),
        ("gross_amount", "DOUBLE"), ("discount_amount", "DOUBLE"), ("net_amount", "DOUBLE"),
        ("status", "VARCHAR"),
    ],
    "ad_spend": [
        ("date", "DATE"), ("campaign_id", "VARCHAR"), ("channel", "VARCHAR"), ("impressions", "BIGINT"),
        ("clicks", "BIGINT"), ("spend", "DOUBLE"),
    ],
    "campaign_events": [
        ("event_id", "BIGINT"), ("campaign_id", "VARCHAR"), ("customer_id", "VARCHAR"),
        ("event_type", "VARCHAR"), ("event_time", "TIMESTAMP"),
    ],
}  # fmt: skip
ORDER_CHANNELS = {"Tmall", "JD", "Douyin", "WeChat Mini Program", "Official Site", "Offline Store"}
STAGE = (
    "CASE event_type WHEN 'reach' THEN 1 WHEN 'click' THEN 2 WHEN 'visit' THEN 3 "
    "WHEN 'add_to_cart' THEN 4 WHEN 'purchase' THEN 5 END"
)
REVENUE_BY_MONTH = """
    SELECT year(order_date) AS y, month(order_date) AS m, sum(net_amount) AS revenue
    FROM orders WHERE status = 'completed' GROUP BY ALL
"""


@dataclass(frozen=True)
class Builds:
    path: Path
    twin: Path  # same seed
    other: Path  # different seed
    counts: dict[str, int]


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    root = tmp_path_factory.mktemp("demo")
    path = root / "nested" / "warehouse.duckdb"  # parent folder does not exist yet
    counts = build_demo(path, seed=7)
    build_demo(root / "twin.duckdb", seed=7)
    build_demo(root / "other.duckdb", seed=8)
    return Builds(path, root / "twin.duckdb", root / "other.duckdb", counts)


@pytest.fixture(scope="module")
def db(builds: Builds) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(builds.path), read_only=True)
    yield con
    con.close()


def one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchone()[0]


def digests(path: Path) -> dict[str, str]:
    """md5 of every table's rows in insertion order: equal digests mean identical content and order."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: one(con, f"SELECT md5(string_agg(x::VARCHAR, chr(10) ORDER BY x.rowid)) FROM {t} AS x")
            for t in TABLES
        }
    finally:
        con.close()


# --- shape ---------------------------------------------------------------------------------


@pytest.mark.parametrize("table", TABLES)
def test_columns_and_types_are_exact(db: duckdb.DuckDBPyConnection, table: str) -> None:
    described = [(row[0], row[1]) for row in db.execute(f"DESCRIBE {table}").fetchall()]
    assert described == SCHEMA[table]


def test_sizes_match_the_brief(db: duckdb.DuckDBPyConnection, builds: Builds) -> None:
    counts = {t: one(db, f"SELECT count(*) FROM {t}") for t in TABLES}
    assert counts == builds.counts
    assert 18_000 <= counts["customers"] <= 22_000
    assert 130_000 <= counts["orders"] <= 170_000
    assert counts["campaigns"] == 40
    assert 1_000 * 40 <= counts["campaign_events"] <= 20_000 * 40


def test_ids_are_formatted_and_rows_sorted_by_id(db: duckdb.DuckDBPyConnection) -> None:
    assert one(db, "SELECT min(customer_id) || max(customer_id) FROM customers") == "C000001C020000"
    assert one(db, "SELECT min(campaign_id) || max(campaign_id) FROM campaigns") == "CMP001CMP040"
    assert one(db, "SELECT min(order_id) FROM orders") == "O0000001"
    for table, key in (("customers", "customer_id"), ("orders", "order_id"), ("campaign_events", "event_id")):
        back = f"SELECT {key} < lag({key}) OVER (ORDER BY rowid) AS back FROM {table}"
        assert one(db, f"SELECT count(*) FROM ({back}) WHERE back") == 0
    assert one(db, "SELECT min(event_id) = 1 AND max(event_id) = count(*) FROM campaign_events")


def test_no_wal_or_temp_file_is_left(builds: Builds) -> None:
    assert sorted(p.name for p in builds.path.parent.iterdir()) == [".warehouse.duckdb.lock", "warehouse.duckdb"]


# --- determinism ---------------------------------------------------------------------------


def test_same_seed_gives_identical_tables(builds: Builds) -> None:
    assert digests(builds.path) == digests(builds.twin)


def test_different_seed_gives_different_customers_and_orders(builds: Builds) -> None:
    first, other = digests(builds.path), digests(builds.other)
    assert first["campaigns"] == other["campaigns"]  # the calendar is fixed, not random
    for table in ("customers", "orders", "ad_spend", "campaign_events"):
        assert first[table] != other[table]


# --- integrity -----------------------------------------------------------------------------


def test_every_order_has_a_customer_signed_up_by_then(db: duckdb.DuckDBPyConnection) -> None:
    orphans = """
        SELECT count(*) FROM orders o LEFT JOIN customers c USING (customer_id)
        WHERE c.customer_id IS NULL OR c.signup_date > o.order_date
    """
    assert one(db, orphans) == 0
    assert one(db, "SELECT count(*) - count(DISTINCT order_id) FROM orders") == 0


def test_attributed_orders_fall_inside_their_campaign_on_its_channel(db: duckdb.DuckDBPyConnection) -> None:
    share = one(db, "SELECT avg((campaign_id IS NOT NULL)::INT) FROM orders")
    assert 0.1 < share < 0.6
    misattributed = """
        SELECT count(*) FROM orders o LEFT JOIN campaigns c USING (campaign_id)
        WHERE o.campaign_id IS NOT NULL AND (c.campaign_id IS NULL OR o.channel <> c.channel
              OR o.order_date NOT BETWEEN c.start_date AND c.end_date)
    """
    assert one(db, misattributed) == 0


def test_all_activity_is_inside_2024_and_2025(db: duckdb.DuckDBPyConnection) -> None:
    span = "BETWEEN DATE '2024-01-01' AND DATE '2025-12-31'"
    assert one(db, f"SELECT bool_and(order_date {span}) FROM orders")
    assert one(db, f"SELECT bool_and(date {span}) FROM ad_spend")
    assert one(db, f"SELECT bool_and(event_time::DATE {span}) FROM campaign_events")
    signups = "BETWEEN DATE '2022-01-01' AND DATE '2025-12-31'"
    assert one(db, f"SELECT bool_and(signup_date {signups}) FROM customers")


def test_money_adds_up_to_the_cent(db: duckdb.DuckDBPyConnection) -> None:
    assert one(db, "SELECT max(abs(gross_amount - discount_amount - net_amount)) FROM orders") < 0.005
    odd = """
        SELECT count(*) FROM orders WHERE discount_amount < 0 OR net_amount <= 0
            OR round(gross_amount, 2) <> gross_amount OR round(discount_amount, 2) <> discount_amount
            OR quantity NOT BETWEEN 1 AND 4
    """
    assert one(db, odd) == 0


def test_status_mix(db: duckdb.DuckDBPyConnection) -> None:
    mix = "SELECT status, count(*) / sum(count(*)) OVER () FROM orders GROUP BY 1"
    shares = dict(db.execute(mix).fetchall())
    assert set(shares) == {"completed", "refunded", "cancelled"}
    assert 0.02 <= shares["refunded"] <= 0.04
    assert 0.01 <= shares["cancelled"] <= 0.03
    assert shares["completed"] > 0.93


# --- customers -----------------------------------------------------------------------------


def test_customer_profile(db: duckdb.DuckDBPyConnection) -> None:
    assert 0.72 <= one(db, "SELECT avg((gender = 'Female')::INT) FROM customers") <= 0.78
    assert one(db, "SELECT min(age) >= 18 AND max(age) <= 65 FROM customers")
    assert 0.5 < one(db, "SELECT avg((age BETWEEN 22 AND 35)::INT) FROM customers") < 0.85
    assert one(db, "SELECT avg((signup_date < DATE '2024-01-01')::INT) FROM customers") > 0.2
    channels = {r[0] for r in db.execute("SELECT DISTINCT acquisition_channel FROM customers").fetchall()}
    assert channels == ORDER_CHANNELS | {"Referral"}


def test_cities_have_a_long_tail_and_the_right_regions(db: duckdb.DuckDBPyConnection) -> None:
    regions = dict(db.execute("SELECT city, any_value(region) FROM customers GROUP BY city").fetchall())
    assert len(regions) >= 70
    assert one(db, "SELECT max(n) FROM (SELECT count(DISTINCT region) n FROM customers GROUP BY city)") == 1
    expected = {
        "Shanghai": "East", "Beijing": "North", "Guangzhou": "South", "Chengdu": "Southwest",
        "Xi'an": "Northwest", "Harbin": "Northeast", "Wuhan": "Central", "Lhasa": "Southwest",
    }  # fmt: skip
    assert {city: regions[city] for city in expected} == expected
    ranked = db.execute("SELECT city, count(*) FROM customers GROUP BY city ORDER BY 2 DESC").fetchall()
    assert ranked[0][0] == "Shanghai"
    sizes = [n for _, n in ranked]
    assert sum(sizes[len(sizes) // 2 :]) / sum(sizes) < 0.25


def test_member_tiers_follow_spending(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute("""
        SELECT member_tier, count(*) / sum(count(*)) OVER () AS share,
               sum(coalesce(spent, 0)) / count(*) AS spend
        FROM customers LEFT JOIN (
            SELECT customer_id, sum(net_amount) AS spent FROM orders WHERE status = 'completed' GROUP BY 1
        ) USING (customer_id) GROUP BY member_tier
    """).fetchall()
    tiers = {tier: (share, spend) for tier, share, spend in rows}
    for tier, target in (("Bronze", 0.55), ("Silver", 0.28), ("Gold", 0.13), ("Platinum", 0.04)):
        assert abs(tiers[tier][0] - target) < 0.03
    spend = [tiers[t][1] for t in ("Bronze", "Silver", "Gold", "Platinum")]
    assert spend == sorted(spend) and spend[3] > 3 * spend[0]


def test_repeat_buyers_and_one_timers(db: duckdb.DuckDBPyConnection) -> None:
    one_timers, top_decile = db.execute("""
        WITH c AS (SELECT customer_id, count(*) AS n FROM orders GROUP BY 1),
             r AS (SELECT n, row_number() OVER (ORDER BY n DESC) AS rk, count(*) OVER () AS total FROM c)
        SELECT avg((n = 1)::INT), sum(n) FILTER (WHERE rk <= total / 10) / sum(n) FROM r
    """).fetchone()
    assert 0.25 <= one_timers <= 0.5
    assert top_decile >= 0.35


def test_about_a_third_of_regulars_lapse(db: duckdb.DuckDBPyConnection) -> None:
    lapsed = """
        WITH f AS (SELECT customer_id,
                          count(*) FILTER (WHERE order_date < DATE '2025-01-01') AS early,
                          count(*) FILTER (WHERE order_date >= DATE '2025-07-01') AS late
                   FROM orders GROUP BY 1)
        SELECT avg((late = 0)::INT) FROM f WHERE early >= 3
    """
    assert 0.2 <= one(db, lapsed) <= 0.4


# --- seasonality ---------------------------------------------------------------------------


def test_618_and_double_11_months_stand_out(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute(f"""
        SELECT y, m, revenue / avg(revenue) OVER (PARTITION BY y) FROM ({REVENUE_BY_MONTH})
    """).fetchall()
    ratio = {(y, m): r for y, m, r in rows}
    for year in (2024, 2025):
        assert ratio[(year, 6)] > 1.4 and ratio[(year, 11)] > 1.4
        assert ratio[(year, 2)] < 0.9


def test_festival_peaks_fall_on_618_and_11_11(db: duckdb.DuckDBPyConnection) -> None:
    peaks = db.execute("""
        SELECT arg_max(order_date, n) FROM (SELECT order_date, count(*) AS n FROM orders GROUP BY 1)
        GROUP BY year(order_date), month(order_date)
        HAVING month(order_date) IN (6, 11) ORDER BY 1
    """).fetchall()
    assert [str(p[0]) for p in peaks] == ["2024-06-18", "2024-11-11", "2025-06-18", "2025-11-11"]


def test_spring_festival_weeks_are_quiet(db: duckdb.DuckDBPyConnection) -> None:
    for day in ("2024-02-10", "2025-01-29"):
        week = f"order_date BETWEEN DATE '{day}' - 3 AND DATE '{day}' + 3"
        ratio = f"""
            WITH d AS (SELECT order_date, sum(net_amount) AS r FROM orders
                       WHERE status = 'completed' GROUP BY 1)
            SELECT avg(r) FILTER (WHERE {week}) / avg(r) FROM d
        """
        assert one(db, ratio) < 0.6


def test_2025_grows_over_2024(db: duckdb.DuckDBPyConnection) -> None:
    growth = f"""
        SELECT sum(revenue) FILTER (WHERE y = 2025) / sum(revenue) FILTER (WHERE y = 2024)
        FROM ({REVENUE_BY_MONTH})
    """
    assert 1.05 <= one(db, growth) <= 1.3


def test_weekends_sell_more(db: duckdb.DuckDBPyConnection) -> None:
    weekend, weekday = db.execute("""
        SELECT median(n) FILTER (WHERE dow IN (0, 6)), median(n) FILTER (WHERE dow IN (1, 2, 3, 4))
        FROM (SELECT order_date, dayofweek(order_date) AS dow, count(*) AS n FROM orders GROUP BY 1)
    """).fetchone()
    assert weekend > 1.08 * weekday


def test_festival_discounts_are_deeper(db: duckdb.DuckDBPyConnection) -> None:
    festival, ordinary = db.execute("""
        SELECT avg(rate) FILTER (WHERE month(order_date) = 11 AND day(order_date) <= 11),
               avg(rate) FILTER (WHERE month(order_date) IN (7, 9))
        FROM (SELECT order_date, discount_amount / gross_amount AS rate FROM orders)
    """).fetchone()
    assert festival > 2.5 * ordinary


def test_category_prices_are_typical(db: duckdb.DuckDBPyConnection) -> None:
    prices = "SELECT product_category, median(gross_amount / quantity) FROM orders GROUP BY 1"
    unit = dict(db.execute(prices).fetchall())
    assert set(unit) == {"Skincare", "Makeup", "Fragrance", "Haircare", "Body Care", "Gift Sets"}
    assert unit["Gift Sets"] > unit["Fragrance"] > unit["Skincare"] > unit["Makeup"] > unit["Haircare"]


# --- campaigns and ad spend ----------------------------------------------------------------


def test_campaign_calendar(db: duckdb.DuckDBPyConnection) -> None:
    per_year = db.execute("SELECT year(start_date), count(*) FROM campaigns GROUP BY 1 ORDER BY 1").fetchall()
    assert per_year == [(2024, 20), (2025, 20)]
    dates = "SELECT start_date::VARCHAR, end_date::VARCHAR, channel FROM campaigns WHERE campaign_name = ?"
    assert db.execute(dates, ["618 Mid-Year Sale 2025"]).fetchone() == ("2025-05-25", "2025-06-20", "Tmall")
    assert db.execute(dates, ["Double 11 2024"]).fetchone() == ("2024-10-20", "2024-11-12", "Tmall")
    kinds = {r[0] for r in db.execute("SELECT DISTINCT campaign_type FROM campaigns").fetchall()}
    assert kinds == {"Festival", "Promotion", "New Product", "Membership", "Retargeting"}
    channels = {r[0] for r in db.execute("SELECT DISTINCT channel FROM campaigns").fetchall()}
    assert channels == ORDER_CHANNELS - {"Offline Store"}


def test_budgets_range_and_double_11_is_biggest(db: duckdb.DuckDBPyConnection) -> None:
    low, high = db.execute("SELECT min(budget), max(budget) FROM campaigns").fetchone()
    assert low == 50_000 and 1_500_000 <= high <= 2_000_000
    biggest = "SELECT arg_max(campaign_name, budget) FROM campaigns GROUP BY year(start_date) ORDER BY 1"
    assert db.execute(biggest).fetchall() == [("Double 11 2024",), ("Double 11 2025",)]


def test_ad_spend_rows_clicks_and_budget(db: duckdb.DuckDBPyConnection) -> None:
    odd = "SELECT count(*) FROM ad_spend WHERE clicks > impressions OR clicks <= 0 OR spend <= 0"
    assert one(db, odd) == 0
    rows = db.execute("""
        SELECT c.campaign_id, count(*) = datediff('day', any_value(c.start_date), any_value(c.end_date)) + 1,
               bool_and(a.channel = c.channel AND a.date BETWEEN c.start_date AND c.end_date),
               sum(a.spend) / any_value(c.budget)
        FROM campaigns c JOIN ad_spend a USING (campaign_id) GROUP BY 1
    """).fetchall()
    assert len(rows) == 40
    for campaign, one_row_per_day, inside, spent in rows:
        assert one_row_per_day and inside, campaign
        assert 0.8 <= spent <= 1.15, campaign


def test_spend_peaks_on_the_festival_day(db: duckdb.DuckDBPyConnection) -> None:
    peaks = db.execute("""
        SELECT campaign_name, arg_max(date, spend)::VARCHAR FROM ad_spend JOIN campaigns USING (campaign_id)
        WHERE campaign_name IN ('Double 11 2025', '618 Mid-Year Sale 2024') GROUP BY 1 ORDER BY 1
    """).fetchall()
    assert peaks == [("618 Mid-Year Sale 2024", "2024-06-18"), ("Double 11 2025", "2025-11-11")]


def test_channel_ctr_and_cpc_are_typical(db: duckdb.DuckDBPyConnection) -> None:
    rates = (
        "SELECT channel, sum(clicks) / sum(impressions), sum(spend) / sum(clicks) FROM ad_spend GROUP BY 1"
    )
    for channel, ctr, cpc in db.execute(rates).fetchall():
        assert 0.005 < ctr < 0.05 and 0.5 < cpc < 5, channel


def test_campaigns_lift_their_channel(db: duckdb.DuckDBPyConnection) -> None:
    share_lift = """
        SELECT (SELECT avg((o.channel = c.channel)::INT) FROM orders o
                WHERE o.order_date BETWEEN c.start_date AND c.end_date)
             / (SELECT avg((o.channel = c.channel)::INT) FROM orders o
                WHERE year(o.order_date) = year(c.start_date) AND NOT EXISTS (
                    SELECT 1 FROM campaigns k
                    WHERE k.channel = c.channel AND o.order_date BETWEEN k.start_date AND k.end_date))
        FROM campaigns c
    """
    lifts = [r[0] for r in db.execute(share_lift).fetchall()]
    assert min(lifts) > 1.0
    assert sorted(lifts)[len(lifts) // 2] > 1.2


def test_some_campaigns_pay_and_a_few_do_not(db: duckdb.DuckDBPyConnection) -> None:
    returns = """
        SELECT coalesce(rev, 0) / spend
        FROM (SELECT campaign_id, sum(spend) AS spend FROM ad_spend GROUP BY 1)
        LEFT JOIN (SELECT campaign_id, sum(net_amount) AS rev FROM orders
                   WHERE status = 'completed' GROUP BY 1) USING (campaign_id)
    """
    roas = [r[0] for r in db.execute(returns).fetchall()]
    assert 2 <= sum(r < 0.5 for r in roas) <= 5
    assert sum(r > 1.0 for r in roas) >= 25
    assert max(roas) > 2.0


# --- funnels -------------------------------------------------------------------------------


def test_funnel_steps_are_nested_and_unique(db: duckdb.DuckDBPyConnection) -> None:
    broken = f"""
        SELECT count(*) FROM (
            SELECT count(*) AS n, count(DISTINCT event_type) AS kinds, max({STAGE}) AS deepest
            FROM campaign_events GROUP BY campaign_id, customer_id)
        WHERE n <> kinds OR kinds <> deepest
    """
    assert one(db, broken) == 0
    sizes = db.execute(f"SELECT {STAGE}, count(*) FROM campaign_events GROUP BY 1 ORDER BY 1").fetchall()
    counts = [n for _, n in sizes]
    assert [s for s, _ in sizes] == [1, 2, 3, 4, 5] and counts == sorted(counts, reverse=True)


def test_funnel_times_increase_and_stay_in_the_campaign(db: duckdb.DuckDBPyConnection) -> None:
    previous = f"lag(event_time) OVER (PARTITION BY campaign_id, customer_id ORDER BY {STAGE})"
    assert (
        one(
            db,
            f"SELECT count(*) FROM (SELECT event_time <= {previous} AS bad FROM campaign_events) WHERE bad",
        )
        == 0
    )
    outside = """
        SELECT count(*) FROM campaign_events e JOIN campaigns c USING (campaign_id)
        WHERE e.event_time < c.start_date OR e.event_time >= c.end_date + 1
    """
    assert one(db, outside) == 0


def test_purchase_events_match_completed_attributed_orders(db: duckdb.DuckDBPyConnection) -> None:
    won = "status = 'completed' AND campaign_id IS NOT NULL"
    buyers = f"SELECT DISTINCT campaign_id, customer_id FROM orders WHERE {won}"
    purchases = "SELECT campaign_id, customer_id FROM campaign_events WHERE event_type = 'purchase'"
    assert one(db, f"SELECT count(*) FROM (({buyers}) EXCEPT ({purchases}))") == 0
    assert one(db, f"SELECT count(*) FROM (({purchases}) EXCEPT ({buyers}))") == 0
    off_day = """
        SELECT count(*) FROM campaign_events e WHERE event_type = 'purchase' AND NOT EXISTS (
            SELECT 1 FROM orders o WHERE o.campaign_id = e.campaign_id AND o.customer_id = e.customer_id
              AND o.status = 'completed' AND o.order_date = e.event_time::DATE)
    """
    assert one(db, off_day) == 0


def test_reach_is_a_few_thousand_signed_up_customers(db: duckdb.DuckDBPyConnection) -> None:
    reach = "SELECT count(*) AS n FROM campaign_events WHERE event_type = 'reach' GROUP BY campaign_id"
    low, high = db.execute(f"SELECT min(n), max(n) FROM ({reach})").fetchone()
    assert low >= 1_500 and high <= 15_000
    too_new = """
        SELECT count(*) FROM campaign_events e JOIN campaigns c USING (campaign_id)
        JOIN customers u USING (customer_id) WHERE u.signup_date > c.end_date
    """
    assert one(db, too_new) == 0


# --- writing -------------------------------------------------------------------------------


def test_scale_multiplies_customers_and_orders(tmp_path: Path) -> None:
    counts = build_demo(tmp_path / "small.duckdb", seed=3, scale=0.05)
    assert counts["customers"] == 1_000 and counts["campaigns"] == 40
    assert 6_500 <= counts["orders"] <= 8_500
    with pytest.raises(InputError, match="scale"):
        build_demo(tmp_path / "none.duckdb", scale=0)


def test_a_parent_that_is_a_file_fails_and_leaves_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(WarehouseError):
        build_demo(blocker / "warehouse.duckdb", scale=0.05)
    assert [p.name for p in tmp_path.iterdir()] == ["not-a-folder"]
    assert blocker.read_text() == "x"


def test_building_over_an_existing_file_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"an old, broken warehouse")
    counts = build_demo(path, seed=7, scale=0.05)
    con = duckdb.connect(str(path), read_only=True)
    try:
        assert one(con, "SELECT count(*) FROM customers") == counts["customers"]
    finally:
        con.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".warehouse.duckdb.lock", "warehouse.duckdb"]


def test_a_failed_build_keeps_the_old_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "warehouse.duckdb"
    build_demo(path, seed=7, scale=0.05)
    before = hashlib.sha256(path.read_bytes()).hexdigest()

    def refuse(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(store.os, "replace", refuse)
    with pytest.raises(WarehouseError, match="disk full"):
        build_demo(path, seed=8, scale=0.05)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".warehouse.duckdb.lock", "warehouse.duckdb"]
