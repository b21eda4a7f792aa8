"""Dashboards: save, load, versions, restore, conflicts and merge, crash safety, filters, broken tiles."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

import workspace.dashboards as dashboards
from errors import DashboardConflictError, InputError, UnknownNameError
from semantic.answer import run_query
from semantic.compile import CompiledSQL
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.query import Filter, SemanticQuery, TimeRange
from tests.conftest import same_rows
from viz.charts import ChartSpec
from viz.dashboard_filters import PERIOD, apply_filters, period_filter
from viz.tiles import render_dashboard, render_tile
from workspace.dashboards import (
    Dashboard,
    DashboardStore,
    Tile,
    add_tile,
    localized,
    merge,
    move_tile,
    new_tile,
    remove_tile,
    resize_tile,
)
from workspace.demo_dashboards import (
    CAMPAIGN_ID,
    MARKETING_ID,
    campaign_performance,
    ensure_demo_dashboards,
    marketing_overview,
)
from workspace.home import Workspace

REVENUE = SemanticQuery(metrics=("revenue",), dimensions=("channel",))
SPEND = SemanticQuery(metrics=("spend",), dimensions=("channel",))


@pytest.fixture()
def store(tmp_path: Path) -> DashboardStore:
    return DashboardStore(Workspace(tmp_path))


def _board(store: DashboardStore) -> Dashboard:
    tiles = (Tile("rev", "Revenue", REVENUE, ChartSpec("bar")), Tile("note", "Note", text="**Hello**", width=12))
    return store.create("Weekly", owner="ana", description="Monday numbers", tiles=tiles)


def test_save_load_and_versions(store: DashboardStore) -> None:
    board = _board(store)
    assert board.version == 1 and store.get(board.id) == board
    edited = store.save(replace(resize_tile(board, "rev", 12, 2), title="Weekly numbers"), base_version=1,
                        saved_by="bo")
    assert edited.version == 2 and store.get(board.id).tile("rev").width == 12
    assert [(v.version, v.title, v.saved_by) for v in store.versions(board.id)] == \
        [(2, "Weekly numbers", "bo"), (1, "Weekly", "ana")]
    assert store.get(board.id, version=1) == board
    assert [b.id for b in store.list(owner="ana")] == [board.id] and store.list(owner="cy") == []


def test_restore_makes_a_new_version_equal_to_the_old(store: DashboardStore) -> None:
    board = _board(store)
    store.save(remove_tile(board, "note"), base_version=1)
    restored = store.restore(board.id, 1)
    assert restored.version == 3 and restored.tiles == board.tiles
    assert [v.version for v in store.versions(board.id)] == [3, 2, 1]


def test_a_later_save_is_told_and_can_merge(store: DashboardStore) -> None:
    base = _board(store)
    theirs = store.save(add_tile(base, new_tile("Spend", SPEND)), base_version=1, saved_by="bo")
    mine = add_tile(resize_tile(base, "rev", 4, 1), new_tile("Orders", SemanticQuery(metrics=("orders",))))
    with pytest.raises(DashboardConflictError, match="saved by someone else") as caught:
        store.save(mine, base_version=1, saved_by="ana")
    assert caught.value.theirs == theirs and store.get(base.id) == theirs  # nothing overwritten
    merged = merge(caught.value.theirs, mine, base)
    assert [t.title for t in merged.tiles] == ["Revenue", "Note", "Spend", "Orders"]
    assert merged.tile("rev").width == 4
    saved = store.save(merged, base_version=theirs.version)
    assert saved.version == 3 and len(store.get(base.id).tiles) == 4


def test_merge_keeps_their_edits_where_mine_left_the_tile_alone(store: DashboardStore) -> None:
    base = _board(store)
    theirs = replace(resize_tile(base, "rev", 3, 1), title="Their title", version=2)
    mine = remove_tile(base, "note")
    merged = merge(theirs, mine, base)
    assert merged.tile("rev").width == 3 and merged.title == "Their title"
    assert [t.id for t in merged.tiles] == ["rev"]  # I removed the note
    without_base = merge(theirs, replace(mine, title="Mine"))
    assert without_base.title == "Mine" and {t.id for t in without_base.tiles} == {"rev", "note"}


def test_save_as_copy(store: DashboardStore) -> None:
    board = _board(store)
    copy = store.save_copy(board, owner="bo", lang="zh")
    assert copy.title == "Weekly（副本）" and copy.id != board.id and copy.tiles == board.tiles


def test_a_crash_mid_save_keeps_the_old_version(store: DashboardStore, monkeypatch: pytest.MonkeyPatch) -> None:
    board = _board(store)

    def crash(*_: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(dashboards, "_move_head", crash)
    with pytest.raises(RuntimeError, match="power cut"):
        store.save(remove_tile(board, "note"), base_version=1)
    monkeypatch.undo()
    assert store.get(board.id) == board and [v.version for v in store.versions(board.id)] == [1]
    assert store.save(remove_tile(board, "note"), base_version=1).version == 2


def test_tile_helpers_and_bad_input(store: DashboardStore) -> None:
    board = _board(store)
    assert [t.id for t in move_tile(board, "note", 0).tiles] == ["note", "rev"]
    assert [t.id for t in move_tile(board, "rev", 99).tiles] == ["note", "rev"]
    with pytest.raises(InputError, match="width must be 1–12"):
        resize_tile(board, "rev", 13, 1)
    with pytest.raises(UnknownNameError, match=r"Unknown tile 'rve'\. Did you mean 'rev'"):
        remove_tile(board, "rve")
    with pytest.raises(InputError, match="either a query or a text"):
        Tile("x", "Empty")
    with pytest.raises(UnknownNameError, match="Unknown dashboard 'nope'"):
        store.get("nope")
    with pytest.raises(InputError, match="needs a title"):
        store.create("  ", owner="ana")


def test_json_round_trip_keeps_filters_and_charts() -> None:
    board = Dashboard("d1", "T", tiles=(Tile("a", "A", REVENUE, ChartSpec("pie", title="<b>")),),
                      filters=(Filter("channel", "in", ("JD", "Tmall")), period_filter(
                          TimeRange(dt.date(2025, 1, 1), dt.date(2025, 3, 31)))), version=4)
    assert Dashboard.from_dict(board.to_dict()) == board


def test_dashboard_filters_reach_the_tiles_that_can_take_them(model: SemanticModel) -> None:
    region = Filter("region", "=", "East")
    assert apply_filters(REVENUE, (region,), model).query.filters == (region,)
    skipped = apply_filters(SPEND, (region,), model)
    assert skipped.query == SPEND and skipped.ignored == (region,)
    assert skipped.notes(model, "en") == ["The filter on Region does not apply here: Ad spend cannot be split by it."]
    assert "大区" in skipped.notes(model, "zh")[0]
    tile_own = replace(REVENUE, filters=(Filter("region", "=", "North"),))
    assert apply_filters(tile_own, (region,), model).query.filters == (region,)


def test_a_period_filter_replaces_each_tiles_period(model: SemanticModel) -> None:
    window = TimeRange(dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    query = replace(REVENUE, time_range=TimeRange(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
    applied = apply_filters(query, (period_filter(window),), model)
    assert applied.query.time_range == window and applied.query.filters == ()
    assert apply_filters(SemanticQuery(metrics=(), dimensions=("channel",)), (Filter(PERIOD, "between", (
        "2025-01-01", "2025-01-31")),), model).query.time_range is not None


def test_filtered_dashboard_numbers_match_sql(store: DashboardStore, model: SemanticModel,
                                              engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    board = store.create("F", "ana", tiles=(Tile("rev", "Revenue", REVENUE, ChartSpec("bar")),
                                            Tile("spend", "Spend", SPEND, ChartSpec("bar"))),
                         filters=(Filter("region", "=", "East"),))
    revenue, spend = render_dashboard(board, model, engine, "en")
    expected = dict(con.execute("SELECT o.channel, SUM(o.net_amount) FROM orders o JOIN customers c "
                                "USING (customer_id) WHERE o.status = 'completed' AND c.region = 'East' "
                                "GROUP BY 1").fetchall())
    assert dict(revenue.frame.iter_rows()) == pytest.approx(expected) and not revenue.notes
    assert spend.problem is None and spend.frame is not None and "does not apply" in spend.notes[0]


def test_a_broken_tile_says_why_and_the_others_still_render(store: DashboardStore, model: SemanticModel,
                                                           engine: DuckDBEngine) -> None:
    deleted = SemanticQuery(metrics=("profit",))
    board = store.create("B", "ana", tiles=(Tile("gone", "Profit", deleted), Tile("rev", "Revenue", REVENUE)))
    gone, revenue = render_dashboard(board, model, engine, "en")
    assert gone.figure is None
    assert (gone.problem or "").startswith("This tile cannot be shown: Unknown metric 'profit'.")
    assert revenue.problem is None and revenue.figure is not None
    assert "无法显示" in (render_dashboard(board, model, engine, "zh")[0].problem or "")


def test_a_filter_value_that_no_longer_exists(model: SemanticModel, engine: DuckDBEngine) -> None:
    view = render_tile(Tile("rev", "Revenue", REVENUE), model, engine, "en", (Filter("channel", "=", "Myspace"),))
    assert view.figure is None and view.problem is None
    assert view.notes[0] == "No data has Channel = Myspace; the value may no longer exist."


def test_demo_dashboards_are_created_once_and_render_in_both_languages(
        tmp_path: Path, model: SemanticModel, engine: DuckDBEngine) -> None:
    ws = Workspace(tmp_path)
    assert ensure_demo_dashboards(ws, model) == [MARKETING_ID, CAMPAIGN_ID]
    assert ensure_demo_dashboards(ws, model) == []
    store = DashboardStore(ws)
    assert [localized(b.title, "zh") for b in store.list()] == ["活动效果", "营销总览"]
    for board in store.list():
        for lang in ("en", "zh"):
            views = render_dashboard(board, model, engine, lang)
            assert [v.problem for v in views if v.problem] == [] and len(views) >= 8
            assert all(v.figure is not None for v in views if v.tile.query is not None)
    assert ensure_demo_dashboards(Workspace(tmp_path / "other"), replace(model, name="shop")) == []


def test_reopening_hits_the_cache_and_a_refresh_invalidates_it(tmp_path: Path, warehouse: Path,
                                                               model: SemanticModel) -> None:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, path)
    engine = DuckDBEngine(path)
    first = render_dashboard(marketing_overview(), model, engine, "en")
    sqls = list(dict.fromkeys(sql for view in first for sql in view.sql))
    assert len(sqls) >= 7 and all(engine.run(CompiledSQL(sql, (), "duckdb")).from_cache for sql in sqls)
    shutil.copy(warehouse, tmp_path / "refreshed.duckdb")
    os.replace(tmp_path / "refreshed.duckdb", path)  # how a data load swaps in a new warehouse
    assert not engine.run(CompiledSQL(sqls[0], (), "duckdb")).from_cache
    again = render_dashboard(marketing_overview(), model, engine, "en")
    for before, after in zip(first, again, strict=True):
        assert (before.frame is None and after.frame is None) or same_rows(after.frame.rows(), before.frame.rows())


def test_a_table_gone_from_the_warehouse_breaks_only_its_tiles(tmp_path: Path, warehouse: Path,
                                                               model: SemanticModel) -> None:
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse, path)
    with duckdb.connect(str(path)) as writer:
        writer.execute("DROP TABLE ad_spend")
    views = {v.tile.id: v for v in render_dashboard(campaign_performance(), model, DuckDBEngine(path), "en")}
    assert "ad_spend" in (views["spend"].problem or "") and "ad_spend" in (views["roas"].problem or "")
    assert views["funnel"].problem is None and views["funnel"].figure is not None


def test_kpis_of_one_period_share_one_query_with_the_same_numbers(model: SemanticModel,
                                                                  engine: DuckDBEngine) -> None:
    views = [v for v in render_dashboard(marketing_overview(), model, engine, "en") if v.spec and v.spec.kind == "kpi"]
    assert len(views) == 3 and len({v.sql for v in views}) == 1  # revenue, orders, AOV: one scan
    for view in views:
        assert view.query is not None and view.frame is not None
        alone = run_query(view.query, model, engine).frame
        assert view.frame.columns == alone.columns and same_rows(view.frame.rows(), alone.rows())
