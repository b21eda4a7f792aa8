"""Personal dashboards through AppTest on a workspace that is not an open demo: lists, URLs, sharing, pinning.

ana and bo are editors, vi a viewer. ana's dashboard is hers until she shares it; a dashboard id typed
into the URL is refused for anyone it is not shared with, and a share grants viewing, never editing.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from streamlit.testing.v1 import AppTest

from ingest.demo_marketing import CHANNELS
from semantic.query import SemanticQuery
from viz.chart_spec import ChartSpec
from workspace.audit import browse
from workspace.dashboard_access import share_with, shares
from workspace.dashboards import Dashboard, DashboardStore, new_tile
from workspace.demo_dashboards import ensure_demo_dashboards
from workspace.home import Workspace
from workspace.settings import Settings
from workspace.users import add_user, authenticate, get_user

ROOT = Path(__file__).resolve().parent.parent
PAGE = "app_pages/dashboards.py"
PASSWORD = "a long password"


@pytest.fixture
def ws(warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    shutil.copyfile(warehouse, tmp_path / "warehouse.duckdb")
    workspace = Workspace(tmp_path)
    Settings(tmp_path).set("open_demo", False)
    for name, role in (("ana", "editor"), ("bo", "editor"), ("vi", "viewer")):
        add_user(workspace, name, role, PASSWORD)
    ensure_demo_dashboards(workspace)
    monkeypatch.setenv("BEACON_HOME", str(tmp_path))
    return workspace


@pytest.fixture
def anas(ws: Workspace) -> Dashboard:
    tile = new_tile("Revenue by channel", SemanticQuery(metrics=("revenue",), dimensions=("channel",)),
                    ChartSpec("bar"))
    return DashboardStore(ws).create("Ana's weekly", owner="ana", tiles=(tile,))


def page_as(ws: Workspace, name: str, **params: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.session_state["auth_token"] = authenticate(ws, name, PASSWORD).token
    app.query_params.update(params)
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def cards(app: AppTest) -> list[str]:
    return [m.value for m in app.markdown if m.value.startswith("**")]


def test_a_dashboard_is_in_its_owners_list_only(ws: Workspace, anas: Dashboard) -> None:
    mine = page_as(ws, "ana")
    assert [s.value for s in mine.subheader] == ["Mine", "Shared with me"]
    assert "**Ana's weekly**" in cards(mine) and "**Marketing overview**" in cards(mine)
    theirs = page_as(ws, "bo")
    assert [s.value for s in theirs.subheader] == ["Shared with me"]  # only the demo dashboards
    assert "**Ana's weekly**" not in cards(theirs) and "**Marketing overview**" in cards(theirs)


def test_opening_someone_elses_dashboard_by_url_is_refused(ws: Workspace, anas: Dashboard) -> None:
    app = page_as(ws, "bo", dashboard=anas.id)
    assert [e.value for e in app.error] == [
        "This dashboard is not shared with you (bo). Ask its owner or an admin to share it."]
    assert not app.get("plotly_chart") and not app.title and not app.toggle
    zh = page_as(ws, "bo", dashboard=anas.id, lang="zh")
    assert zh.error[0].value == "此看板未与您（bo）共享。请联系其所有者或管理员共享。"


def test_a_link_still_opens_its_dashboard_read_only(ws: Workspace, anas: Dashboard) -> None:
    token = DashboardStore(ws).create_link(anas.id)
    app = page_as(ws, "vi", dashboard=anas.id, link=token)
    assert app.title[0].value == "Ana's weekly" and len(app.get("plotly_chart")) == 1
    assert not app.toggle and not app.error


def test_after_sharing_the_other_user_sees_it_read_only(ws: Workspace, anas: Dashboard) -> None:
    owner = page_as(ws, "ana", dashboard=anas.id)
    assert owner.toggle(key=f"dash_edit_{anas.id}").value is False  # the owner may edit
    owner.selectbox(key="dash_share_user").set_value("bo")
    owner.button(key="dash_share_add").click().run()
    assert not owner.exception, owner.exception
    assert [(s.kind, s.grantee) for s in shares(ws, anas.id)] == [("user", "bo")]
    assert [e.detail for e in browse(ws, event="sharing_change")] == [
        {"action": "share", "dashboard": anas.id, "user": "bo"}]
    listed = page_as(ws, "bo")
    assert "**Ana's weekly**" in cards(listed)
    app = page_as(ws, "bo", dashboard=anas.id)
    assert app.title[0].value == "Ana's weekly" and len(app.get("plotly_chart")) == 1
    assert not app.toggle and not [e for e in app.expander if "Version history" in e.label]
    assert not [b for b in app.button if b.key and b.key.startswith(("dash_share", "dash_make_link", "dash_save",
                                                                     "dash_delete"))]
    assert any("Shared with you by ana" in c.value for c in app.caption)


def test_the_owner_stops_sharing_and_the_other_loses_it(ws: Workspace, anas: Dashboard) -> None:
    share_with(ws, anas.id, role="editor", by=get_user(ws, "ana"))
    assert page_as(ws, "bo", dashboard=anas.id).title[0].value == "Ana's weekly"
    owner = page_as(ws, "ana", dashboard=anas.id)
    owner.button(key="dash_unshare_role_editor").click().run()
    assert not owner.exception, owner.exception
    assert shares(ws, anas.id) == []
    assert page_as(ws, "bo", dashboard=anas.id).error[0].value.startswith("This dashboard is not shared with you")


def test_pin_offers_only_dashboards_the_user_may_edit(ws: Workspace, anas: Dashboard) -> None:
    share_with(ws, anas.id, user="bo", by=get_user(ws, "ana"))
    DashboardStore(ws).create("Bo's board", owner="bo")
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.session_state["auth_token"] = authenticate(ws, "bo", PASSWORD).token
    app.run().switch_page("app_pages/explore.py").run()
    app.multiselect(key="xw_metrics_en").set_value(["revenue"]).run()
    assert not app.exception, app.exception
    # neither ana's board (shared with bo, not his to change) nor the demo dashboards (admins change those)
    assert app.selectbox(key="explore_pin_board_en").options == ["Bo's board", "+ New dashboard"]


def test_an_owner_demoted_mid_edit_cannot_save(ws: Workspace, anas: Dashboard) -> None:
    from workspace.users import set_role

    app = page_as(ws, "ana", dashboard=anas.id)
    app.toggle(key=f"dash_edit_{anas.id}").set_value(True).run()
    app.text_input(key=f"dash_title_{anas.id}_en").set_value("Renamed").run()
    set_role(ws, "ana", "viewer")  # demoted while her edit was open: the Save button is still on her screen
    app.button(key=f"dash_save_{anas.id}").click().run()
    assert not app.exception, app.exception
    assert DashboardStore(ws).get(anas.id).title == "Ana's weekly" and not app.toggle  # now view only
    assert not [b for b in app.button if b.key == f"dash_save_{anas.id}"]


def test_the_owner_deletes_her_dashboard(ws: Workspace, anas: Dashboard) -> None:
    share_with(ws, anas.id, user="bo", by=get_user(ws, "ana"))
    app = page_as(ws, "ana", dashboard=anas.id)
    app.button(key=f"dash_delete_{anas.id}").click().run()
    assert not app.exception, app.exception
    assert DashboardStore(ws).list(owner="ana") == []
    assert "**Ana's weekly**" not in cards(app) and "**Ana's weekly**" not in cards(page_as(ws, "bo"))


def test_deleting_a_dashboard_is_audited_with_who_deleted_it(ws: Workspace, anas: Dashboard) -> None:
    app = page_as(ws, "ana", dashboard=anas.id)
    app.button(key=f"dash_delete_{anas.id}").click().run()
    assert not app.exception, app.exception
    (entry,) = browse(ws, event="dashboard_change", user="ana")[:1]
    assert entry.detail == {"action": "delete", "dashboard": anas.id, "title": "Ana's weekly", "version": 1}


def test_a_delete_without_the_right_leaves_the_dashboard_and_the_log(ws: Workspace, anas: Dashboard) -> None:
    from workspace.users import set_role

    app = page_as(ws, "ana", dashboard=anas.id)
    set_role(ws, "ana", "viewer")  # demoted while the Delete button is on her screen
    app.button(key=f"dash_delete_{anas.id}").click().run()
    assert not app.exception, app.exception
    assert DashboardStore(ws).get(anas.id).title == "Ana's weekly"
    assert [e.detail["action"] for e in browse(ws, event="dashboard_change", user="ana")] == ["create"]  # no delete


def test_viewing_a_dashboard_is_audited_once_per_view(ws: Workspace, anas: Dashboard) -> None:
    share_with(ws, anas.id, user="vi", by=get_user(ws, "ana"))
    app = page_as(ws, "vi", dashboard=anas.id)
    app.run()  # a rerun of the same view
    (entry,) = browse(ws, event="dashboard_view")
    assert entry.user == "vi" and entry.rows == len(CHANNELS)  # one row per channel
    assert entry.detail == {"dashboard": anas.id, "title": "Ana's weekly", "version": 1,
                            "tiles": [anas.tiles[0].id]}
    assert "channel" in (entry.sql or "") and "link" not in entry.detail
    app.selectbox(key="dw_period_en").set_value("last_month").run()  # other numbers: another view
    assert not app.exception, app.exception
    newer, _ = browse(ws, event="dashboard_view")
    assert newer.user == "vi" and newer.sql != entry.sql


def test_a_view_through_a_link_names_the_link_and_the_viewer(ws: Workspace, anas: Dashboard) -> None:
    token = DashboardStore(ws).create_link(anas.id, by="ana")
    page_as(ws, "bo", dashboard=anas.id, link=token)
    (entry,) = browse(ws, event="dashboard_view")
    assert entry.user == "bo" and entry.detail["link"] == token[:6] and entry.detail["dashboard"] == anas.id


def test_the_admin_filters_the_log_by_the_new_events_in_both_languages(ws: Workspace, anas: Dashboard) -> None:
    add_user(ws, "root", "admin", PASSWORD)
    page_as(ws, "ana", dashboard=anas.id)
    app = page_as(ws, "root")
    app.switch_page("app_pages/admin.py").run()
    app.selectbox(key="admin_audit_event_en").set_value("dashboard_view").run()
    frame = app.dataframe[-1].value
    assert list(frame["Event"]) == ["Dashboard viewed"] and list(frame["User"]) == ["ana"]
    assert f"tiles: {anas.tiles[0].id}" in frame["Detail"][0]
    assert any(c.value.endswith("Times are in Asia/Shanghai.") for c in app.caption)
    (viewed,) = browse(ws, event="dashboard_view")
    beijing = viewed.at.astimezone(ZoneInfo("Asia/Shanghai"))
    assert frame["Time"][0] == beijing.strftime("%Y-%m-%d %H:%M:%S")  # stored in UTC, shown on the team's clock
    zh = page_as(ws, "root", lang="zh")
    zh.switch_page("app_pages/admin.py").run()
    zh.selectbox(key="admin_audit_event_zh").set_value("dashboard_change").run()
    assert list(zh.dataframe[-1].value["事件"]) == ["修改看板"] * 3  # the two demo dashboards and ana's
