"""Sign-in, roles and the Admin page through Streamlit's AppTest, on a workspace that is NOT an open demo.

Each test gets a copy of the demo warehouse with `open_demo: false`, an admin and a regional viewer.
The checks are the server's: what a session that is not signed in is given, what a viewer gets when
it asks for a page its role may not open, and what lands in the users, policies and audit tables.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import beacon
from ui.admin_audit import detail_text
from workspace.audit import browse, record
from workspace.dashboards import DashboardStore
from workspace.demo_dashboards import MARKETING_ID, ensure_demo_dashboards
from workspace.home import Workspace
from workspace.policies import add_rule, list_rules, policy_for
from workspace.settings import Settings
from workspace.users import add_user as create_user
from workspace.users import get_user, list_users, set_disabled

ROOT = Path(__file__).resolve().parent.parent
ADMIN_PASSWORD, VIEWER_PASSWORD = "admin password 1", "viewer password 1"


@pytest.fixture
def ws(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    shutil.copyfile(warehouse, tmp_path / "warehouse.duckdb")
    workspace = Workspace(tmp_path)
    Settings(tmp_path).update({"open_demo": False, "signin_max_failures": 3})
    create_user(workspace, "boss", "admin", ADMIN_PASSWORD)
    create_user(workspace, "ana", "viewer", VIEWER_PASSWORD)
    add_rule(workspace, user="ana", filter="region = 'East'")
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    return workspace


def new_app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()


def sign_in(app: AppTest, name: str, password: str) -> AppTest:
    app.text_input(key="sign_in_name").input(name)
    app.text_input(key="sign_in_password").input(password)
    next(b for b in app.button if b.label in ("Sign in", "登录")).click()
    return app.run()


def texts(app: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("markdown", "caption", "error", "warning", "success", "title")
                    for e in app.get(kind))


def test_a_session_not_signed_in_gets_only_the_sign_in_form(ws: Workspace) -> None:
    app = new_app()
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["Sign in to Beacon"]
    assert [t.label for t in app.text_input] == ["User name", "Password"]
    assert not app.metric and not app.dataframe and not app.selectbox  # no numbers, no tables, no model picker
    app.switch_page("app_pages/data.py").run()  # asking for a page by its address changes nothing
    assert [t.value for t in app.title] == ["Sign in to Beacon"] and not app.dataframe


def test_a_wrong_password_is_refused_in_words_and_audited(ws: Workspace) -> None:
    app = sign_in(new_app(), "ana", "not her password")
    assert [e.value for e in app.error] == ["Wrong user name or password."]
    assert "auth_token" not in app.session_state
    failed = browse(ws, event="sign_in_failed")
    assert [(e.user, e.detail["reason"]) for e in failed] == [("ana", "wrong password")]


def test_the_refusal_is_in_chinese_for_a_chinese_session(ws: Workspace) -> None:
    app = new_app()
    app.segmented_control(key="language_switch").set_value("zh").run()
    assert [t.value for t in app.title] == ["登录 Beacon"]
    sign_in(app, "nobody", "whatever it is")
    assert [e.value for e in app.error] == ["用户名或密码错误。"]


def test_repeated_failures_slow_the_session_down(ws: Workspace) -> None:
    app = sign_in(new_app(), "ana", "wrong once")
    assert [e.value for e in app.error] == ["Wrong user name or password."]  # the first slip costs nothing
    sign_in(app, "ana", "wrong twice")
    assert [e.value for e in app.error] == ["Wrong user name or password. Wait 5 seconds before the next try."]
    sign_in(app, "ana", VIEWER_PASSWORD)  # even the right password waits: the password is not even checked
    assert app.error[0].value.startswith("Too many tries in a row: wait ")
    assert "auth_token" not in app.session_state and len(browse(ws, event="sign_in_failed")) == 2


def test_the_account_locks_after_the_configured_failures(ws: Workspace) -> None:
    for attempt in range(3):  # a fresh session each time: the lock is the account's, not the browser's
        sign_in(new_app(), "ana", f"wrong {attempt}")
    app = sign_in(new_app(), "ana", VIEWER_PASSWORD)
    assert [e.value for e in app.error] == [
        "Too many failed sign-ins: the account is locked; try again in 15 minute(s)."]
    assert "auth_token" not in app.session_state
    assert [e.detail["reason"] for e in browse(ws, event="sign_in_failed")] == ["locked", *["wrong password"] * 3]


def test_a_viewer_sees_data_but_the_data_page_is_refused_on_the_server(ws: Workspace) -> None:
    app = sign_in(new_app(), "ana", VIEWER_PASSWORD)
    assert not app.exception, app.exception
    assert "Signed in as ana (Viewer)" in texts(app) and "Headline numbers" in texts(app)  # the home page ran
    assert [e.user for e in browse(ws, event="sign_in")] == ["ana"]
    app.switch_page("app_pages/data.py").run()
    assert [e.value for e in app.error] == [
        "Load data needs the Editor role; you are signed in as ana (Viewer). Ask an admin."]
    assert not app.dataframe and not app.file_uploader
    app.switch_page("app_pages/admin.py").run()
    assert app.error[0].value.startswith("Manage users needs the Admin role") and not app.dataframe


def test_refusals_are_audited_once_per_session_and_refusal(ws: Workspace) -> None:
    app = sign_in(new_app(), "ana", VIEWER_PASSWORD)
    app.switch_page("app_pages/data.py").run()
    app.run()  # the same refusal drawn again on a rerun is not a second attempt
    app.query_params["q"] = '{"metrics": ["spend"]}'  # ad spend has no link to ana's region
    app.switch_page("app_pages/explore.py").run()
    assert not app.exception, app.exception
    refused = [(e.user, e.detail) for e in reversed(browse(ws, event="access_denied"))]
    assert refused[0] == ("ana", {"action": "load_data", "role": "viewer"})
    assert [(user, detail["reason"][:40]) for user, detail in refused[1:]] == [
        ("ana", "Your data policy limits 'region', which ")]


def test_questions_dashboards_and_links_refused_are_audited(ws: Workspace) -> None:
    board = DashboardStore(ws).create("Boss's numbers", owner="boss")
    app = sign_in(new_app(), "ana", VIEWER_PASSWORD)
    app.switch_page("app_pages/ask.py").run()
    app.chat_input[0].set_value("ad spend by channel").run()  # ad spend has no link to ana's region
    app.query_params["dashboard"] = board.id
    app.switch_page("app_pages/dashboards.py").run()
    app.query_params.pop("dashboard")
    app.query_params["link"] = "not-a-real-token"
    app.switch_page("app_pages/dashboards.py").run()
    assert not app.exception, app.exception
    refused = [e.detail for e in reversed(browse(ws, event="access_denied")) if e.user == "ana"]
    assert [d.get("question") or d.get("dashboard") or d.get("link") for d in refused] == [
        "ad spend by channel", board.id, "not-a-"]


def test_sign_out_ends_the_session(ws: Workspace) -> None:
    app = sign_in(new_app(), "ana", VIEWER_PASSWORD)
    app.switch_page("app_pages/ask.py").run()
    app.chat_input[0].set_value("revenue last month").run()
    assert app.session_state["beacon"].ask_history, "the question was answered"
    token = app.session_state["auth_token"]
    app.button(key="sign_out").click().run()
    assert [t.value for t in app.title] == ["Sign in to Beacon"] and not app.metric
    assert not app.session_state["beacon"].ask_history, "the next person at this browser sees none of ana's answers"
    assert [e.user for e in browse(ws, event="sign_out")] == ["ana"]
    app.session_state["auth_token"] = token  # a token kept from before is worth nothing now
    app.run()
    assert [t.value for t in app.title] == ["Sign in to Beacon"]


def admin_page(ws: Workspace) -> AppTest:
    app = sign_in(new_app(), "boss", ADMIN_PASSWORD)
    app.switch_page("app_pages/admin.py").run()
    assert not app.exception, app.exception
    return app


def test_an_admin_adds_a_user_and_a_row_policy(ws: Workspace) -> None:
    app = admin_page(ws)
    assert [t.value for t in app.title] == ["Users and access"]
    app.text_input(key="admin_new_name").input("Bob")
    app.selectbox(key="admin_new_role_en").set_value("editor")
    app.text_input(key="admin_new_password").input("bobs password")
    next(b for b in app.button if b.label == "Add a user").click().run()
    assert not app.exception, app.exception
    assert app.success[0].value == "User bob added as Editor."
    assert [(u.username, u.role) for u in list_users(ws)] == [("ana", "viewer"), ("bob", "editor"),
                                                              ("boss", "admin")]
    app.selectbox(key="admin_rule_user_en").set_value("bob")
    app.selectbox(key="admin_rule_dimension_en").set_value("region").run()
    assert {"East", "North"} <= set(app.multiselect(key="admin_rule_values_region").options)
    app.multiselect(key="admin_rule_values_region").set_value(["East", "North"]).run()
    app.button(key="admin_rule_add").click().run()
    assert app.success[0].value == "Added: Only rows where region IN ('East', 'North')"
    assert [r.describe() for r in list_rules(ws)] == ["user ana: region = 'East'",
                                                       "user bob: region IN ('East', 'North')"]
    assert policy_for(ws, get_user(ws, "bob")).row_filters[0].value == ("East", "North")


def test_an_admin_masks_a_dimension_for_a_role_and_removes_a_rule(ws: Workspace) -> None:
    app = admin_page(ws)
    app.radio(key="admin_rule_for_en").set_value("role").run()
    app.selectbox(key="admin_rule_role_en").set_value("viewer")
    app.radio(key="admin_rule_kind_en").set_value("mask").run()
    app.selectbox(key="admin_rule_dimension_en").set_value("city").run()
    app.button(key="admin_rule_add").click().run()
    assert [r.describe() for r in list_rules(ws)] == ["user ana: region = 'East'", "role viewer: mask city"]
    assert policy_for(ws, get_user(ws, "ana")).masked == ("city",)
    app.selectbox(key="admin_rule_pick_en").set_value(1)
    app.button(key="admin_rule_remove").click().run()
    assert [r.describe() for r in list_rules(ws)] == ["role viewer: mask city"]


def test_an_admin_cannot_lock_themselves_out(ws: Workspace) -> None:
    app = admin_page(ws)
    app.selectbox(key="admin_pick_user").set_value("boss").run()
    app.button(key="admin_toggle_user").click().run()
    assert "You cannot disable your own account" in app.error[0].value
    assert not get_user(ws, "boss").disabled
    app.selectbox(key="admin_pick_user").set_value("ana").run()
    app.button(key="admin_toggle_user").click().run()
    assert get_user(ws, "ana").disabled and app.success[0].value == "ana is disabled and signed out everywhere."


def test_the_audit_log_lists_events_newest_first_and_filters(ws: Workspace) -> None:
    sign_in(new_app(), "ana", "a wrong password")
    app = admin_page(ws)
    frame = app.dataframe[-1].value
    assert list(frame["Event"][:2]) == ["Query", "Query"]  # Home's figures and trend, shown to boss on sign-in
    assert list(frame["Detail"][:2]) == ["page: Home", "page: Home"]
    assert list(frame["Event"][2:4]) == ["Signed in", "Sign-in refused"]
    assert list(frame["User"][:4]) == ["boss", "boss", "boss", "ana"]
    app.selectbox(key="admin_audit_event_en").set_value("sign_in_failed").run()
    frame = app.dataframe[-1].value
    assert list(frame["Event"]) == ["Sign-in refused"] and list(frame["User"]) == ["ana"]
    assert app.get("download_button")


def test_an_open_demo_workspace_is_labelled_and_needs_no_sign_in(ws: Workspace) -> None:
    Settings(ws.home).set("open_demo", True)
    app = new_app()
    assert not app.exception, app.exception
    assert "Open demo — no sign-in" in texts(app) and "sign_in_name" not in [t.key for t in app.text_input]
    assert len(app.metric) == 6


def test_a_shared_link_still_asks_for_a_password(ws: Workspace) -> None:
    ensure_demo_dashboards(ws)
    token = DashboardStore(ws).create_link(MARKETING_ID, ())
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.query_params.update({"dashboard": MARKETING_ID, "link": token})
    app.switch_page("app_pages/dashboards.py").run()
    assert [t.value for t in app.title] == ["Sign in to Beacon"] and not app.get("plotly_chart")
    sign_in(app, "ana", VIEWER_PASSWORD)
    assert not app.exception, app.exception
    assert [t.value for t in app.title] == ["Marketing overview"]


def test_the_first_admins_password_goes_to_the_log_never_to_the_page(tmp_path: Path, warehouse: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copyfile(warehouse, tmp_path / "warehouse.duckdb")
    Settings(tmp_path).set("open_demo", False)
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    monkeypatch.delenv("BEACON_ADMIN_PASSWORD", raising=False)
    app = new_app()
    printed = capsys.readouterr().out
    assert "The user 'admin' was created. Its password, shown only this once: " in printed
    password = printed.split("shown only this once: ")[1].split()[0]
    assert password not in texts(app) and [u.username for u in list_users(Workspace(tmp_path))] == ["admin"]
    sign_in(app, "admin", password)
    assert "Signed in as admin (Admin)" in texts(app)
    new_app()
    assert "was created" not in capsys.readouterr().out  # once: the next session prints nothing


def test_beacon_demo_opens_a_laptop_demo_but_keeps_a_choice_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    assert beacon.main(["demo", "--scale", "0.02"]) == 0
    assert "OPEN DEMO MODE is on" in capsys.readouterr().out and Settings(tmp_path).get("open_demo") is True
    Settings(tmp_path).set("open_demo", False)  # an admin closed it: rebuilding the demo data keeps it closed
    assert beacon.main(["demo", "--scale", "0.02"]) == 0
    assert "OPEN DEMO" not in capsys.readouterr().out and Settings(tmp_path).get("open_demo") is False


def test_a_disabled_account_is_signed_out_at_its_next_click(ws: Workspace) -> None:
    app = sign_in(new_app(), "ana", VIEWER_PASSWORD)
    assert "Signed in as ana (Viewer)" in texts(app)
    set_disabled(ws, "ana", by="boss")
    app.run()
    assert [t.value for t in app.title] == ["Sign in to Beacon"] and "auth_token" not in app.session_state
    sign_in(app, "ana", VIEWER_PASSWORD)
    assert [e.value for e in app.error] == ["This account is disabled; ask an admin."]


def test_the_audit_log_reads_in_chinese_with_widths_that_show_event_and_detail(ws: Workspace) -> None:
    record(ws, "query", "ana", {"page": "ask"}, sql="SELECT 1", rows=1, duration_ms=2.0)
    record(ws, "export", "ana", {"what": "campaign review", "campaign_id": "CMP0007", "format": "pdf"})
    record(ws, "data_load", "boss", {"command": "ingest", "table": "orders", "source": "orders.csv"})
    app = new_app()
    app.segmented_control(key="language_switch").set_value("zh").run()
    sign_in(app, "boss", ADMIN_PASSWORD).switch_page("app_pages/admin.py").run()
    assert not app.exception, app.exception
    frame = app.dataframe[-1].value
    details = dict(zip(frame["事件"], frame["详情"], strict=False))
    assert details["查询"] == "页面：问答"
    assert details["导出"] == "营销活动：CMP0007 · 格式：pdf · 内容：活动复盘"  # the log stores keys sorted
    assert details["导入数据"] == "命令：ingest · 来源：orders.csv · 表：orders"
    widths = {name: spec.get("width") for name, spec in json.loads(app.dataframe[-1].proto.columns).items()}
    assert widths["事件"] == 140 and widths["详情"] == 360 and widths["SQL"] == 100
    assert sum(w for w in widths.values() if w) <= 980  # fits a wide page at 1440 px without scrolling


def test_audit_details_in_english_name_pages_and_actions() -> None:
    assert detail_text({"page": "segments"}) == "page: Segments"
    assert detail_text({"action": "view_audit", "role": "viewer"}) == "action: See the audit log · role: Viewer"
    assert detail_text({"action": "create_link", "dashboard": "d1"}, "zh") == "操作：创建分享链接 · 看板：d1"
    assert detail_text({"unknown_key": "x y"}, "zh") == "unknown_key：x y"  # a key no file names stays as stored
    assert detail_text({"as_of": "2025-12-31", "churn": True, "k": 2, "page": "segments"}, "zh") == \
        "页面：客户分群 · 分析日期：2025-12-31 · 流失模型：是 · 聚类数：2"


def test_a_dashboard_entry_leads_with_its_title_in_the_readers_language() -> None:
    """The log stores keys sorted (dashboard, tiles, title...); a narrow column must still say which dashboard."""
    stored = {"dashboard": "campaign-performance", "tiles": ["spend", "roas"], "title": "dashboards.campaign_title",
              "version": 3}
    assert detail_text(stored, "zh") == "标题：活动效果 · 看板：campaign-performance · 图块：spend, roas · 版本：3"
    asked = {"page": "ask", "question": "ad spend by channel"}
    assert detail_text(asked, "zh") == "页面：问答 · 问题：ad spend by channel"
