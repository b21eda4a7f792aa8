"""Campaigns for a regional user (region = 'East'): their customers' campaign results, checked against hand-written
SQL for the East, and ad spend and budget (recorded per campaign, not per customer) left out as unavailable, never
shown company-wide beside regional revenue: in the core, on the command line and on the page in both languages."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import beacon
from errors import PermissionDeniedError, UnknownNameError
from ml import campaign_breakdowns as parts
from ml.attribution import attribute
from ml.campaigns import campaign, campaign_list, daily_trend, measured_period, unavailable, versus
from ml.governed import governed
from ml.review_data import gather
from semantic.engine import DuckDBEngine, Engine, QueryResult
from semantic.model import SemanticModel
from semantic.query import Filter, Policy
from tests.conftest import same_rows
from viz.format import format_value
from workspace.home import DEMO_MODEL, Workspace

EAST = Policy("ana", (Filter("region", "=", "East"),))
AS_OF = dt.date(2025, 6, 10)
LAST = dt.date(2025, 12, 31)
SPEND_BASED = ("spend", "impressions", "clicks", "ctr", "cpc", "roas", "roi", "budget", "pacing",
               "cost_per_new_buyer")
ROOT = Path(__file__).resolve().parent.parent

# Per campaign, East customers only: campaign revenue, orders, buyers to a day; conversion from events to that day.
EAST_FIGURES = """
WITH r AS (SELECT o.campaign_id, SUM(o.net_amount) rev, COUNT(DISTINCT o.order_id) n,
                  COUNT(DISTINCT o.customer_id) b
           FROM orders o JOIN customers c USING (customer_id)
           WHERE c.region = 'East' AND o.status = 'completed' AND o.order_date <= $day GROUP BY 1),
     e AS (SELECT e.campaign_id, COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'purchase')
                  / COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'reach') conv
           FROM campaign_events e JOIN customers c USING (customer_id)
           WHERE c.region = 'East' AND e.event_time < $day + 1 GROUP BY 1)
SELECT campaign_id, COALESCE(r.rev, 0)::DOUBLE, COALESCE(r.n, 0)::DOUBLE, COALESCE(r.b, 0)::DOUBLE, e.conv
FROM campaigns LEFT JOIN r USING (campaign_id) LEFT JOIN e USING (campaign_id) ORDER BY 1"""


def east_figures(con: duckdb.DuckDBPyConnection, day: dt.date) -> list[tuple]:
    return con.execute(EAST_FIGURES, {"day": day}).fetchall()


def revenue(con: duckdb.DuckDBPyConnection, campaign_id: str, region: str | None) -> float:
    """A campaign's completed revenue, of one region's customers or (None) of everyone."""
    return float(con.execute("SELECT SUM(o.net_amount) FROM orders o JOIN customers c USING (customer_id) "
                             "WHERE o.campaign_id = ? AND o.status = 'completed' AND (? IS NULL OR c.region = ?)",
                             [campaign_id, region, region]).fetchall()[0][0])


@pytest.fixture(scope="module")
def east(model: SemanticModel, engine: DuckDBEngine) -> Engine:
    return governed(engine, model, EAST)


@pytest.fixture(scope="module")
def listing(model: SemanticModel, east: Engine) -> pl.DataFrame:
    return campaign_list(model, east, AS_OF)


def test_east_campaign_results_equal_sql_for_the_east(listing: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    actual = listing.select("campaign_id", "campaign_revenue", "orders", "buyers", "conversion_rate").rows()
    assert len(actual) == 40 and same_rows(actual, east_figures(con, AS_OF))


def test_spend_and_budget_are_unavailable_not_company_wide(model: SemanticModel, east: Engine,
                                                           listing: pl.DataFrame) -> None:
    assert unavailable(model, east) == ("spend", "impressions", "clicks", "ctr", "cpc", "roas", "roi", "budget")
    for column in SPEND_BASED:
        assert listing[column].null_count() == listing.height, column
    assert set(listing["pacing_status"]) == {"unavailable"}
    found = campaign(model, east, "CMP027", AS_OF)
    assert found.budget is None and found.pacing is None and found.figures["spend"] is None
    assert parts.notes(found, 1, "en") == []  # no "has no ad spend yet": it is unknown here, not zero


def test_east_revenue_is_the_easts_share_of_the_company(model: SemanticModel, east: Engine, engine: DuckDBEngine,
                                                        con: duckdb.DuckDBPyConnection) -> None:
    mine, everyone = campaign(model, east, "CMP027"), campaign(model, engine, "CMP027")
    assert mine.figures["campaign_revenue"] == pytest.approx(revenue(con, "CMP027", "East"))
    assert everyone.figures["campaign_revenue"] == pytest.approx(revenue(con, "CMP027", None))
    assert mine.figures["campaign_revenue"] < everyone.figures["campaign_revenue"]
    assert everyone.figures["spend"] and everyone.budget  # an unrestricted user still sees spend and budget


def test_new_buyers_of_the_east(listing: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> None:
    expected = con.execute("""
        WITH f AS (SELECT o.campaign_id, o.customer_id, MIN(o.order_date) d FROM orders o
                   JOIN customers c USING (customer_id) WHERE c.region = 'East' AND o.status = 'completed'
                   AND o.campaign_id IS NOT NULL AND o.order_date <= ? GROUP BY 1, 2)
        SELECT campaign_id, COUNT(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM orders o
               WHERE o.customer_id = f.customer_id AND o.status = 'completed' AND o.order_date < f.d))::DOUBLE
        FROM f GROUP BY 1 ORDER BY 1""",
                           [AS_OF]).fetchall()
    assert listing.filter(pl.col("buyers") > 0).select("campaign_id", "new_buyers").rows() == expected


def test_versus_compares_only_what_the_east_can_see(model: SemanticModel, east: Engine,
                                                    con: duckdb.DuckDBPyConnection) -> None:
    table = versus(model, east, "CMP027", roas_target=2.0)
    assert table["metric"].to_list() == ["campaign_revenue", "conversion_rate"]
    row = table.row(0, named=True)
    assert row["value"] == pytest.approx(revenue(con, "CMP027", "East"))
    assert row["comparable"] == pytest.approx(revenue(con, "CMP007", "East")) and row["peers"] == "CMP007"


def test_the_daily_trend_is_east_revenue_without_spend(model: SemanticModel, east: Engine,
                                                       con: duckdb.DuckDBPyConnection) -> None:
    expected = con.execute("SELECT o.order_date, SUM(o.net_amount)::DOUBLE FROM orders o JOIN customers c "
                           "USING (customer_id) WHERE o.campaign_id = 'CMP004' AND o.status = 'completed' "
                           "AND c.region = 'East' GROUP BY 1 ORDER BY 1").fetchall()
    frame = daily_trend(model, east, "CMP004")
    assert same_rows(frame.select("day", "campaign_revenue").rows(), expected)
    assert frame.select("spend", "clicks", "roas").null_count().row(0) == (frame.height,) * 3


def test_the_funnel_and_ab_counts_are_easts_up_to_the_day(model: SemanticModel, east: Engine,
                                                          con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(con.execute("SELECT e.event_type, COUNT(DISTINCT e.customer_id) FROM campaign_events e "
                              "JOIN customers c USING (customer_id) WHERE c.region = 'East' "
                              "AND e.campaign_id = 'CMP027' AND e.event_time < DATE '2025-06-11' "
                              "GROUP BY 1").fetchall())
    period = measured_period(model, east, AS_OF)
    steps = parts.funnel(model, east, "CMP027", period=period)
    assert steps["customers"].to_list() == [counts[s] for s in parts.FUNNEL]
    assert parts.conversion_counts(model, east, "CMP027", period) == (counts["purchase"], counts["reach"])


def test_channels_show_east_revenue_and_conversion_without_spend(model: SemanticModel, east: Engine,
                                                                 con: duckdb.DuckDBPyConnection) -> None:
    expected = dict(con.execute("SELECT o.channel, SUM(o.net_amount) FROM orders o JOIN customers c "
                                "USING (customer_id) WHERE c.region = 'East' AND o.status = 'completed' "
                                "AND o.campaign_id IS NOT NULL GROUP BY 1").fetchall())
    frame = parts.channel_comparison(model, east)
    assert dict(frame.select("channel", "campaign_revenue").rows()) == pytest.approx(
        {k: float(v) for k, v in expected.items()})
    for column in ("budget", "spend", "roas", "cpc", "ctr", "cost_per_new_buyer", "budget_share", "spend_share"):
        assert frame[column].null_count() == frame.height, column
    assert frame["revenue_share"].sum() == pytest.approx(1.0)
    conversion = dict(con.sql("""
        WITH k AS (SELECT m.channel, e.campaign_id,
                          COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'purchase') p,
                          COUNT(DISTINCT e.customer_id) FILTER (WHERE e.event_type = 'reach') r
                   FROM campaign_events e JOIN customers c USING (customer_id) JOIN campaigns m USING (campaign_id)
                   WHERE c.region = 'East' GROUP BY 1, 2)
        SELECT channel, SUM(p) / SUM(r) FROM k GROUP BY 1""").fetchall())
    assert dict(frame.select("channel", "conversion_rate").rows()) == pytest.approx(conversion)


def test_attribution_credits_east_purchases_only(model: SemanticModel, east: Engine,
                                                 con: duckdb.DuckDBPyConnection) -> None:
    period = (dt.date(2025, 11, 1), dt.date(2025, 11, 30))
    result = attribute(model, east, period, lookback_days=14)
    expected = dict(con.sql("""
        WITH t AS (
          SELECT o.order_id, m.channel, ROW_NUMBER() OVER (PARTITION BY o.order_id
                 ORDER BY e.event_time DESC, e.event_id DESC) AS back
          FROM orders o JOIN customers c USING (customer_id) JOIN campaign_events e ON e.customer_id = o.customer_id
          JOIN campaigns m ON m.campaign_id = e.campaign_id
          WHERE c.region = 'East' AND o.status = 'completed' AND o.order_date BETWEEN '2025-11-01' AND '2025-11-30'
            AND e.event_type IN ('reach', 'click')
            AND e.event_time >= o.order_date - INTERVAL 14 DAY AND e.event_time < o.order_date + INTERVAL 1 DAY)
        SELECT channel, COUNT(*) FROM t WHERE back = 1 GROUP BY 1""").fetchall())
    assert dict(result.table.select("channel", "last_conversions").rows()) == pytest.approx(
        {k: float(v) for k, v in expected.items()})
    assert result.purchases == con.sql("SELECT COUNT(*) FROM orders o JOIN customers c USING (customer_id) "
                                       "WHERE c.region = 'East' AND o.status = 'completed' "
                                       "AND o.order_date BETWEEN '2025-11-01' AND '2025-11-30'").fetchall()[0][0]


def test_every_query_behind_the_east_list_is_filtered_to_the_east(model: SemanticModel, engine: DuckDBEngine) -> None:
    ran: list[QueryResult] = []
    campaign_list(model, governed(engine, model, EAST, ran.append), AS_OF)
    assert ran and all("'East'" in r.compiled.sql for r in ran)
    assert not any("ad_spend" in r.compiled.sql for r in ran)  # spend is never read for an East user


def test_the_review_is_refused_in_words(model: SemanticModel, east: Engine) -> None:
    with pytest.raises(PermissionDeniedError, match="weighs results against ad spend and budget"):
        gather(model, east, "CMP027")


def test_a_region_without_campaign_activity_sees_no_campaign(model: SemanticModel, engine: DuckDBEngine) -> None:
    nowhere = governed(engine, model, Policy("x", (Filter("region", "=", "Atlantis"),)))
    assert campaign_list(model, nowhere, AS_OF).is_empty()  # not the company's campaigns with empty figures
    with pytest.raises(UnknownNameError, match="Unknown campaign 'CMP027'"):
        campaign(model, nowhere, "CMP027", AS_OF)


def test_alert_rules_outside_the_policy_are_left_out_not_an_error(model: SemanticModel, engine: DuckDBEngine) -> None:
    """The rules are the workspace's: a Tmall analyst is not told about (or stopped by) a rule on Douyin."""
    from ml.alerts import evaluate_all
    from workspace.alerts import AlertRule

    douyin = AlertRule("revenue", "<", 1e12, 1, "channel", "Douyin", id=1)
    tmall = AlertRule("revenue", "<", 1e12, 1, "channel", "Tmall", id=2)
    analyst = governed(engine, model, Policy("tm", (Filter("channel", "=", "Tmall"),)))
    seen = evaluate_all([douyin, tmall], model, analyst, LAST)
    assert seen and {a.rule.id for a in seen} == {2}
    assert {a.rule.id for a in evaluate_all([douyin, tmall], model, engine, LAST)} == {1, 2}


def test_a_policy_spend_can_follow_keeps_spend(model: SemanticModel, engine: DuckDBEngine,
                                               con: duckdb.DuckDBPyConnection) -> None:
    tmall = governed(engine, model, Policy("tm", (Filter("channel", "=", "Tmall"),)))
    assert unavailable(model, tmall) == ()  # ad spend and campaigns have a channel: nothing is left out
    frame = campaign_list(model, tmall, AS_OF)
    expected = con.execute("SELECT c.campaign_id, COALESCE(SUM(a.spend), 0) FROM campaigns c LEFT JOIN ad_spend a "
                           "ON a.campaign_id = c.campaign_id AND a.date <= ? WHERE c.channel = 'Tmall' "
                           "GROUP BY 1 ORDER BY 1", [AS_OF]).fetchall()
    assert same_rows(frame.select("campaign_id", "spend").rows(), expected)


# --- the command line and the page, as the East viewer ana --------------------------------------------------------


@pytest.fixture()
def home(tmp_path: Path, warehouse: Path) -> Path:
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    from workspace.policies import add_rule
    from workspace.users import add_user

    ws = Workspace(tmp_path)
    add_user(ws, "ana", "viewer", "a long password")
    add_rule(ws, user="ana", filter="region = 'East'")
    return tmp_path


def cli(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    code = beacon.main([*args, "--db", str(home / "warehouse.duckdb"), "--model", str(DEMO_MODEL), "--user", "ana"])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_list_and_show_as_the_east_viewer(capsys: pytest.CaptureFixture[str], home: Path,
                                              con: duckdb.DuckDBPyConnection) -> None:
    code, out, _ = cli(capsys, home, "campaign", "list", "--as-of", "2025-06-10", "--json")
    data = json.loads(out)
    assert code == 0 and "spend" in data["unavailable"] and "budget" in data["unavailable"]
    shown = [(c["campaign_id"], c["campaign_revenue"], c["orders"], c["buyers"], c["conversion_rate"])
             for c in data["campaigns"]]
    assert same_rows(shown, east_figures(con, AS_OF))
    assert all(c["spend"] is None and c["budget"] is None and c["roas"] is None for c in data["campaigns"])
    code, out, _ = cli(capsys, home, "campaign", "list")
    note, table = out.split("40 campaigns")
    assert code == 0 and note.startswith("Your data policy shows you Region = East only.")
    assert "campaign_revenue" in table and not {"spend", "budget", "pacing", "roas", "roi"} & set(table.split())
    code, out, _ = cli(capsys, home, "campaign", "show", "CMP027", "--json")
    figures = json.loads(out)["campaign"]["figures"]
    assert code == 0 and figures["campaign_revenue"] == pytest.approx(revenue(con, "CMP027", "East"))
    assert figures["spend"] is None and figures["roas"] is None


def test_cli_review_is_refused_for_the_east_viewer(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, err = cli(capsys, home, "report", "campaign", "CMP027", "--workspace", str(home))
    assert code == 2 and not out and "weighs results against ad spend and budget" in err


@pytest.fixture()
def east_app(home: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app signed in as ana (viewer, region = 'East'), on a workspace that is not an open demo."""
    from workspace.settings import Settings
    from workspace.users import authenticate

    Settings(home).set("open_demo", False)
    monkeypatch.setenv("BEACON_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.session_state["auth_token"] = authenticate(Workspace(home), "ana", "a long password").token
    app.query_params["campaign"] = "CMP027"
    return app.run()


@pytest.mark.parametrize(("lang", "words"), [
    ("en", {"note": "Your data policy shows you Region = East only.", "revenue": "Campaign revenue",
            "spend": ("Ad spend", "ROAS", "ROI", "CPC", "CTR"), "review": "No automatic review here"}),
    ("zh", {"note": "您的数据权限仅限 大区 = 华东。", "revenue": "活动销售额",
            "spend": ("广告花费", "投产比", "投资回报率", "单次点击成本", "点击率"),
            "review": "此处不生成自动复盘报告"}),
])
def test_the_campaign_page_shows_the_east_viewer_their_region(east_app: AppTest, lang: str, words: dict,
                                                              con: duckdb.DuckDBPyConnection) -> None:
    app = east_app
    if lang != "en":
        app.segmented_control(key="language_switch").set_value(lang).run()
    app.switch_page("app_pages/campaigns.py").run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert any(i.value.startswith(words["note"]) for i in app.info)
    cards = {m.label: m.value for m in app.metric}
    assert cards[words["revenue"]] == format_value(revenue(con, "CMP027", "East"), "currency", lang)
    assert cards[words["revenue"]] != format_value(revenue(con, "CMP027", None), "currency", lang)
    assert not set(words["spend"]) & set(cards)
    assert any(c.value.startswith(words["review"]) for c in app.caption)
    for section in ("list", "channels", "attribution", "ab", "watch"):
        app.radio(key=f"cmp_section_{lang}").set_value(section).run()
        assert not app.exception, (section, app.exception)
        assert not app.error, (section, [e.value for e in app.error])
        for frame in app.dataframe:
            assert not set(words["spend"]) & set(frame.value.columns), section


def test_the_east_list_shows_east_revenue_per_campaign(east_app: AppTest, con: duckdb.DuckDBPyConnection) -> None:
    app = east_app
    app.switch_page("app_pages/campaigns.py").run()
    app.date_input(key="cmp_as_of").set_value(AS_OF).run()
    app.radio(key="cmp_section_en").set_value("list").run()
    shown = app.dataframe[0].value
    names = dict(con.execute("SELECT campaign_id, campaign_name FROM campaigns").fetchall())
    expected = {names[row[0]]: row for row in east_figures(con, AS_OF)}
    assert len(shown) == 40 and {"Budget", "Ad spend", "Budget used", "Pacing", "ROAS", "ROI"}.isdisjoint(
        shown.columns)
    for _, row in shown.iterrows():
        figures = expected[row["Campaign"]]
        assert row["Revenue"] == format_value(figures[1], "currency", "en"), row["Campaign"]
        assert row["Orders"] == format_value(figures[2], "integer", "en")
