"""Who sees and changes which dashboard: owners, shares with a user or a role, admins, the demo dashboards."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from errors import AuditError, InputError, PermissionDeniedError, UnknownNameError
from workspace.audit import browse
from workspace.dashboard_access import (
    can_edit,
    can_view,
    grouped,
    require_edit,
    share_with,
    shares,
    unshare,
    viewable,
    visible_to,
)
from workspace.dashboards import DashboardStore
from workspace.demo_dashboards import CAMPAIGN_ID, MARKETING_ID, ensure_demo_dashboards
from workspace.home import Workspace
from workspace.users import User, add_user

PASSWORD = "a long password"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path)
    for name, role in (("ed", "editor"), ("eve", "editor"), ("vi", "viewer"), ("boss", "admin")):
        add_user(workspace, name, role, PASSWORD)
    return workspace


def users(ws: Workspace) -> dict[str, User]:
    from workspace.users import list_users

    return {u.username: u for u in list_users(ws)}


def ids(ws: Workspace, name: str) -> list[str]:
    return [b.id for b in visible_to(ws, users(ws)[name])]


def test_an_owner_sees_their_dashboard_and_nobody_else_does(ws: Workspace) -> None:
    board = DashboardStore(ws).create("Ed's board", owner="ed")
    who = users(ws)
    assert ids(ws, "ed") == [board.id] and ids(ws, "eve") == [] and ids(ws, "vi") == []
    assert can_view(ws, who["ed"], board) and not can_view(ws, who["eve"], board)
    with pytest.raises(PermissionDeniedError, match="not shared with vi"):
        viewable(ws, who["vi"], board.id)
    with pytest.raises(UnknownNameError) as err:  # a mistyped id suggests no dashboard the user cannot see
        viewable(ws, who["vi"], board.id + "x")
    assert "Did you mean" not in str(err.value)
    with pytest.raises(UnknownNameError, match=f"Did you mean '{board.id}'"):
        viewable(ws, who["ed"], board.id + "x")


def test_a_share_the_audit_log_cannot_record_is_not_made_or_taken_back(ws: Workspace) -> None:
    board = DashboardStore(ws).create("Ed's board", owner="ed")
    who = users(ws)
    share_with(ws, board.id, user="vi", by=who["ed"])
    with sqlite3.connect(ws.meta) as con:  # the log refuses new entries, as a full disk would
        con.execute("CREATE TRIGGER audit_down BEFORE INSERT ON auth_audit "
                    "BEGIN SELECT RAISE(ABORT, 'the audit log is unavailable'); END")
    with pytest.raises(AuditError):
        share_with(ws, board.id, user="eve", by=who["ed"])
    with pytest.raises(AuditError):
        unshare(ws, board.id, user="vi", by=who["ed"])
    assert ids(ws, "eve") == [] and ids(ws, "vi") == [board.id]


def test_share_with_a_user_then_unshare(ws: Workspace) -> None:
    board = DashboardStore(ws).create("Ed's board", owner="ed")
    who = users(ws)
    share = share_with(ws, board.id, user="Eve", by=who["ed"])
    assert (share.kind, share.grantee, share.granted_by) == ("user", "eve", "ed")
    assert ids(ws, "eve") == [board.id] and ids(ws, "vi") == []
    assert grouped(ws, who["eve"]) == {"mine": [], "shared": [board], "others": []}
    assert not can_edit(who["eve"], board)  # a share grants view only
    share_with(ws, board.id, user="eve", by=who["ed"])  # twice: still one share
    assert [(s.kind, s.grantee) for s in shares(ws, board.id)] == [("user", "eve")]
    unshare(ws, board.id, user="eve", by=who["ed"])
    assert ids(ws, "eve") == [] and shares(ws, board.id) == []
    with pytest.raises(InputError, match="not shared with the user 'eve'"):
        unshare(ws, board.id, user="eve", by=who["ed"])


def test_a_role_share_reaches_that_role_and_higher_ones(ws: Workspace) -> None:
    store = DashboardStore(ws)
    board = store.create("For editors", owner="ed")
    who = users(ws)
    share_with(ws, board.id, role="editor", by=who["ed"])
    assert ids(ws, "eve") == [board.id] and ids(ws, "vi") == []
    other = store.create("For everyone", owner="ed")
    share_with(ws, other.id, role="viewer", by=who["ed"])
    assert set(ids(ws, "vi")) == {other.id} and set(ids(ws, "eve")) == {board.id, other.id}
    unshare(ws, other.id, role="viewer", by=who["ed"])
    assert ids(ws, "vi") == []


def test_only_the_owner_or_an_admin_edits_or_shares(ws: Workspace) -> None:
    board = DashboardStore(ws).create("Ed's board", owner="ed")
    who = users(ws)
    assert can_edit(who["ed"], board) and can_edit(who["boss"], board) and not can_edit(who["eve"], board)
    with pytest.raises(PermissionDeniedError, match=r"Only the owner .* eve \(editor\) may only view it"):
        require_edit(who["eve"], board)
    with pytest.raises(PermissionDeniedError):
        share_with(ws, board.id, user="vi", by=who["eve"])
    assert shares(ws, board.id) == []  # a refused share changes nothing
    share_with(ws, board.id, user="vi", by=who["boss"])
    with pytest.raises(PermissionDeniedError, match="may not share"):  # a viewer may not share at all
        share_with(ws, board.id, user="eve", by=who["vi"])
    assert ids(ws, "boss") == [board.id] and grouped(ws, who["boss"])["others"] == [board]


def test_bad_shares_are_refused_in_words(ws: Workspace) -> None:
    board = DashboardStore(ws).create("Ed's board", owner="ed")
    ed = users(ws)["ed"]
    with pytest.raises(UnknownNameError, match="Did you mean 'eve'"):
        share_with(ws, board.id, user="evee", by=ed)
    with pytest.raises(UnknownNameError, match="Unknown role 'editors'"):
        share_with(ws, board.id, role="editors", by=ed)
    with pytest.raises(InputError, match="either a user or a role"):
        share_with(ws, board.id, user="eve", role="viewer", by=ed)
    with pytest.raises(InputError, match="owns the dashboard"):
        share_with(ws, board.id, user="ed", by=ed)


def test_sharing_changes_are_audited(ws: Workspace) -> None:
    board = DashboardStore(ws).create("Ed's board", owner="ed")
    ed = users(ws)["ed"]
    share_with(ws, board.id, user="vi", by=ed)
    share_with(ws, board.id, user="vi", by=ed)  # no change, no entry
    share_with(ws, board.id, role="editor", by=ed)
    unshare(ws, board.id, user="vi", by=ed)
    entries = [(e.user, e.detail) for e in reversed(browse(ws, event="sharing_change"))]
    assert entries == [("ed", {"action": "share", "dashboard": board.id, "user": "vi"}),
                       ("ed", {"action": "share", "dashboard": board.id, "role": "editor"}),
                       ("ed", {"action": "unshare", "dashboard": board.id, "user": "vi"})]


def test_demo_dashboards_are_visible_to_all_and_editable_by_admins_only(ws: Workspace) -> None:
    assert ensure_demo_dashboards(ws) == [MARKETING_ID, CAMPAIGN_ID]
    assert ensure_demo_dashboards(ws) == []  # idempotent, and still one share each
    who = users(ws)
    for name in ("ed", "vi", "boss"):
        assert set(ids(ws, name)) == {MARKETING_ID, CAMPAIGN_ID}
    assert [(s.kind, s.grantee) for s in shares(ws, MARKETING_ID)] == [("role", "viewer")]
    board = DashboardStore(ws).get(MARKETING_ID)
    assert board.owner == "beacon" and not can_edit(who["ed"], board) and can_edit(who["boss"], board)
    assert browse(ws, event="sharing_change") == []  # the workspace's setup, not a person's sharing


def test_deleting_a_dashboard_removes_its_shares(ws: Workspace) -> None:
    store = DashboardStore(ws)
    board = store.create("Short-lived", owner="ed")
    share_with(ws, board.id, user="vi", by=users(ws)["ed"])
    store.delete(board.id)
    assert ids(ws, "vi") == []
    other = store.create("Same id again", owner="ed", dashboard_id=board.id)
    assert not can_view(ws, users(ws)["vi"], other)  # an old share does not come back with a reused id
