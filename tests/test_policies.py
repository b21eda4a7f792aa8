"""Row- and column-level security in the semantic layer: a regional viewer sees only the East, whatever they ask."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from sqlglot import exp

from errors import PermissionDeniedError, SignInError, UnknownNameError
from semantic.answer import run_query
from semantic.compile import compile_query
from semantic.engine import DuckDBEngine
from semantic.expressions import masked
from semantic.model import SemanticModel
from semantic.query import Filter, Policy, SemanticQuery, TimeRange, parse_where
from tests.conftest import same_rows
from viz.tiles import render_tile
from workspace.dashboards import Tile
from workspace.home import Workspace
from workspace.policies import add_rule, list_rules, policy_for, remove_rule, signed_in
from workspace.settings import Settings
from workspace.users import DEMO_USER, add_user, authenticate

EAST = Policy("ana", parse_where("region = 'East'"))
ORDERS_EAST = ("FROM orders o JOIN customers c USING (customer_id) "
               "WHERE o.status = 'completed' AND c.region = 'East'")


def _rows(query: SemanticQuery, model: SemanticModel, engine: DuckDBEngine, policy: Policy = EAST) -> list[tuple]:
    return sorted(run_query(query, model, engine, policy).frame.rows(), key=repr)


def _sql(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return sorted(con.execute(sql).fetchall(), key=repr)


@pytest.mark.parametrize(("by", "column"), [("region", "c.region"), ("city", "c.city"), ("channel", "o.channel")])
def test_regional_viewer_sees_only_east_rows(by: str, column: str, model: SemanticModel, engine: DuckDBEngine,
                                             con: duckdb.DuckDBPyConnection) -> None:
    actual = _rows(SemanticQuery(metrics=("revenue", "orders"), dimensions=(by,)), model, engine)
    expected = _sql(con, f"SELECT {column}, SUM(net_amount), COUNT(DISTINCT order_id) {ORDERS_EAST} GROUP BY 1")
    assert len(actual) == len(expected) > 0 and same_rows(actual, expected)


def test_time_series_and_comparison_stay_in_the_region(model: SemanticModel, engine: DuckDBEngine,
                                                       con: duckdb.DuckDBPyConnection) -> None:
    june = TimeRange(dt.date(2025, 6, 1), dt.date(2025, 6, 30))
    query = SemanticQuery(metrics=("revenue",), time_range=june, compare="previous_year")
    (row,) = run_query(query, model, engine, EAST).frame.rows()
    now, before = (con.execute(f"SELECT SUM(net_amount) {ORDERS_EAST} AND o.order_date BETWEEN ? AND ?",
                               [start, end]).fetchone()[0]
                   for start, end in (("2025-06-01", "2025-06-30"), ("2024-06-01", "2024-06-30")))
    assert same_rows([row[:2]], [(now, before)])


@pytest.mark.parametrize("where", ["region = 'North'", "region IN ('North', 'South')", "region != 'East'"])
def test_filters_that_reach_for_another_region_return_nothing(where: str, model: SemanticModel,
                                                              engine: DuckDBEngine) -> None:
    query = SemanticQuery(metrics=("revenue",), dimensions=("region",), filters=parse_where(where))
    assert run_query(query, model, engine, EAST).frame.height == 0


def test_asking_for_all_regions_still_gives_the_east(model: SemanticModel, engine: DuckDBEngine) -> None:
    query = SemanticQuery(metrics=("revenue",), dimensions=("region",),
                          filters=parse_where("region IN ('East', 'North', 'South')"))
    assert run_query(query, model, engine, EAST).frame["region"].to_list() == ["East"]


def test_values_lists_and_drill_down_stay_in_the_region(model: SemanticModel, engine: DuckDBEngine,
                                                        con: duckdb.DuckDBPyConnection) -> None:
    regions = run_query(SemanticQuery(metrics=(), dimensions=("region",)), model, engine, EAST)
    assert regions.frame["region"].to_list() == ["East"]
    cities = run_query(SemanticQuery(metrics=(), dimensions=("city",)), model, engine, EAST).frame["city"]
    assert sorted(cities.to_list()) == [r[0] for r in con.execute(
        "SELECT DISTINCT city FROM customers WHERE region = 'East' ORDER BY 1").fetchall()]
    drill = SemanticQuery(metrics=("revenue",), dimensions=("city",), filters=(Filter("channel", "=", "Tmall"),))
    expected = _sql(con, f"SELECT c.city, SUM(net_amount) {ORDERS_EAST} AND o.channel = 'Tmall' GROUP BY 1")
    assert same_rows(_rows(drill, model, engine), expected)


def test_a_dashboard_tile_shows_only_the_region(model: SemanticModel, engine: DuckDBEngine) -> None:
    tile = Tile("t1", "Revenue by region", SemanticQuery(metrics=("revenue",), dimensions=("region",)))
    view = render_tile(tile, model, engine, "en", policy=EAST)
    assert view.frame is not None and view.frame["region"].to_list() == ["East"]


def test_facts_the_policy_cannot_reach_are_refused(model: SemanticModel) -> None:
    with pytest.raises(PermissionDeniedError, match=r"limits 'region'.*metric 'spend'"):
        compile_query(SemanticQuery(metrics=("spend",), dimensions=("channel",)), model, EAST)
    with pytest.raises(PermissionDeniedError, match="does not have"):
        compile_query(SemanticQuery(metrics=("revenue",)), model, Policy("x", (Filter("shop", "=", "A"),)))


def test_masked_dimension_never_shows_raw_values(model: SemanticModel, engine: DuckDBEngine,
                                                 con: duckdb.DuckDBPyConnection) -> None:
    policy = Policy("ana", EAST.row_filters, masked=("city",))
    frame = run_query(SemanticQuery(metrics=("revenue",), dimensions=("city",)), model, engine, policy).frame
    raw = {r[0] for r in con.execute("SELECT DISTINCT city FROM customers").fetchall()}
    assert frame.height > 0 and not raw & set(frame["city"].to_list())
    expected = _sql(con, f"SELECT left(c.city, 1) || '**', SUM(net_amount) {ORDERS_EAST} GROUP BY 1")
    assert same_rows(sorted(frame.rows(), key=repr), expected)
    # Filtering by a raw value cannot confirm it; the masked value itself can be drilled into.
    by_raw = SemanticQuery(metrics=("revenue",), filters=(Filter("city", "=", "Shanghai"),))
    assert run_query(by_raw, model, engine, policy).frame["revenue"].to_list() == [0]
    by_mask = SemanticQuery(metrics=("revenue",), filters=(Filter("city", "=", "S**"),))
    assert same_rows(run_query(by_mask, model, engine, policy).frame.rows(),
                     con.execute(f"SELECT SUM(net_amount) {ORDERS_EAST} AND c.city LIKE 'S%'").fetchall())


def test_masking_keeps_three_and_four_characters_of_a_phone() -> None:
    values = ["13812345678", "+86 138-1234-5678", "张三丰", "Li Lei", None]
    shown = [duckdb.sql("SELECT " + masked(exp.Literal.string(v) if v else exp.Null()).sql("duckdb"))
             .fetchall()[0][0] for v in values]
    assert shown == ["138****5678", "+86****5678", "张**", "L**", None]


@pytest.mark.parametrize("query", [
    SemanticQuery(metrics=("revenue",), dimensions=("city",)),
    SemanticQuery(metrics=("revenue",), filters=(Filter("city", "=", "Shanghai"),)),
    SemanticQuery(metrics=(), dimensions=("region", "city")),
])
def test_hidden_dimension_is_refused_in_words(query: SemanticQuery, model: SemanticModel) -> None:
    with pytest.raises(PermissionDeniedError, match="'city' is hidden by your data policy"):
        compile_query(query, model, Policy("ana", hidden=("city",)))


def test_no_policy_changes_nothing(model: SemanticModel) -> None:
    query = SemanticQuery(metrics=("revenue",), dimensions=("city",), filters=parse_where("channel = 'JD'"))
    assert compile_query(query, model, Policy()).sql == compile_query(query, model).sql


def test_cached_rows_are_never_served_to_another_policy(warehouse: Path, model: SemanticModel) -> None:
    engine = DuckDBEngine(warehouse)  # a fresh cache
    query = SemanticQuery(metrics=("revenue",), dimensions=("region",))
    everyone = run_query(query, model, engine)
    east = run_query(query, model, engine, EAST)
    north = run_query(query, model, engine, Policy("bo", parse_where("region = 'North'")))
    assert everyone.frame.height == 7 and not east.from_cache and not north.from_cache
    assert east.frame["region"].to_list() == ["East"] and north.frame["region"].to_list() == ["North"]
    again = run_query(query, model, engine, EAST)
    assert again.from_cache and again.frame["region"].to_list() == ["East"]
    assert run_query(query, model, engine).frame.height == 7


def test_policy_for_combines_user_and_role_rules(tmp_path: Path, model: SemanticModel) -> None:
    ws = Workspace(tmp_path)
    ana = add_user(ws, "ana", "viewer", "a long password")
    add_user(ws, "ed", "editor", "a long password")
    add_rule(ws, user="ana", filter="region = 'East'", model=model)
    add_rule(ws, role="viewer", filter="channel IN ('Tmall', 'JD')", model=model)
    add_rule(ws, role="viewer", mask="city", model=model)
    hide = add_rule(ws, user="ana", hide="age", model=model)
    policy = policy_for(ws, ana)
    assert policy.row_filters == (Filter("region", "=", "East"), Filter("channel", "in", ("Tmall", "JD")))
    assert policy.masked == ("city",) and policy.hidden == ("age",) and policy.name == "ana"
    assert policy_for(ws, None) == Policy() and not policy_for(ws, None).restricted
    assert [r.describe() for r in list_rules(ws)][:2] == ["user ana: region = 'East'",
                                                          "role viewer: channel IN ('Tmall', 'JD')"]
    remove_rule(ws, hide.id)
    assert policy_for(ws, ana).hidden == ()
    with pytest.raises(UnknownNameError, match="Did you mean 'region'"):
        add_rule(ws, user="ana", filter="regon = 'East'", model=model)
    with pytest.raises(UnknownNameError, match="Unknown user 'bob'"):
        add_rule(ws, user="bob", mask="city")


def test_policy_round_trips_for_a_frozen_link() -> None:
    policy = Policy("ana", parse_where("region = 'East' AND age BETWEEN 20 AND 30"), ("city",), ("age_band",))
    assert Policy.from_dict(policy.to_dict()) == policy


def test_values_of_a_dimension_the_policy_cannot_reach_are_refused(model: SemanticModel) -> None:
    with pytest.raises(PermissionDeniedError, match="dimension 'campaign_type' \\(table 'campaigns'\\)"):
        compile_query(SemanticQuery(metrics=(), dimensions=("campaign_type",)), model, EAST)


def test_signed_in_gives_the_session_user_and_policy(tmp_path: Path) -> None:
    ws = Workspace(tmp_path)
    add_user(ws, "ana", "viewer", "a long password")
    add_rule(ws, user="ana", filter="region = 'East'")
    session = authenticate(ws, "ana", "a long password")
    user, policy = signed_in(ws, session.token)
    assert user.username == "ana" and policy == EAST
    with pytest.raises(SignInError, match="not signed in"):
        signed_in(ws, None)
    Settings(ws.home).set("open_demo", True)
    assert signed_in(ws, None) == (DEMO_USER, Policy("demo"))
