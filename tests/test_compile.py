"""The compiler's results against hand-written SQL on the demo warehouse."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from semantic.compile import compile_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.query import Filter, OrderBy, Policy, SemanticQuery, TimeRange, parse_where
from tests.conftest import same_rows

Y2025 = TimeRange(dt.date(2025, 1, 1), dt.date(2025, 12, 31))
IN_2025 = "{col} >= DATE '2025-01-01' AND {col} < DATE '2026-01-01'"

# Every governed metric's total for 2025, written by hand from the definitions.
HAND_TOTALS = {
    "revenue": "SELECT SUM(net_amount) FROM orders WHERE status = 'completed' AND {o}",
    "orders": "SELECT COUNT(DISTINCT order_id) FROM orders WHERE status = 'completed' AND {o}",
    "buyers": "SELECT COUNT(DISTINCT customer_id) FROM orders WHERE status = 'completed' AND {o}",
    "aov": "SELECT SUM(net_amount) / COUNT(DISTINCT order_id) FROM orders WHERE status = 'completed' AND {o}",
    "units": "SELECT SUM(quantity) FROM orders WHERE status = 'completed' AND {o}",
    "discount": "SELECT SUM(discount_amount) FROM orders WHERE status = 'completed' AND {o}",
    "refund_rate": "SELECT COUNT(*) FILTER (WHERE status = 'refunded') / COUNT(*) FROM orders WHERE {o}",
    "new_customers": "SELECT COUNT(*) FROM customers WHERE {c}",
    "spend": "SELECT SUM(spend) FROM ad_spend WHERE {a}",
    "impressions": "SELECT SUM(impressions) FROM ad_spend WHERE {a}",
    "clicks": "SELECT SUM(clicks) FROM ad_spend WHERE {a}",
    "ctr": "SELECT SUM(clicks) / SUM(impressions) FROM ad_spend WHERE {a}",
    "cpc": "SELECT SUM(spend) / SUM(clicks) FROM ad_spend WHERE {a}",
    "campaign_revenue": "SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
                        "AND campaign_id IS NOT NULL AND {o}",
    "roas": "SELECT (SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
            "AND campaign_id IS NOT NULL AND {o}) / (SELECT SUM(spend) FROM ad_spend WHERE {a})",
    "roi": "SELECT ((SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
           "AND campaign_id IS NOT NULL AND {o}) - (SELECT SUM(spend) FROM ad_spend WHERE {a})) "
           "/ (SELECT SUM(spend) FROM ad_spend WHERE {a})",
    "conversion_rate": "SELECT COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'purchase') "
                       "/ COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'reach') "
                       "FROM campaign_events WHERE {e}",
    "budget": "SELECT SUM(budget) FROM campaigns WHERE {m}",
    "funnel_customers": "SELECT COUNT(DISTINCT customer_id) FROM campaign_events WHERE {e}",
}


def hand(sql: str) -> str:
    return sql.format(o=IN_2025.format(col="order_date"), c=IN_2025.format(col="signup_date"),
                      a=IN_2025.format(col="date"), e=IN_2025.format(col="event_time"),
                      m=IN_2025.format(col="start_date"))


def compiled_rows(engine: DuckDBEngine, model: SemanticModel, query: SemanticQuery,
                  policy: Policy | None = None) -> list[tuple]:
    return engine.run(compile_query(query, model, policy)).frame.rows()


def test_every_model_metric_has_a_hand_written_check(model: SemanticModel) -> None:
    assert set(HAND_TOTALS) == set(model.metrics)


@pytest.mark.parametrize("metric", sorted(HAND_TOTALS))
def test_metric_total_matches_hand_written_sql(metric: str, engine: DuckDBEngine, model: SemanticModel,
                                               con: duckdb.DuckDBPyConnection) -> None:
    expected = con.execute(hand(HAND_TOTALS[metric])).fetchall()
    actual = compiled_rows(engine, model, SemanticQuery(metrics=(metric,), time_range=Y2025))
    assert expected[0][0] is not None and expected[0][0] != 0
    assert same_rows(actual, expected), (actual, expected)


@pytest.mark.parametrize("grain", ["day", "week", "month", "quarter", "year"])
def test_each_time_grain(grain: str, engine: DuckDBEngine, model: SemanticModel,
                         con: duckdb.DuckDBPyConnection) -> None:
    expected = con.execute(f"""
        SELECT CAST(date_trunc('{grain}', order_date) AS DATE) AS k, SUM(net_amount),
               SUM(net_amount) / COUNT(DISTINCT order_id)
        FROM orders WHERE status = 'completed' AND {IN_2025.format(col='order_date')}
        GROUP BY k ORDER BY k""").fetchall()
    actual = compiled_rows(engine, model, SemanticQuery(metrics=("revenue", "aov"), time_grain=grain,
                                                        time_range=Y2025))
    assert len(actual) > 1 or grain == "year"
    assert same_rows(actual, expected)


GROUPINGS = [
    (("revenue", "buyers"), ("region",),
     "SELECT c.region, SUM(o.net_amount), COUNT(DISTINCT o.customer_id) FROM orders o "
     "JOIN customers c USING (customer_id) WHERE o.status = 'completed' GROUP BY 1"),
    (("orders",), ("campaign_type", "channel"),
     "SELECT p.campaign_type, o.channel, COUNT(DISTINCT o.order_id) FROM orders o "
     "LEFT JOIN campaigns p USING (campaign_id) WHERE o.status = 'completed' GROUP BY 1, 2"),
    (("conversion_rate",), ("campaign_name",),
     "SELECT p.campaign_name, COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'purchase') "
     "/ COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'reach') FROM campaign_events e "
     "JOIN campaigns p USING (campaign_id) GROUP BY 1"),
    (("new_customers",), ("member_tier", "age_band"),
     "SELECT member_tier, CASE WHEN age < 25 THEN '18-24' WHEN age < 35 THEN '25-34' "
     "WHEN age < 45 THEN '35-44' ELSE '45+' END, COUNT(*) FROM customers GROUP BY 1, 2"),
    (("refund_rate", "units"), ("product_category",),
     "SELECT product_category, COUNT(*) FILTER (WHERE status = 'refunded') / COUNT(*), "
     "SUM(quantity) FILTER (WHERE status = 'completed') FROM orders GROUP BY 1"),
    (("ctr", "cpc"), ("campaign_type",),
     "SELECT p.campaign_type, SUM(a.clicks) / SUM(a.impressions), SUM(a.spend) / SUM(a.clicks) "
     "FROM ad_spend a JOIN campaigns p USING (campaign_id) GROUP BY 1"),
]


@pytest.mark.parametrize(("metrics", "dims", "sql"), GROUPINGS)
def test_groupings(metrics: tuple[str, ...], dims: tuple[str, ...], sql: str, engine: DuckDBEngine,
                   model: SemanticModel, con: duckdb.DuckDBPyConnection) -> None:
    order = ", ".join(str(i + 1) for i in range(len(dims)))
    expected = con.execute(f"{sql} ORDER BY {order}").fetchall()
    query = SemanticQuery(metrics=metrics, dimensions=dims, order_by=tuple(OrderBy(d) for d in dims))
    assert same_rows(compiled_rows(engine, model, query), expected)


def test_mixed_facts_do_not_fan_out(engine: DuckDBEngine, model: SemanticModel,
                                    con: duckdb.DuckDBPyConnection) -> None:
    """Revenue and spend by channel and month: each fact summed alone, then joined on the keys."""
    expected = con.execute(f"""
        WITH o AS (SELECT channel, date_trunc('month', order_date)::DATE AS m,
                          SUM(net_amount) FILTER (WHERE status = 'completed') AS revenue,
                          SUM(net_amount) FILTER (WHERE status = 'completed' AND campaign_id IS NOT NULL) AS cr
                   FROM orders WHERE {IN_2025.format(col='order_date')} GROUP BY ALL),
             a AS (SELECT channel, date_trunc('month', date)::DATE AS m, SUM(spend) AS spend
                   FROM ad_spend WHERE {IN_2025.format(col='date')} GROUP BY ALL)
        SELECT m, channel, COALESCE(revenue, 0), COALESCE(spend, 0), COALESCE(cr, 0) / NULLIF(spend, 0)
        FROM o FULL JOIN a USING (channel, m) ORDER BY m, channel""").fetchall()
    query = SemanticQuery(metrics=("revenue", "spend", "roas"), dimensions=("channel",),
                          time_grain="month", time_range=Y2025)
    actual = compiled_rows(engine, model, query)
    assert same_rows(actual, expected)
    total_revenue = sum(row[2] for row in actual)
    assert total_revenue == pytest.approx(con.execute(hand(HAND_TOTALS["revenue"])).fetchone()[0])


def test_mixed_facts_without_dimensions(engine: DuckDBEngine, model: SemanticModel,
                                        con: duckdb.DuckDBPyConnection) -> None:
    query = SemanticQuery(metrics=("revenue", "spend", "conversion_rate", "new_customers"), time_range=Y2025)
    expected = [tuple(con.execute(hand(HAND_TOTALS[m])).fetchone()[0] for m in query.metrics)]
    assert same_rows(compiled_rows(engine, model, query), expected)


@pytest.mark.parametrize(("where", "hand_where"), [
    ("region = 'East'", "c.region = 'East'"),
    ("region != 'East'", "c.region <> 'East'"),
    ("channel IN ('Tmall', 'JD')", "o.channel IN ('Tmall', 'JD')"),
    ("channel NOT IN ('Tmall', 'JD')", "o.channel NOT IN ('Tmall', 'JD')"),
    ("age BETWEEN 25 AND 34", "c.age BETWEEN 25 AND 34"),
    ("age >= 40", "c.age >= 40"),
    ("age < 30 AND member_tier = 'Gold'", "c.age < 30 AND c.member_tier = 'Gold'"),
    ("city LIKE 'Sh%'", "c.city LIKE 'Sh%'"),
    ("city NOT LIKE 'Sh%'", "c.city NOT LIKE 'Sh%'"),
    ("campaign_id IS NULL", "o.campaign_id IS NULL"),
    ("campaign_name IS NOT NULL", "p.campaign_name IS NOT NULL"),
])
def test_filters(where: str, hand_where: str, engine: DuckDBEngine, model: SemanticModel,
                 con: duckdb.DuckDBPyConnection) -> None:
    expected = con.execute(f"""
        SELECT o.channel, SUM(o.net_amount) FROM orders o JOIN customers c USING (customer_id)
        LEFT JOIN campaigns p USING (campaign_id) WHERE o.status = 'completed' AND {hand_where}
        GROUP BY 1 ORDER BY 1""").fetchall()
    query = SemanticQuery(metrics=("revenue",), dimensions=("channel",), filters=parse_where(where),
                          order_by=(OrderBy("channel"),))
    assert expected and same_rows(compiled_rows(engine, model, query), expected)


def test_policy_row_filter_applies_to_every_fact(engine: DuckDBEngine, model: SemanticModel) -> None:
    east = Policy("east", (Filter("region", "=", "East"),))
    query = SemanticQuery(metrics=("revenue", "conversion_rate"), dimensions=("channel",))
    filtered = SemanticQuery(metrics=query.metrics, dimensions=query.dimensions,
                             filters=(Filter("region", "=", "East"),))
    assert compiled_rows(engine, model, query, east) == compiled_rows(engine, model, filtered)
    assert compiled_rows(engine, model, query, east) != compiled_rows(engine, model, query)


@pytest.mark.parametrize("compare", ["previous_period", "previous_year"])
def test_comparison_totals(compare: str, engine: DuckDBEngine, model: SemanticModel,
                           con: duckdb.DuckDBPyConnection) -> None:
    window = TimeRange(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    before = ("2025-01-01", "2025-03-31") if compare == "previous_period" else ("2024-04-01", "2024-06-30")
    sql = ("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' "
           "AND order_date BETWEEN DATE '{}' AND DATE '{}'")
    now = con.execute(sql.format("2025-04-01", "2025-06-30")).fetchone()[0]
    then = con.execute(sql.format(*before)).fetchone()[0]
    query = SemanticQuery(metrics=("revenue",), time_range=window, compare=compare)
    result = engine.run(compile_query(query, model))
    assert result.frame.columns == ["revenue", "revenue__previous", "revenue__change", "revenue__change_pct"]
    assert same_rows(result.frame.rows(), [(now, then, now - then, (now - then) / then)], rel=1e-9)


def test_a_whole_february_is_compared_with_all_of_a_leap_february(engine: DuckDBEngine, model: SemanticModel,
                                                                   con: duckdb.DuckDBPyConnection) -> None:
    sql = "SELECT SUM(net_amount) FROM orders WHERE status = 'completed' AND order_date BETWEEN DATE '{}' AND DATE '{}'"
    assert con.execute(sql.format("2024-02-29", "2024-02-29")).fetchone()[0] > 0  # the leap day has sales to lose
    then = con.execute(sql.format("2024-02-01", "2024-02-29")).fetchone()[0]
    query = SemanticQuery(metrics=("revenue",), time_range=TimeRange(dt.date(2025, 2, 1), dt.date(2025, 2, 28)),
                          compare="previous_year")
    assert same_rows(engine.run(compile_query(query, model)).frame.select("revenue__previous").rows(), [(then,)],
                     rel=1e-9)


def test_comparison_by_month_aligns_last_year(engine: DuckDBEngine, model: SemanticModel,
                                              con: duckdb.DuckDBPyConnection) -> None:
    expected = con.execute("""
        SELECT date_trunc('month', order_date)::DATE + INTERVAL 1 YEAR, SUM(net_amount) FROM orders
        WHERE status = 'completed' AND year(order_date) = 2024 GROUP BY 1 ORDER BY 1""").fetchall()
    query = SemanticQuery(metrics=("revenue",), time_grain="month", time_range=Y2025, compare="previous_year")
    frame = engine.run(compile_query(query, model)).frame
    actual = [(dt.datetime.combine(m, dt.time()), p) for m, p in frame.select("month", "revenue__previous").rows()]
    assert same_rows(actual, expected)


def test_order_and_limit(engine: DuckDBEngine, model: SemanticModel, con: duckdb.DuckDBPyConnection) -> None:
    expected = con.execute("SELECT city, SUM(net_amount) AS r FROM orders JOIN customers USING (customer_id) "
                       "WHERE status = 'completed' GROUP BY 1 ORDER BY r DESC LIMIT 5").fetchall()
    top = SemanticQuery(metrics=("revenue",), dimensions=("city",), limit=5)
    assert same_rows(compiled_rows(engine, model, top), expected)
    bottom = SemanticQuery(metrics=("revenue",), dimensions=("city",), order_by=(OrderBy("revenue"),), limit=3)
    rows = compiled_rows(engine, model, bottom)
    assert [r[1] for r in rows] == sorted(r[1] for r in rows) and len(rows) == 3


Q2_2025 = TimeRange(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
# ROAS per campaign name in Q2 2025, by hand; orders without a campaign form a group with no spend.
HAND_ROAS = """
    WITH o AS (SELECT campaign_name AS name, SUM(net_amount) FILTER (WHERE status = 'completed'
                      AND o.campaign_id IS NOT NULL) AS cr
               FROM orders o LEFT JOIN campaigns c USING (campaign_id)
               WHERE order_date BETWEEN DATE '2025-04-01' AND DATE '2025-06-30' GROUP BY ALL),
         a AS (SELECT campaign_name AS name, SUM(spend) AS spend FROM ad_spend LEFT JOIN campaigns USING (campaign_id)
               WHERE date BETWEEN DATE '2025-04-01' AND DATE '2025-06-30' GROUP BY ALL)
    SELECT name, COALESCE(cr, 0) / NULLIF(COALESCE(spend, 0), 0) AS roas FROM o FULL JOIN a USING (name)"""


def test_a_ranking_leaves_out_groups_without_a_value(engine: DuckDBEngine, model: SemanticModel,
                                                     con: duckdb.DuckDBPyConnection) -> None:
    """Best ROAS by campaign: the no-campaign group (no spend, ROAS undefined) is not ranked last, it is left out."""
    expected = con.execute(f"SELECT * FROM ({HAND_ROAS}) WHERE roas IS NOT NULL ORDER BY roas DESC").fetchall()
    assert len(expected) == 6 and expected[0][0] == "618 Mid-Year Sale 2025"
    ranked = SemanticQuery(metrics=("roas",), dimensions=("campaign_name",), time_range=Q2_2025,
                           order_by=(OrderBy("roas", desc=True),))
    assert same_rows(compiled_rows(engine, model, ranked), expected)
    top = SemanticQuery(metrics=("roas",), dimensions=("campaign_name",), time_range=Q2_2025, limit=10)
    assert same_rows(compiled_rows(engine, model, top), expected)


def test_a_breakdown_keeps_the_group_without_a_value(engine: DuckDBEngine, model: SemanticModel,
                                                     con: duckdb.DuckDBPyConnection) -> None:
    """Unranked, every group stays: the NULL campaign is shown (ROAS undefined), and revenue without a campaign
    still adds up to the total, whatever the order."""
    expected = con.execute(f"{HAND_ROAS} ORDER BY roas DESC NULLS LAST, name").fetchall()
    assert expected[-1] == (None, None)
    query = SemanticQuery(metrics=("roas",), dimensions=("campaign_name",), time_range=Q2_2025)
    assert same_rows(compiled_rows(engine, model, query), expected)
    by_revenue = SemanticQuery(metrics=("revenue",), dimensions=("campaign_name",), time_range=Q2_2025,
                               order_by=(OrderBy("revenue", desc=True),))
    rows = compiled_rows(engine, model, by_revenue)
    organic = con.execute("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' AND campaign_id IS NULL "
                          "AND order_date BETWEEN DATE '2025-04-01' AND DATE '2025-06-30'").fetchone()[0]
    assert dict(rows)[None] == pytest.approx(organic)


def test_a_sorted_table_keeps_a_group_with_some_value(engine: DuckDBEngine, model: SemanticModel,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    """Revenue and ROAS by channel sorted by ROAS: Offline Store (revenue, no spend) stays, last, so the rows
    add up to the total revenue; only a row whose every metric is undefined would go."""
    query = SemanticQuery(metrics=("revenue", "roas"), dimensions=("channel",), order_by=(OrderBy("roas", True),))
    rows = compiled_rows(engine, model, query)
    total = con.execute("SELECT SUM(net_amount) FROM orders WHERE status = 'completed'").fetchone()[0]
    assert rows[-1][0] == "Offline Store" and rows[-1][2] is None and rows[-1][1] > 7_000_000
    assert sum(r[1] for r in rows) == pytest.approx(total)


def test_dimension_values_without_metrics(engine: DuckDBEngine, model: SemanticModel,
                                          con: duckdb.DuckDBPyConnection) -> None:
    expected = con.execute("SELECT DISTINCT region FROM customers ORDER BY 1").fetchall()
    assert compiled_rows(engine, model, SemanticQuery(metrics=(), dimensions=("region",))) == expected


def test_same_query_compiles_to_the_same_sql(model: SemanticModel) -> None:
    query = SemanticQuery(metrics=("aov", "revenue"), dimensions=("channel", "region"),
                          filters=parse_where("member_tier IN ('Gold', 'Platinum')"), time_grain="week")
    assert compile_query(query, model).sql == compile_query(SemanticQuery.from_dict(query.to_dict()), model).sql
