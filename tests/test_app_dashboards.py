"""Dashboards through AppTest: the demo boards' numbers, filters, editing with conflicts, read-only links."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from semantic.query import SemanticQuery
from ui.dashboard_text import plain
from viz.chart_spec import ChartSpec
from viz.format import format_value
from workspace.dashboards import DashboardStore, new_tile
from workspace.demo_dashboards import MARKETING_ID, ensure_demo_dashboards
from workspace.home import Workspace

ROOT = Path(__file__).resolve().parent.parent
PAGE = "app_pages/dashboards.py"
REVENUE_2025 = """SELECT SUM(o.net_amount) FROM orders o {join} WHERE o.status = 'completed'
                  AND o.order_date BETWEEN '2025-01-01' AND '2025-12-31' {extra}"""


@pytest.fixture
def home(warehouse: Path, tmp_path: Path) -> Path:
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    ensure_demo_dashboards(Workspace(tmp_path))
    return tmp_path


@pytest.fixture
def store(home: Path) -> DashboardStore:
    return DashboardStore(Workspace(home))


def open_page(home: Path, monkeypatch: pytest.MonkeyPatch, **params: str) -> AppTest:
    monkeypatch.setenv("BEACON_HOME", str(home))
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params.update(params)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def kpi_text(app: AppTest, index: int = 0) -> str:
    """The big number of the index-th KPI card (Plotly annotation '<b>¥42.5M</b>')."""
    cards = [json.loads(c.proto.spec) for c in app.get("plotly_chart")]
    numbers = [a["text"] for c in cards for a in c["layout"].get("annotations", []) if a["text"].startswith("<b>")]
    return numbers[index].removeprefix("<b>").removesuffix("</b>")


def test_the_list_shows_the_demo_dashboards(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_page(home, monkeypatch)
    titles = [m.value for m in app.markdown]
    assert "**Marketing overview**" in titles and "**Campaign performance**" in titles


def test_marketing_overview_numbers_equal_sql(home: Path, monkeypatch: pytest.MonkeyPatch,
                                             con: duckdb.DuckDBPyConnection) -> None:
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID)
    assert app.title[0].value == "Marketing overview"
    revenue = con.sql(REVENUE_2025.format(join="", extra="")).fetchall()[0][0]
    assert kpi_text(app) == format_value(revenue, "currency", "en")
    assert len(app.get("plotly_chart")) >= 7
    assert app.toggle(key=f"dash_edit_{MARKETING_ID}").value is False


def test_a_dashboard_filter_applies_to_the_tiles(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                con: duckdb.DuckDBPyConnection) -> None:
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID)
    app.multiselect(key="dw_dim_channel").set_value(["Tmall"]).run()
    assert not app.exception, app.exception
    revenue = con.sql(REVENUE_2025.format(join="", extra="AND o.channel = 'Tmall'")).fetchall()[0][0]
    assert kpi_text(app) == format_value(revenue, "currency", "en")
    assert json.loads(app.query_params["filters"]) == [{"field": "channel", "op": "in", "value": ["Tmall"]}]


def test_chinese_dashboard(home: Path, monkeypatch: pytest.MonkeyPatch, con: duckdb.DuckDBPyConnection) -> None:
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID, lang="zh")
    assert app.title[0].value == "营销总览"
    revenue = con.sql(REVENUE_2025.format(join="", extra="")).fetchall()[0][0]
    assert kpi_text(app) == format_value(revenue, "currency", "zh")
    assert app.multiselect(key="dw_dim_channel").label == "渠道"


def test_a_share_link_opens_read_only(home: Path, monkeypatch: pytest.MonkeyPatch, store: DashboardStore,
                                      con: duckdb.DuckDBPyConnection) -> None:
    from semantic.query import Filter

    token = store.create_link(MARKETING_ID, (Filter("channel", "in", ("JD",)),))
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID, link=token)
    assert app.title[0].value == "Marketing overview"
    assert not app.toggle and not app.text_input
    assert not [b for b in app.button if b.key and b.key.startswith(("dash_save", "dash_back", "dash_remove"))]
    assert not [e for e in app.expander if "Version history" in e.label]
    revenue = con.sql(REVENUE_2025.format(join="", extra="AND o.channel = 'JD'")).fetchall()[0][0]
    assert kpi_text(app) == format_value(revenue, "currency", "en")
    store.revoke_link(token)
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID, link=token)
    assert "revoked" in app.error[0].value and not app.get("plotly_chart")


def save_after_someone_else(app: AppTest, store: DashboardStore, mine: str, **theirs: str) -> None:
    """Rename the dashboard in edit mode, let 'bo' save their change meanwhile, then press Save."""
    app.toggle(key=f"dash_edit_{MARKETING_ID}").set_value(True).run()
    app.text_input(key=f"dash_title_{MARKETING_ID}_en").set_value(mine).run()
    board = store.get(MARKETING_ID)
    store.save(replace(board, **theirs), base_version=board.version, saved_by="bo")
    app.button(key=f"dash_save_{MARKETING_ID}").click().run()


def test_edit_save_conflict_and_merge(home: Path, monkeypatch: pytest.MonkeyPatch, store: DashboardStore) -> None:
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID)
    save_after_someone_else(app, store, "My overview", description="Their words")
    assert not app.exception, app.exception
    assert "bo saved this dashboard (version 2)" in app.warning[0].value
    app.button(key=f"dash_merge_{MARKETING_ID}").click().run()
    merged = store.get(MARKETING_ID)
    assert (merged.version, merged.title, merged.description) == (3, "My overview", "Their words")
    assert [v.version for v in store.versions(MARKETING_ID)] == [3, 2, 1]


def test_one_broken_tile_leaves_the_rest_working(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                 store: DashboardStore) -> None:
    good = new_tile("Revenue by channel", SemanticQuery(metrics=("revenue",), dimensions=("channel",)),
                    ChartSpec("bar"))
    gone = new_tile("Old tile", SemanticQuery(metrics=("deleted_metric",)), ChartSpec("kpi"))
    board = store.create("**Q3** [review](javascript:alert(1))", owner="you", tiles=(gone, good))
    app = open_page(home, monkeypatch, dashboard=board.id)
    assert "deleted_metric" in app.warning[0].value
    assert len(app.get("plotly_chart")) == 1
    assert app.title[0].value == plain("**Q3** [review](javascript:alert(1))")


def test_the_period_filter_replaces_each_tiles_period(home: Path, monkeypatch: pytest.MonkeyPatch,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID)
    app.selectbox(key="dw_period_en").set_value("last_month").run()
    assert not app.exception, app.exception
    last_day = con.sql("SELECT MAX(order_date)::DATE FROM orders").fetchall()[0][0]
    month_start = last_day.replace(day=1)
    revenue = con.sql(f"""SELECT SUM(net_amount) FROM orders WHERE status = 'completed'
                          AND order_date >= DATE '{month_start}' - INTERVAL 1 MONTH
                          AND order_date < DATE '{month_start}'""").fetchall()[0][0]
    assert kpi_text(app) == format_value(revenue, "currency", "en")


def test_restore_an_old_version(home: Path, monkeypatch: pytest.MonkeyPatch, store: DashboardStore) -> None:
    board = store.get(MARKETING_ID)
    store.save(replace(board, title="Renamed"), base_version=board.version)
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID)
    assert app.title[0].value == "Renamed"
    app.button(key="dash_view_1").click().run()
    assert app.title[0].value == "Marketing overview" and "version 1" in app.info[0].value
    app.button(key="dash_restore_1").click().run()
    assert not app.exception, app.exception
    assert (store.get(MARKETING_ID).version, store.get(MARKETING_ID).title) == (3, "dashboards.marketing_title")
    assert app.title[0].value == "Marketing overview"


def test_an_expired_link_says_so(home: Path, monkeypatch: pytest.MonkeyPatch, store: DashboardStore) -> None:
    token = store.create_link(MARKETING_ID, expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID, link=token)
    assert "expired on 2020-01-01" in app.error[0].value and not app.get("plotly_chart")


def test_edit_tiles_and_save_a_version(home: Path, monkeypatch: pytest.MonkeyPatch, store: DashboardStore) -> None:
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID)
    app.toggle(key=f"dash_edit_{MARKETING_ID}").set_value(True).run()
    app.text_area(key=f"dash_text_body_{MARKETING_ID}").set_value("Numbers **as of** Monday").run()
    app.button(key=f"dash_text_add_{MARKETING_ID}").click().run()
    app.selectbox(key="dash_w_revenue").set_value(12).run()
    app.button(key="dash_move_forward_intro").click().run()
    app.button(key="dash_remove_city_map").click().run()
    app.button(key=f"dash_save_{MARKETING_ID}").click().run()
    assert not app.exception, app.exception
    saved = store.get(MARKETING_ID)
    assert saved.version == 2
    assert [t.id for t in saved.tiles][:2] == ["revenue", "intro"] and "city_map" not in [t.id for t in saved.tiles]
    assert saved.tile("revenue").width == 12 and saved.tiles[-1].text == "Numbers **as of** Monday"


def test_a_conflicting_save_can_become_a_copy(home: Path, monkeypatch: pytest.MonkeyPatch,
                                              store: DashboardStore) -> None:
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID)
    save_after_someone_else(app, store, "Mine", title="Theirs")
    app.button(key=f"dash_copy_{MARKETING_ID}").click().run()
    assert not app.exception, app.exception
    titles = sorted(b.title for b in store.list())
    assert "Theirs" in titles and "Mine (copy)" in titles
    assert app.title[0].value == plain("Mine (copy)")


def test_a_filter_value_that_no_longer_exists_is_named(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gone = json.dumps([{"field": "channel", "op": "in", "value": ["Taobao Live"]}])
    app = open_page(home, monkeypatch, dashboard=MARKETING_ID, filters=gone)
    assert "Taobao Live no longer appears in Channel" in app.warning[0].value
    assert any("No data for this chart" in c.value for c in app.caption)


def test_each_tile_shows_its_period(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = open_page(home, monkeypatch, dashboard="campaign-performance")
    captions = [c.value for c in app.caption]
    assert captions.count("2025 vs 2024") == 2  # the ad spend and ROAS cards: 2025 against 2024, now said
    assert "Oct 20, 2025 – Nov 12, 2025" in captions and captions.count("All dates") == 4
    assert r"**Double 11 2025 funnel\: its customers at each step**" in [m.value for m in app.markdown]
