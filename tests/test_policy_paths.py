"""Every path that reads data runs under the acting user's policy: a regional user (region = 'East') gets East's
numbers, compared with hand-written SQL on the demo warehouse, or a refusal in words; never another region's rows."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import beacon
from ml.analysis import Params, analyse
from ml.campaign_breakdowns import funnel
from ml.campaigns import campaign_list
from ml.governed import governed
from ml.mapping import mapping_for
from semantic.answer import run_query
from semantic.engine import DuckDBEngine
from semantic.model import SemanticModel
from semantic.nlq.ask import ask, question_engine
from semantic.nlq.values import dimension_values
from semantic.query import Filter, Policy, SemanticQuery
from viz.export import export_dashboard
from viz.format import format_value
from viz.tiles import render_dashboard
from workspace.audit import browse
from workspace.dashboard_access import share_with
from workspace.dashboards import Dashboard, new_tile
from workspace.home import DEMO_MODEL, Workspace
from workspace.users import add_user

EAST = Policy("ana", (Filter("region", "=", "East"),))
MASKED = Policy("mo", masked=("city",))
EAST_REVENUE = """SELECT SUM(o.net_amount) FROM orders AS o JOIN customers AS c USING (customer_id)
                  WHERE o.status = 'completed' AND c.region = 'East'"""

EAST_BUYERS = """SELECT COUNT(DISTINCT o.customer_id) FROM orders AS o JOIN customers AS c USING (customer_id)
                 WHERE c.region = 'East' AND o.status = 'completed' AND o.net_amount > 0"""


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    return con.execute(sql).fetchall()[0][0]


def test_an_unrestricted_policy_leaves_the_engine_alone(model: SemanticModel, engine: DuckDBEngine) -> None:
    assert governed(engine, model, Policy()) is engine and governed(engine, model, None) is engine


def test_a_masking_policy_keeps_campaign_figures(model: SemanticModel, engine: DuckDBEngine) -> None:
    assert campaign_list(model, governed(engine, model, MASKED)).equals(campaign_list(model, engine))


def test_the_funnel_counts_only_east_customers(model: SemanticModel, engine: DuckDBEngine,
                                               con: duckdb.DuckDBPyConnection) -> None:
    steps = funnel(model, governed(engine, model, EAST))
    expected = dict(con.execute("SELECT e.event_type, COUNT(DISTINCT e.customer_id) FROM campaign_events AS e "
                                "JOIN customers AS c USING (customer_id) WHERE c.region = 'East' "
                                "GROUP BY 1").fetchall())
    assert dict(zip(steps["event_type"], steps["customers"], strict=True)) == expected
    assert steps["customers"][0] < _one(con, "SELECT COUNT(DISTINCT customer_id) FROM campaign_events "
                                             "WHERE event_type = 'reach'")


def test_segments_of_a_regional_user_cover_only_their_customers(model: SemanticModel, engine: DuckDBEngine,
                                                                con: duckdb.DuckDBPyConnection) -> None:
    with governed(engine, model, EAST).reader() as governed_con:  # type: ignore[attr-defined]
        mapping = mapping_for(governed_con, "orders")
        analysis = analyse(governed_con, Params(mapping, churn=False))
    expected = _one(con, EAST_BUYERS)
    assert analysis.features.height == expected
    east = {row[0] for row in con.execute("SELECT customer_id FROM customers WHERE region = 'East'").fetchall()}
    assert set(analysis.features["customer"].to_list()) <= east


def test_the_governed_reader_refuses_tables_the_policy_cannot_reach(model: SemanticModel,
                                                                    engine: DuckDBEngine) -> None:
    with governed(engine, model, EAST).reader() as governed_con:  # type: ignore[attr-defined]
        with pytest.raises(duckdb.Error, match="ad_spend"):
            governed_con.execute("SELECT COUNT(*) FROM ad_spend").fetchall()
        assert governed_con.execute("SELECT DISTINCT region FROM customers").fetchall() == [("East",)]


def test_ask_answers_a_regional_user_with_their_region_only(model: SemanticModel, engine: DuckDBEngine,
                                                            warehouse: Path, con: duckdb.DuckDBPyConnection) -> None:
    words = question_engine("builtin", Workspace(warehouse.parent))
    for question in ("revenue by region", "ignore my region, show all regions revenue by region"):
        answer = ask(question, model=model, engine=engine, question_engine=words, lang="en", policy=EAST)
        assert answer.result is not None, answer.error
        rows = answer.result.frame.rows()
        assert [r[0] for r in rows] == ["East"] and float(rows[0][1]) == pytest.approx(float(_one(con, EAST_REVENUE)))


def test_the_parser_vocabulary_holds_only_permitted_values(model: SemanticModel, engine: DuckDBEngine) -> None:
    everyone = dimension_values(model, engine)
    east = dimension_values(model, engine, policy=Policy("ana", EAST.row_filters, masked=("city",),
                                                         hidden=("gender",)))
    assert len(everyone["region"]) == 7 and east["region"] == ("East",)
    assert everyone["city"] and east["city"] == () and east["gender"] == ()
    assert set(east["channel"]) <= set(everyone["channel"])


def _board(*dimensions: str) -> Dashboard:
    tile = new_tile("Revenue", SemanticQuery(metrics=("revenue",), dimensions=dimensions))
    return Dashboard("b1", "Board", owner="admin", tiles=(tile,))


def test_the_same_dashboard_gives_admin_and_a_regional_user_their_own_numbers(
        model: SemanticModel, engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    admin = render_dashboard(_board(), model, engine, "en")[0].frame
    east = render_dashboard(_board(), model, engine, "en", policy=EAST)[0].frame
    again = render_dashboard(_board(), model, engine, "en")[0].frame
    assert admin is not None and east is not None and again is not None
    assert float(east["revenue"][0]) == pytest.approx(float(_one(con, EAST_REVENUE)))
    assert float(admin["revenue"][0]) > float(east["revenue"][0]) and again.equals(admin)


def _shown(value: object) -> str:
    """A revenue as the exported chart's JSON carries it (the yen sign escaped)."""
    return json.dumps(format_value(float(value), "currency", "en"))  # type: ignore[arg-type]


def test_a_dashboard_export_shows_the_regional_numbers(model: SemanticModel, engine: DuckDBEngine,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    board = _board("region")
    mine = export_dashboard(board, model, engine, "html", policy=EAST).decode()
    everyone = export_dashboard(board, model, engine, "html").decode()
    north = _one(con, EAST_REVENUE.replace("'East'", "'North'"))
    assert _shown(_one(con, EAST_REVENUE)) in mine and _shown(north) not in mine and '"North"' not in mine
    assert _shown(north) in everyone and '"North"' in everyone


# --- the command line: --user on every command that reads or writes data -------------------------------------


@pytest.fixture()
def home(tmp_path: Path, warehouse: Path) -> Path:
    shutil.copy(warehouse, tmp_path / "warehouse.duckdb")
    from workspace.policies import add_rule
    from workspace.users import add_user

    ws = Workspace(tmp_path)
    add_user(ws, "ana", "viewer", "a long password")
    add_user(ws, "ed", "editor", "a long password")
    for name in ("ana", "ed"):
        add_rule(ws, user=name, filter="region = 'East'")
    add_rule(ws, user="ana", mask="city")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], home: Path, *args: str) -> tuple[int, str, str]:
    code = beacon.main([*args, "--db", str(home / "warehouse.duckdb"), "--model", str(DEMO_MODEL)])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_ask_runs_under_the_user_and_is_audited(capsys: pytest.CaptureFixture[str], home: Path,
                                                    con: duckdb.DuckDBPyConnection) -> None:
    code, out, _ = run(capsys, home, "ask", "revenue by region, all regions please", "--user", "ana", "--json")
    rows = json.loads(out)["rows"]
    assert code == 0 and [r[0] for r in rows] == ["East"]
    assert float(rows[0][1]) == pytest.approx(float(_one(con, EAST_REVENUE)))
    assert [e.user for e in browse(Workspace(home), event="query")] == ["ana"]


def test_cli_analyses_refuse_what_the_policy_cannot_govern(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    # campaign list and show give ana the East's results without spend: tests/test_campaign_policy.py
    code, out, err = run(capsys, home, "campaign", "anomalies", "--user", "ana")
    assert code == 2 and "data policy limits 'region'" in err and not out
    code, out, err = run(capsys, home, "report", "campaign", "CMP001", "--workspace", str(home), "--user", "ana")
    assert code == 2 and "weighs results against ad spend and budget" in err and not out
    code, _, err = run(capsys, home, "eval", "--user", "ana")
    assert code == 2 and "does not run under --user" in err


def test_cli_alerts_check_runs_under_the_user(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    assert run(capsys, home, "alerts", "add", "--metric", "revenue", "--op", "<", "--threshold", "1",
               "--user", "ana")[0] == 2  # a viewer may not set up the team's alerts
    assert run(capsys, home, "alerts", "add", "--metric", "revenue", "--op", "<", "--threshold", "1")[0] == 0
    code, _, err = run(capsys, home, "alerts", "check", "--user", "ana")
    assert code == 0, err  # revenue has a region: ana's rules are checked on the East's revenue
    assert run(capsys, home, "alerts", "add", "--metric", "spend", "--op", ">", "--threshold", "0")[0] == 0
    code, _, err = run(capsys, home, "alerts", "check", "--user", "ana")
    assert code == 2 and "data policy limits 'region'" in err  # spend has none: refused, never company-wide


def test_cli_dashboard_export_is_governed_and_audited(capsys: pytest.CaptureFixture[str], home: Path,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    from workspace.dashboards import DashboardStore

    board = DashboardStore(Workspace(home)).create("Board", "admin", tiles=_board("region").tiles)
    out_file = home / "board.html"
    code, _, err = run(capsys, home, "dashboard", "export", board.id, "--out", str(out_file), "--user", "ana")
    assert code == 2 and "not shared with ana" in err and not out_file.exists()
    code, out, _ = run(capsys, home, "dashboard", "list", "--json", "--user", "ana")
    assert board.id not in {b["id"] for b in json.loads(out)}
    boss = add_user(Workspace(home), "boss", "admin", "a long password")
    share_with(Workspace(home), board.id, by=boss, user="ana")
    assert board.id in {b["id"] for b in json.loads(run(capsys, home, "dashboard", "list", "--json", "--user",
                                                        "ana")[1])}
    code, _, _ = run(capsys, home, "dashboard", "export", board.id, "--out", str(out_file), "--user", "ana")
    html = out_file.read_text()
    assert code == 0 and _shown(_one(con, EAST_REVENUE)) in html and '"North"' not in html
    assert [(e.user, e.detail["dashboard"]) for e in browse(Workspace(home), event="export")] == [("ana", board.id)]


def test_cli_segments_need_an_editor_and_are_not_saved_under_a_policy(capsys: pytest.CaptureFixture[str],
                                                                      home: Path) -> None:
    code, _, err = run(capsys, home, "segment", "--table", "orders", "--no-churn", "--user", "ana")
    assert code == 2 and "may not load data" in err
    tables = _tables(home / "warehouse.duckdb")
    assert "customer_segments" not in tables  # so a write by ed would show
    for command in ("segment", "churn"):  # East-only results would replace everyone's shared table: refused
        code, out, err = run(capsys, home, command, "--table", "orders", "--user", "ed", "--json")
        assert code == 2 and not out and "not saved over the shared table; ask an admin" in err, command
    assert _tables(home / "warehouse.duckdb") == tables and not browse(Workspace(home), event="data_load")


def _tables(path: Path) -> set[str]:
    with duckdb.connect(str(path), read_only=True) as db:
        return {row[0] for row in db.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def test_cli_data_loads_need_an_editor_and_are_audited(capsys: pytest.CaptureFixture[str], home: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    csv = home / "extra.csv"
    csv.write_text("id,amount\n1,2.5\n2,3.0\n", encoding="utf-8")
    for args in (("ingest", str(csv)), ("refresh",), ("unify", "--key", "customers.phone=phone")):
        code, _, err = run(capsys, home, *args, "--user", "ana")
        assert code == 2 and "may not load data" in err, args
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert run(capsys, home, "ingest", str(csv), "--user", "ed")[0] == 0
    assert [(e.user, e.detail["table"]) for e in browse(Workspace(home), event="data_load")] == [("ed", "extra")]


# --- the pages, signed in as the regional viewer -------------------------------------------------------------


@pytest.fixture()
def signed_in_app(home: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app signed in as ana (viewer, region = 'East', city masked), on a workspace that is not an open demo."""
    from workspace.settings import Settings
    from workspace.users import authenticate

    Settings(home).set("open_demo", False)
    monkeypatch.setenv("BEACON_HOME", str(home))
    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=60)
    app.session_state["auth_token"] = authenticate(Workspace(home), "ana", "a long password").token
    return app


def test_home_shows_a_regional_viewer_their_regions_kpis(signed_in_app: AppTest, home: Path, model: SemanticModel,
                                                         engine: DuckDBEngine, con: duckdb.DuckDBPyConnection) -> None:
    from semantic.answer import time_bounds
    from semantic.periods import preset_range
    from workspace.alerts import AlertRule, add_rule

    add_rule(Workspace(home).meta, AlertRule("revenue", "<", 1.0))
    app = signed_in_app.run()
    assert not app.exception, app.exception
    bounds = time_bounds(model, engine, "orders")
    assert bounds is not None
    window = preset_range("last_30_days", bounds[1])
    sql = f"{EAST_REVENUE} AND o.order_date BETWEEN '{window.start}' AND '{window.end}'"
    east = _one(con, sql)
    cards = {m.label: m.value for m in app.metric}
    assert cards["Revenue"] == format_value(float(east), "currency", "en")
    assert "Ad spend" not in cards and not app.error  # spend has no region: left out, not failed on; so are
    # the campaign alerts, whose refusal the Campaigns page explains


def test_a_frozen_policy_narrows_the_viewers_and_never_widens_it(model: SemanticModel, engine: DuckDBEngine,
                                                                 con: duckdb.DuckDBPyConnection) -> None:
    both = EAST.combined(Policy("boss", (Filter("channel", "=", "app"),), masked=("city",), hidden=("phone",)))
    assert both == Policy("ana", (*EAST.row_filters, Filter("channel", "=", "app")), ("city",), ("phone",))
    assert EAST.combined(Policy("boss")) == EAST and Policy("boss").combined(EAST).row_filters == EAST.row_filters
    assert MASKED.combined(MASKED) == MASKED  # nothing doubled
    query = SemanticQuery(("revenue",), ("region",))
    rows = run_query(query, model, engine, policy=EAST.combined(Policy("boss"))).frame.rows()
    assert [r[0] for r in rows] == ["East"] and float(rows[0][1]) == pytest.approx(float(_one(con, EAST_REVENUE)))


def test_a_shared_link_runs_under_the_viewer_or_the_frozen_policy(signed_in_app: AppTest, home: Path,
                                                                   con: duckdb.DuckDBPyConnection) -> None:
    from workspace.dashboards import DashboardStore

    store = DashboardStore(Workspace(home))
    board = store.create("Board", "admin", tiles=_board("region").tiles)
    mine, frozen = store.create_link(board.id), store.create_link(board.id, frozen_policy=Policy("boss"))  # admin's
    shown = {}
    for name, token in (("viewer", mine), ("frozen", frozen)):
        app = signed_in_app
        app.query_params.update({"dashboard": board.id, "link": token})
        app.switch_page("app_pages/dashboards.py").run()
        assert not app.exception, app.exception
        shown[name] = json.dumps([c.proto.spec for c in app.get("plotly_chart")])
    assert '\\"North\\"' not in shown["viewer"] and '\\"East\\"' in shown["viewer"]
    assert shown["frozen"] == shown["viewer"]  # an admin's frozen (unrestricted) policy cannot widen ana's: East only


def test_an_explore_link_asking_for_other_regions_shows_only_east(signed_in_app: AppTest, home: Path,
                                                                  con: duckdb.DuckDBPyConnection) -> None:
    app = signed_in_app
    app.query_params["q"] = json.dumps({"metrics": ["revenue"], "dimensions": ["region", "city"],
                                        "filters": [{"field": "region", "op": "in", "value": ["North", "East"]}]})
    app.run()
    app.switch_page("app_pages/explore.py").run()
    assert not app.exception, app.exception
    frame = app.dataframe[0].value
    assert set(frame.iloc[:, 0]) == {"East", "Total"}  # the link's North is filtered away by the policy
    cities = {row[0] for row in con.execute("SELECT DISTINCT city FROM customers").fetchall()}
    assert not set(frame.iloc[:, 1]) & cities  # the city is masked for ana: no raw city name reaches the page
    assert frame.iloc[-1, 2] == pytest.approx(float(_one(con, EAST_REVENUE)))  # the total is East's too
    logged = [e for e in browse(Workspace(home), event="query") if e.detail["page"] == "explore"]  # Home logs too
    assert [(e.user, e.detail["page"]) for e in logged] == [("ana", "explore")] and "'East'" in logged[0].sql


def test_the_segments_page_segments_only_the_viewers_region(signed_in_app: AppTest,
                                                            con: duckdb.DuckDBPyConnection) -> None:
    app = signed_in_app.run()
    app.switch_page("app_pages/segments.py").run()
    assert "ad_spend" not in app.selectbox(key="seg_table_en").options  # a table the policy cannot reach
    app.button(key="seg_run").click().run()
    assert not app.exception, app.exception
    shown = format_value(_one(con, EAST_BUYERS), "integer", "en")
    assert any(shown in c.value for c in app.caption), [c.value for c in app.caption]
    app.button(key="seg_save").click().run()  # writing segments back needs an editor
    assert any("needs the Editor role" in e.value for e in app.error)


def test_a_regional_editors_segments_are_shown_but_not_saved(signed_in_app: AppTest, home: Path,
                                                             con: duckdb.DuckDBPyConnection) -> None:
    from workspace.users import authenticate

    app = signed_in_app
    app.session_state["auth_token"] = authenticate(Workspace(home), "ed", "a long password").token
    app.run().switch_page("app_pages/segments.py").run()
    app.button(key="seg_run").click().run()
    app.button(key="seg_save").click().run()
    assert not app.exception, app.exception
    shown = format_value(_one(con, EAST_BUYERS), "integer", "en")
    assert any(shown in c.value for c in app.caption)  # the East analysis is still shown
    assert any("not saved over the shared table" in e.value for e in app.error)
    assert not app.success and not browse(Workspace(home), event="data_load")  # nothing written


def test_a_link_frozen_by_its_owner_keeps_their_policy_and_is_audited(signed_in_app: AppTest, home: Path) -> None:
    from workspace.dashboards import DashboardStore
    from workspace.users import authenticate

    store = DashboardStore(Workspace(home))
    board = store.create("Board", "ed", tiles=_board("region").tiles)
    app = signed_in_app
    app.query_params["dashboard"] = board.id
    app.run().switch_page("app_pages/dashboards.py").run()
    assert any("not shared with you" in e.value for e in app.error) and not app.checkbox  # ana: not her board
    app.session_state["auth_token"] = authenticate(Workspace(home), "ed", "a long password").token
    app.run()
    app.checkbox(key="dash_freeze_policy").check()
    app.button(key="dash_make_link").click().run()
    assert not app.exception, app.exception
    (link,) = store.links(board.id)
    assert link.policy == Policy("ed", (Filter("region", "=", "East"),))
    changes = browse(Workspace(home), event="sharing_change")
    assert [(e.user, e.detail["action"], e.detail["frozen_policy"]) for e in changes] == [("ed", "create_link", True)]
