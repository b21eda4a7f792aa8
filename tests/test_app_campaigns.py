"""The Campaigns page through Streamlit's AppTest: every figure checked against hand-written SQL on the demo data."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from ml.abtest import Variant, compare
from semantic.model import load_model
from viz.format import format_value
from workspace.alerts import AlertRule, add_rule, list_rules
from workspace.home import DEMO_MODEL

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2025, 6, 10)


@pytest.fixture
def home(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace of its own (alert rules are written to its meta.sqlite)."""
    shutil.copyfile(warehouse, tmp_path / "warehouse.duckdb")
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    return tmp_path


def campaigns_page(lang: str = "en", campaign: str | None = None, as_of: dt.date | None = None) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if campaign:
        app.query_params["campaign"] = campaign
    app.run()
    if lang != "en":
        app.segmented_control(key="language_switch").set_value(lang).run()
    app.switch_page("app_pages/campaigns.py").run()
    if as_of:
        app.date_input(key="cmp_as_of").set_value(as_of).run()
    assert not app.exception, app.exception
    return app


def campaign_figures(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> dict[str, dict[str, float | None]]:
    """Per campaign: budget, spend, revenue, ROAS, ROI, CTR, CPC and conversion up to `as_of`, by hand."""
    rows = con.execute("""
        WITH s AS (SELECT campaign_id, SUM(spend) spend, SUM(clicks) clicks, SUM(impressions) imps
                   FROM ad_spend WHERE date <= ? GROUP BY 1),
             r AS (SELECT campaign_id, SUM(net_amount) rev FROM orders
                   WHERE status = 'completed' AND order_date <= ? GROUP BY 1),
             e AS (SELECT campaign_id,
                          COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'purchase') bought,
                          COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'reach') reached
                   FROM campaign_events WHERE CAST(event_time AS DATE) <= ? GROUP BY 1)
        SELECT c.campaign_name, c.budget, COALESCE(s.spend, 0), COALESCE(r.rev, 0), r.rev / s.spend,
               (r.rev - s.spend) / s.spend, s.clicks / s.imps, s.spend / s.clicks, e.bought / e.reached
        FROM campaigns c LEFT JOIN s USING (campaign_id) LEFT JOIN r USING (campaign_id)
        LEFT JOIN e USING (campaign_id)""", [as_of, as_of, as_of]).fetchall()
    names = ("budget", "spend", "campaign_revenue", "roas", "roi", "ctr", "cpc", "conversion_rate")
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


FORMATS = {"budget": "currency", "spend": "currency", "campaign_revenue": "currency", "roas": "ratio",
           "roi": "percent", "ctr": "percent", "cpc": "currency", "conversion_rate": "percent"}


def test_list_numbers_equal_sql(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    app = campaigns_page(as_of=AS_OF)
    shown = app.dataframe[0].value
    expected = campaign_figures(con, AS_OF)
    assert len(shown) == len(expected) == 40
    columns = {"budget": "Budget", "spend": "Ad spend", "campaign_revenue": "Revenue", "roas": "ROAS", "roi": "ROI"}
    for _, row in shown.iterrows():
        figures = expected[row["Campaign"]]
        for name, title in columns.items():
            assert row[title] == format_value(figures[name], FORMATS[name], "en"), (row["Campaign"], name)
    statuses = con.execute("SELECT COUNT(*) FILTER (WHERE start_date > ?), COUNT(*) FILTER (WHERE end_date < ?) "
                           "FROM campaigns", [AS_OF, AS_OF]).fetchall()[0]
    assert (shown["Status"] == "Planned").sum() == statuses[0] > 0
    assert (shown["Status"] == "Ended").sum() == statuses[1]
    app.multiselect(key="cmp_filter_channel_en").set_value(["JD"]).run()
    filtered = app.dataframe[0].value
    assert set(filtered["Channel"]) == {"JD"} and len(filtered) == con.execute(
        "SELECT COUNT(*) FROM campaigns WHERE channel = 'JD'").fetchall()[0][0]
    app.selectbox(key="cmp_sort_en").set_value("roas").run()
    roas = [expected[name]["roas"] for name in app.dataframe[0].value["Campaign"]]
    known = [r for r in roas if r is not None]
    assert known == sorted(known, reverse=True)


def test_ended_campaigns_show_final_spend_against_budget(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    used = dict(con.sql("SELECT c.campaign_name, SUM(a.spend) / c.budget FROM campaigns c JOIN ad_spend a "
                        "USING (campaign_id) WHERE c.end_date < DATE '2025-12-31' "
                        "GROUP BY c.campaign_name, c.budget").fetchall())
    over = ("Member Day Autumn 2025", "Sunscreen Season Promotion 2025")  # ended at 106.15% and 106.74%
    assert [round(used[name], 4) for name in over] == [1.0615, 1.0674]
    expected = {"Over budget": sum(u > 1.02 for u in used.values()), "Under-spent": sum(u < 0.9 for u in used.values())}
    shown = campaigns_page("en").dataframe[0].value.set_index("Campaign")
    assert [shown.loc[name, "Pacing"] for name in over] == ["Over budget", "Over budget"]
    assert {w: (shown["Pacing"] == w).sum() for w in expected} == expected
    zh = campaigns_page("zh").dataframe[0].value
    assert [(zh["花费节奏"] == w).sum() for w in ("超出预算", "预算未用足")] == list(expected.values())


def test_the_list_shows_names_whole(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    """The name columns are as wide as their longest text (about 6.7 px a letter in the 14 px font), not cut
    to 'Winter Gift Sets Launch 2' or 'WeChat Mini'."""
    longest = con.sql("SELECT MAX(LENGTH(campaign_name)), MAX(LENGTH(channel)) FROM campaigns").fetchall()[0]
    assert longest == (31, 19)  # Summer Body Care Promotion 2025, WeChat Mini Program
    config = json.loads(campaigns_page("en").dataframe[0].proto.columns)
    assert config["Campaign"]["width"] >= 7 * longest[0] and config["Campaign"]["pinned"]
    assert config["Channel"]["width"] >= 7 * longest[1]
    zh = json.loads(campaigns_page("zh").dataframe[0].proto.columns)
    assert zh["活动"]["width"] >= 7 * len("2025 ") + 14 * len("夏季身体护理促销") and zh["渠道"]["width"] >= 14 * 5


def test_a_campaigns_kpis_equal_sql(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    app = campaigns_page(campaign="CMP027")
    assert app.radio(key="cmp_section_en").value == "campaign"
    assert app.subheader[0].value == "618 Mid-Year Sale 2025"
    last = con.sql("SELECT MAX(order_date) FROM orders").fetchall()[0][0]
    figures = campaign_figures(con, last)
    now, before = figures["618 Mid-Year Sale 2025"], figures["618 Mid-Year Sale 2024"]  # last year's festival
    cards = {m.label: m for m in app.metric}
    for name, label in (("spend", "Ad spend"), ("campaign_revenue", "Campaign revenue"), ("roas", "ROAS"),
                        ("cpc", "CPC"), ("ctr", "CTR"), ("conversion_rate", "Conversion rate"), ("roi", "ROI")):
        assert cards[label].value == format_value(now[name], FORMATS[name], "en"), name
    assert cards["ROAS"].delta == f"{(now['roas'] / before['roas'] - 1) * 100:+.1f}%"
    assert cards["ROI"].delta == f"{(now['roi'] - before['roi']) * 100:+.1f} pts"
    new_buyers = con.sql("""
        WITH f AS (SELECT customer_id, MIN(order_date) d FROM orders
                   WHERE campaign_id = 'CMP027' AND status = 'completed' GROUP BY 1)
        SELECT COUNT(*) FROM f WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = f.customer_id
                                                 AND o.status = 'completed' AND o.order_date < f.d)""").fetchall()
    assert cards["New buyers"].value == format_value(new_buyers[0][0], "integer", "en")
    captions = " ".join(c.value for c in app.caption)
    assert "Compared with the same festival last year: 618 Mid-Year Sale 2024 (CMP007)" in captions
    assert "the median of comparable campaigns (the same festival last year)." in captions
    app.number_input(key="cmp_roas_target").set_value(2.0).run()
    versus = next(f.value for f in app.dataframe if "vs target" in f.value.columns).set_index("KPI")
    assert versus.loc["ROAS", "Target"] == "2.00"
    assert versus.loc["ROAS", "vs target"] == f"{(now['roas'] / 2 - 1) * 100:+.1f}%"
    assert versus.loc["Ad spend", "vs target"] == f"{(now['spend'] / now['budget'] - 1) * 100:+.1f}%"


def test_funnel_numbers_equal_sql(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    app = campaigns_page(campaign="CMP027")
    counts = dict(con.sql("SELECT event_type, COUNT(DISTINCT customer_id) FROM campaign_events "
                          "WHERE campaign_id = 'CMP027' GROUP BY 1").fetchall())
    funnel = next(f.value for f in app.dataframe if "Step conversion" in f.value.columns)
    steps = ("reach", "click", "visit", "add_to_cart", "purchase")
    assert list(funnel["Step"]) == ["Reach", "Click", "Visit", "Add to cart", "Purchase"]
    assert list(funnel["Customers"]) == [format_value(counts[s], "integer", "en") for s in steps]
    for index in range(1, 5):
        rate = counts[steps[index]] / counts[steps[index - 1]]
        assert funnel["Step conversion"][index] == format_value(rate, "percent", "en")
        assert funnel["Drop-off"][index] == format_value(1 - rate, "percent", "en")
    app.selectbox(key="cmp_funnel_by_en").set_value("member_tier").run()
    tiers = dict(con.sql("""
        SELECT c.member_tier, COUNT(DISTINCT e.customer_id) FILTER (WHERE event_type = 'click')
               / COUNT(DISTINCT e.customer_id) FILTER (WHERE event_type = 'reach')
        FROM campaign_events e JOIN customers c USING (customer_id) WHERE e.campaign_id = 'CMP027'
        GROUP BY 1""").fetchall())
    split = next(f.value for f in app.dataframe if "Member tier" in f.value.columns)
    for _, row in split.iterrows():
        assert row["Click"] == format_value(tiers[row["Member tier"]], "percent", "en")
    app.selectbox(key="cmp_funnel_other_en").set_value("CMP007").run()
    assert not app.exception
    reached = con.sql("SELECT COUNT(DISTINCT customer_id) FROM campaign_events WHERE campaign_id = 'CMP007' "
                      "AND event_type = 'reach'").fetchall()[0][0]
    funnels = [f.value for f in app.dataframe if "Step conversion" in f.value.columns]
    assert len(funnels) == 2 and funnels[1]["Customers"][0] == format_value(reached, "integer", "en")


def test_chinese_page(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    app = campaigns_page("zh", campaign="CMP027")
    assert app.title[0].value == "营销活动"
    cards = {m.label: m for m in app.metric}
    assert {"广告花费", "投产比", "投资回报率", "转化率"} <= set(cards)
    revenue = con.sql("SELECT SUM(net_amount) FROM orders WHERE campaign_id = 'CMP027' "
                      "AND status = 'completed'").fetchall()[0][0]
    assert cards["活动销售额"].value == format_value(revenue, "currency", "zh") and "万" in cards["活动销售额"].value
    assert cards["投资回报率"].delta.endswith(" 个百分点")
    assert any(c.value.startswith("箭头表示各指标与可比活动（去年同一节日活动）") for c in app.caption)
    assert any("已结束 · 天猫 · 节日活动" in c.value for c in app.caption)
    app.radio(key="cmp_section_zh").set_value("list").run()
    assert {"活动", "状态", "渠道", "投产比"} <= set(app.dataframe[0].value.columns)


def test_chinese_page_names_campaigns_in_chinese(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    """The list, the picker, the review and its comparable campaign say 2025 618 年中大促, never the English name;
    the list's order and a click still go by the raw values."""
    peer = con.sql("SELECT campaign_id FROM campaigns WHERE campaign_name = '618 Mid-Year Sale 2024'").fetchall()[0][0]
    app = campaigns_page("zh", campaign="CMP027")
    assert app.subheader[0].value == "2025 618 年中大促"
    assert "CMP027 · 2025 618 年中大促" in app.selectbox(key="cmp_pick_zh").options
    assert any(f"2024 618 年中大促 ({peer})" in c.value for c in app.caption)
    app.selectbox(key="cmp_review_format_zh").set_value("md").run()
    app.button(key="cmp_review_make").click().run()
    review = next((home / "reports").glob("*.md")).read_text(encoding="utf-8")
    assert review.startswith("# 活动复盘：2025 618 年中大促") and "2024 618 年中大促" in review
    assert "Mid-Year" not in review
    app.radio(key="cmp_section_zh").set_value("list").run()
    names = app.dataframe[0].value["活动"].to_list()
    assert "2025 618 年中大促" in names and not [n for n in names if "Mid-Year" in n]
    newest_first = [n for (n,) in con.sql("SELECT campaign_name FROM campaigns ORDER BY start_date DESC").fetchall()]
    label = load_model(DEMO_MODEL).dimensions["campaign_name"].value_label
    assert names == [label(n, "zh") for n in newest_first]  # sorted on the raw start dates, shown by label
    assert campaigns_page("en", campaign="CMP027").subheader[0].value == "618 Mid-Year Sale 2025"


def test_a_planned_campaign_is_explained(home: Path) -> None:
    app = campaigns_page(campaign="CMP029", as_of=AS_OF)
    assert app.subheader[0].value == "Summer Retargeting Wave 2025"
    words = app.info[0].value
    assert "starts on Jul 1, 2025" in words and "has not begun on Jun 10, 2025" in words and "¥77K" in words
    assert not app.metric  # no figures for a campaign that has not started


def test_an_unknown_campaign_is_said_in_words(home: Path) -> None:
    app = campaigns_page(campaign="CMP999")
    assert "There is no campaign CMP999." in app.warning[0].value
    assert "Did you mean" in app.warning[0].value
    assert app.subheader[0].value  # the latest campaign is shown instead


def test_ab_verdict(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    app = campaigns_page()
    app.radio(key="cmp_section_en").set_value("ab").run()
    app.selectbox(key="cmp_ab_a_en").set_value("CMP007").run()
    app.selectbox(key="cmp_ab_b_en").set_value("CMP027").run()
    counts = {c: con.execute("SELECT COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'purchase'), "
                             "COUNT(DISTINCT customer_id) FILTER (WHERE event_type = 'reach') "
                             "FROM campaign_events WHERE campaign_id = ?", [c]).fetchall()[0]
              for c in ("CMP007", "CMP027")}
    result = compare(Variant("CMP007", *counts["CMP007"]), Variant("CMP027", *counts["CMP027"]))
    verdicts = [m.value for m in (*app.success, *app.info)]
    assert result.verdict("en") in verdicts
    app.radio(key="cmp_ab_mode_en").set_value("manual").run()
    for name, conversions, size in (("A", 200, 1000), ("B", 250, 1000)):
        app.number_input(key=f"cmp_ab_conv_{name}").set_value(conversions).run()
        app.number_input(key=f"cmp_ab_n_{name}").set_value(size).run()
    assert app.success[0].value == "B converts 5.0 points better than A; this is unlikely to be chance, p = 0.007."
    assert app.metric[3].value == "0.0074"
    assert any("3,841 people in each group" in m.value for m in app.info)  # the textbook n for 10 % → 12 %


def test_adding_and_deleting_an_alert_rule(home: Path) -> None:
    app = campaigns_page()
    app.radio(key="cmp_section_en").set_value("watch").run()
    assert not app.exception, app.exception
    assert any("Unusual days" in s.value for s in app.subheader)
    app.radio(key="cmp_rule_scope_en").set_value("channel").run()
    app.selectbox(key="cmp_rule_metric_en").set_value("spend")
    app.selectbox(key="cmp_rule_comparator_en").set_value(">")
    app.number_input(key="cmp_rule_threshold").set_value(0.0)
    app.number_input(key="cmp_rule_days").set_value(1)
    app.selectbox(key="cmp_rule_value_channel").set_value("Official Site")
    app.button(key="FormSubmitter:cmp_rule_form_en-Save the rule").click().run()
    assert not app.exception, app.exception
    rules = list_rules(home / "meta.sqlite")
    assert [(r.metric, r.comparator, r.threshold, r.days, r.scope, r.scope_value) for r in rules] == [
        ("spend", ">", 0.0, 1, "channel", "Official Site")]
    rule = "Ad spend of channel Official Site above ¥0 for 1 day(s) in a row"
    assert app.success[0].value == f"Saved: {rule}."
    assert any(rule in m.value for m in app.markdown)
    assert any(w.value.startswith(f"{rule}: Official Site —") for w in app.warning)  # CMP040 spends on Dec 31
    app.button(key=f"cmp_rule_delete_{rules[0].id}").click().run()
    assert list_rules(home / "meta.sqlite") == [] and app.success[0].value == f"Deleted: {rule}."


def test_generate_review_archives_and_offers_the_file(home: Path) -> None:
    app = campaigns_page(campaign="CMP027")
    app.selectbox(key="cmp_review_format_en").set_value("md").run()
    app.button(key="cmp_review_make").click().run()
    assert not app.exception, app.exception
    archived = list((home / "reports").glob("*.md"))
    assert len(archived) == 1 and "CMP027" in archived[0].name
    assert "618 Mid-Year Sale 2025" in archived[0].read_text(encoding="utf-8")
    assert app.get("download_button")[0].proto.label == f"Download {archived[0].name}"


def test_an_empty_ab_group_is_refused_in_words(home: Path) -> None:
    app = campaigns_page()
    app.radio(key="cmp_section_en").set_value("ab").run()
    app.radio(key="cmp_ab_mode_en").set_value("manual").run()
    app.number_input(key="cmp_ab_conv_A").set_value(0).run()
    app.number_input(key="cmp_ab_n_A").set_value(0).run()
    assert not app.exception, app.exception
    assert "Variant A has no people (0)" in app.error[0].value
    assert app.number_input(key="cmp_ab_n_B").value == 1000  # B's inputs and the calculator are still there
    assert any("people in each group" in m.value for m in app.info)


def test_alerts_name_channels_and_campaigns_as_readers_know_them(home: Path) -> None:
    add_rule(home / "meta.sqlite", AlertRule("spend", ">", 0.0, days=1, scope="channel", scope_value="Official Site"))
    add_rule(home / "meta.sqlite", AlertRule("spend", ">", 0.0, days=1, scope="campaign", scope_value="CMP040"))
    app = campaigns_page("zh")
    app.radio(key="cmp_section_zh").set_value("watch").run()
    assert not app.exception, app.exception
    alerts = [w.value for w in app.warning]
    assert any(a.startswith("渠道 官网的广告花费连续 1 天高于 ¥0：官网 ——") for a in alerts)
    assert any(a.startswith("活动 2025 冬季礼盒新品上市 (CMP040)的广告花费") for a in alerts)


def funnel_to(con: duckdb.DuckDBPyConnection, campaign_id: str, day: dt.date | None) -> list[int]:
    """Customers at reach, click, visit, add to cart and purchase, from events up to the end of `day` (None: all)."""
    counts = dict(con.execute("SELECT event_type, COUNT(DISTINCT customer_id) FROM campaign_events "
                              "WHERE campaign_id = ? AND (CAST(? AS DATE) IS NULL OR event_time < CAST(? AS DATE) + 1) "
                              "GROUP BY 1", [campaign_id, day, day]).fetchall())
    return [counts.get(s, 0) for s in ("reach", "click", "visit", "add_to_cart", "purchase")]


def test_the_funnel_follows_the_measure_on_day(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    app = campaigns_page(campaign="CMP027", as_of=AS_OF)  # running May 25 – Jun 20: measured mid-campaign
    funnel = next(f.value for f in app.dataframe if "Step conversion" in f.value.columns)
    now, whole = funnel_to(con, "CMP027", AS_OF), funnel_to(con, "CMP027", None)
    assert now[0] < whole[0]
    assert list(funnel["Customers"]) == [format_value(n, "integer", "en") for n in now]
    assert funnel["Step conversion"][4] == format_value(now[4] / now[3], "percent", "en")
    assert any(c.value == "Customers at each step, from the campaign events up to Jun 10, 2025." for c in app.caption)
    cards = {m.label: m.value for m in app.metric}  # the conversion card, measured on the same day, agrees
    assert cards["Conversion rate"] == format_value(now[4] / now[0], "percent", "en")
    app.date_input(key="cmp_as_of").set_value(dt.date(2025, 12, 31)).run()
    funnel = next(f.value for f in app.dataframe if "Step conversion" in f.value.columns)
    assert list(funnel["Customers"]) == [format_value(n, "integer", "en") for n in whole]


def test_ab_counts_follow_the_measure_on_day(home: Path, con: duckdb.DuckDBPyConnection) -> None:
    app = campaigns_page(as_of=AS_OF)
    app.radio(key="cmp_section_en").set_value("ab").run()
    app.selectbox(key="cmp_ab_a_en").set_value("CMP027").run()
    app.selectbox(key="cmp_ab_b_en").set_value("CMP028").run()
    assert not app.exception, app.exception
    a, b = funnel_to(con, "CMP027", AS_OF), funnel_to(con, "CMP028", AS_OF)
    result = compare(Variant("CMP027", a[4], a[0]), Variant("CMP028", b[4], b[0]))
    assert result.verdict("en") in [m.value for m in (*app.success, *app.info)]
    assert f"CMP027: {format_value(a[4], 'integer', 'en')} purchasers of {format_value(a[0], 'integer', 'en')} " \
           "people reached, up to Jun 10, 2025." in [c.value for c in app.caption]
    assert app.metric[0].value == format_value(a[4] / a[0], "percent", "en")
    assert a[0] < funnel_to(con, "CMP027", None)[0]  # all of CMP027's events would count more people
