"""The demo dashboards say what they count and which days: the funnel is one campaign's customers step by step,
every tile names its period, and a changed definition reaches workspaces built before it. Against SQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
import pytest

from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.query import SemanticQuery, TimeRange
from viz.dashboard_filters import period_filter
from viz.tiles import period_words, render_dashboard
from workspace.dashboards import DashboardStore, localized
from workspace.demo_dashboards import CAMPAIGN_ID, MARKETING_ID, campaign_performance, ensure_demo_dashboards
from workspace.home import Workspace


def views_of(board_id: str, ws: Workspace, model: SemanticModel, engine: DuckDBEngine, lang: str) -> dict:
    board = DashboardStore(ws).get(board_id)
    return {v.tile.id: v for v in render_dashboard(board, model, engine, lang)}


def test_the_funnel_is_one_campaigns_customers_step_by_step(tmp_path: Path, model: SemanticModel,
                                                             engine: DuckDBEngine,
                                                             con: duckdb.DuckDBPyConnection) -> None:
    ensure_demo_dashboards(Workspace(tmp_path))
    expected = dict(con.sql("""
        SELECT e.event_type, COUNT(DISTINCT e.customer_id) FROM campaign_events e JOIN campaigns c USING (campaign_id)
        WHERE c.campaign_name = 'Double 11 2025' AND e.event_time >= '2025-10-20' AND e.event_time < '2025-11-13'
        GROUP BY 1""").fetchall())
    assert expected == {"reach": 10444, "click": 7460, "visit": 5222, "add_to_cart": 3730, "purchase": 2611}
    views = views_of(CAMPAIGN_ID, Workspace(tmp_path), model, engine, "en")
    funnel = views["funnel"]
    assert dict(funnel.frame.select("event_type", "funnel_customers").rows()) == expected
    assert 0.5 < expected["click"] / expected["reach"] < 0.8  # a campaign's own step, not 93% over all campaigns
    assert funnel.title == "Double 11 2025 funnel: its customers at each step"
    assert funnel.period == "Oct 20, 2025 – Nov 12, 2025"
    zh = views_of(CAMPAIGN_ID, Workspace(tmp_path), model, engine, "zh")["funnel"]
    assert zh.title == "2025 双11 转化漏斗：各环节客户数" and zh.period == "2025年10月20日 – 2025年11月12日"


def test_every_tile_says_its_period(tmp_path: Path, model: SemanticModel, engine: DuckDBEngine,
                                    con: duckdb.DuckDBPyConnection) -> None:
    ws = Workspace(tmp_path)
    ensure_demo_dashboards(ws)
    (now,), (before,) = con.sql("SELECT SUM(net_amount) FROM orders WHERE status = 'completed' AND "
                                "YEAR(order_date) IN (2025, 2024) GROUP BY YEAR(order_date) ORDER BY 1 DESC").fetchall()
    for lang, versus, everything in (("en", "2025 vs 2024", "All dates"), ("zh", "2025年 对比 2024年", "全部日期")):
        views = views_of(MARKETING_ID, ws, model, engine, lang)
        revenue = views["revenue"]
        assert revenue.period == versus and revenue.frame["revenue"][0] == pytest.approx(float(now))
        assert float(now) / float(before) - 1 == pytest.approx(0.167, abs=5e-4)  # the card's "+16.7% vs previous"
        assert views["revenue_trend"].period == everything and views["intro"].period == ""
        assert all(v.period for v in views.values() if v.tile.query is not None)
    window = TimeRange(dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    board = DashboardStore(ws).get(MARKETING_ID)
    chosen = {v.tile.id: v for v in render_dashboard(board, model, engine, "en", (period_filter(window),))}
    assert chosen["revenue"].period == "Jun 2025 vs May 2025" and chosen["category_share"].period == "Jun 2025"


def test_period_words_name_calendar_spans() -> None:
    def words(start: dt.date, end: dt.date, lang: str = "en", compare: str | None = None) -> str:
        return period_words(SemanticQuery(metrics=("revenue",), time_range=TimeRange(start, end), compare=compare),
                            lang)

    assert words(dt.date(2025, 4, 1), dt.date(2025, 6, 30), compare="previous_year") == "Q2 2025 vs Q2 2024"
    assert words(dt.date(2024, 1, 1), dt.date(2025, 12, 31), "zh") == "2024年–2025年"
    assert words(dt.date(2025, 6, 3), dt.date(2025, 6, 9)) == "Jun 3, 2025 – Jun 9, 2025"


def test_a_changed_definition_reaches_an_unedited_demo_but_not_an_edited_one(tmp_path: Path) -> None:
    old = campaign_performance()
    funnel = next(t for t in old.tiles if t.id == "funnel")
    all_time = dataclasses.replace(funnel, query=SemanticQuery(metrics=("funnel_customers",),
                                                               dimensions=("event_type",)))
    stale = tuple(all_time if t.id == "funnel" else t for t in old.tiles)
    ws, edited = Workspace(tmp_path / "a"), Workspace(tmp_path / "b")
    for home in (ws, edited):  # workspaces built by an earlier Beacon, with the all-customers funnel
        DashboardStore(home).create(old.title, "beacon", old.description, stale, (), CAMPAIGN_ID)
    person = DashboardStore(edited).get(CAMPAIGN_ID)
    DashboardStore(edited).save(dataclasses.replace(person, description="ours"), person.version)  # by its owner
    assert ensure_demo_dashboards(ws) == [MARKETING_ID, CAMPAIGN_ID]
    assert DashboardStore(ws).get(CAMPAIGN_ID).tiles == old.tiles and DashboardStore(ws).get(CAMPAIGN_ID).version == 2
    assert ensure_demo_dashboards(ws) == []  # up to date: no new version
    again = DashboardStore(ws).get(CAMPAIGN_ID)  # a later definition reaches it too, as long as nobody saved it
    DashboardStore(ws).save(dataclasses.replace(again, tiles=stale), again.version, saved_by="beacon-demo")
    assert ensure_demo_dashboards(ws) == [CAMPAIGN_ID] and DashboardStore(ws).get(CAMPAIGN_ID).tiles == old.tiles
    assert ensure_demo_dashboards(edited) == [MARKETING_ID]
    kept = DashboardStore(edited).get(CAMPAIGN_ID)
    assert kept.tiles == stale and localized(kept.description, "en") == "ours"
