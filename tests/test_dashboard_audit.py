"""Every dashboard change and view leaves its audit entry: who, what, which version; a failed change leaves none."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from errors import AuditError, DashboardConflictError, UnknownNameError
from semantic.query import Filter, Policy, SemanticQuery
from workspace.audit import browse
from workspace.dashboards import DashboardStore, TileRun, add_tile, new_tile, record_view
from workspace.home import Workspace

T0 = dt.datetime(2025, 6, 18, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


def changes(ws: Workspace) -> list[tuple[str | None, dict[str, object]]]:
    """(user, detail) of the dashboard_change entries, oldest first."""
    return [(e.user, e.detail) for e in reversed(browse(ws, event="dashboard_change"))]


def test_create_save_restore_and_delete_are_each_audited_with_their_user(ws: Workspace) -> None:
    store = DashboardStore(ws)
    board = store.create("Weekly", owner="ana")
    saved = store.save(add_tile(board, new_tile("Note", text="Hi")), base_version=1, saved_by="ana")
    store.restore(board.id, 1, saved_by="admin")
    store.delete(board.id, by="admin")
    assert changes(ws) == [
        ("ana", {"action": "create", "dashboard": board.id, "title": "Weekly", "version": 1}),
        ("ana", {"action": "save", "dashboard": board.id, "title": "Weekly", "version": saved.version}),
        ("admin", {"action": "restore", "dashboard": board.id, "title": "Weekly", "version": 3,
                   "restored_from": 1}),
        ("admin", {"action": "delete", "dashboard": board.id, "title": "Weekly", "version": 3}),
    ]
    assert store.list() == []


def test_a_copy_names_the_dashboard_it_copies(ws: Workspace) -> None:
    store = DashboardStore(ws)
    board = store.create("Weekly", owner="ana")
    copy = store.save_copy(board, owner="bo")
    assert changes(ws)[-1] == ("bo", {"action": "create", "dashboard": copy.id, "title": "Weekly (copy)",
                                      "version": 1, "copy_of": board.id})


def test_a_failed_change_writes_no_entry(ws: Workspace) -> None:
    store = DashboardStore(ws)
    board = store.create("Weekly", owner="ana")
    store.save(board, base_version=1, saved_by="bo")
    with pytest.raises(DashboardConflictError):
        store.save(board, base_version=1, saved_by="ana")  # ana's copy is stale
    with pytest.raises(UnknownNameError):
        store.delete("no-such-board", by="ana")
    assert [(user, detail["action"]) for user, detail in changes(ws)] == [("ana", "create"), ("bo", "save")]


def test_a_change_whose_entry_cannot_be_written_is_not_made(ws: Workspace) -> None:
    store = DashboardStore(ws)
    board = store.create("Weekly", owner="ana")
    with sqlite3.connect(ws.meta) as con:  # the log refuses new entries, as a full disk would
        con.execute("CREATE TRIGGER audit_down BEFORE INSERT ON auth_audit "
                    "BEGIN SELECT RAISE(ABORT, 'the audit log is unavailable'); END")
    with pytest.raises(AuditError, match="Nothing was done"):
        store.delete(board.id, by="ana")
    with pytest.raises(AuditError):
        store.create_link(board.id, by="ana")
    assert store.get(board.id).title == "Weekly" and store.links(board.id) == []


def test_making_and_revoking_a_link_are_sharing_changes(ws: Workspace) -> None:
    store = DashboardStore(ws)
    board = store.create("Weekly", owner="ana")
    token = store.create_link(board.id, (Filter("region", "=", "East"),), expires_at=T0 + dt.timedelta(days=7),
                              frozen_policy=Policy("ana"), now=T0, by="ana")
    store.revoke_link(token, now=T0 + dt.timedelta(hours=1), by="admin")
    store.revoke_link(token, by="admin")  # already revoked: nothing changes, nothing is logged
    entries = list(reversed(browse(ws, event="sharing_change")))
    assert [(e.user, e.at, e.detail) for e in entries] == [
        ("ana", T0, {"action": "create_link", "dashboard": board.id, "token": token[:6], "frozen_policy": True,
                     "expires_at": "2025-06-25T09:00:00+00:00"}),
        ("admin", T0 + dt.timedelta(hours=1), {"action": "revoke_link", "dashboard": board.id, "token": token[:6]}),
    ]


def test_a_view_lists_its_tiles_their_sql_and_the_link(ws: Workspace) -> None:
    chart = new_tile("Revenue", SemanticQuery(metrics=("revenue",)))
    board = DashboardStore(ws).create("Weekly", owner="ana", tiles=(chart, new_tile("Note", text="Hi")))
    runs = [TileRun(chart.id, ("SELECT SUM(net_amount) FROM orders",), 1)]
    entry = record_view(ws, board, "vi", runs, link="abcdefghijk", duration_ms=12.5, now=T0)
    (found,) = browse(ws, event="dashboard_view")
    assert found == entry
    assert (found.user, found.at, found.sql, found.rows, found.duration_ms) == (
        "vi", T0, "SELECT SUM(net_amount) FROM orders", 1, 12.5)
    assert found.detail == {"dashboard": board.id, "title": "Weekly", "version": 1, "tiles": [chart.id],
                            "link": "abcdef"}


def test_a_view_names_the_tiles_that_failed(ws: Workspace) -> None:
    board = DashboardStore(ws).create("Weekly", owner="ana")
    entry = record_view(ws, board, "ana", [TileRun("t1", ("SELECT 1",), 1), TileRun("t2", (), 0, failed=True)])
    assert entry.detail["failed"] == ["t2"] and "link" not in entry.detail
    assert (entry.sql, entry.rows) == ("SELECT 1", 1)
