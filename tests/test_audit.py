"""The audit log: append-only in the database itself, filterable, exportable."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
from pathlib import Path

import pytest

from errors import AuditError, UnknownNameError
from workspace.audit import browse, export_csv, record, store, to_csv
from workspace.home import Workspace

T0 = dt.datetime(2025, 6, 18, 9, 0, tzinfo=dt.UTC)


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace(tmp_path)
    record(workspace, "sign_in", "ana", now=T0)
    record(workspace, "query", "ana", {"command": "query"}, sql="SELECT 1", rows=1, duration_ms=3.5,
           now=T0 + dt.timedelta(minutes=1))
    record(workspace, "export", "bo", {"dashboard": "Overview", "format": "pdf"}, now=T0 + dt.timedelta(days=1))
    return workspace


def test_entries_come_back_newest_first_with_their_details(ws: Workspace) -> None:
    entries = browse(ws)
    assert [e.event for e in entries] == ["export", "query", "sign_in"]
    query = entries[1]
    assert (query.user, query.sql, query.rows, query.duration_ms, query.at) == (
        "ana", "SELECT 1", 1, 3.5, T0 + dt.timedelta(minutes=1))
    assert entries[0].detail == {"dashboard": "Overview", "format": "pdf"}


def test_browse_filters_by_user_event_and_time(ws: Workspace) -> None:
    assert [e.event for e in browse(ws, user="ana")] == ["query", "sign_in"]
    assert [e.user for e in browse(ws, event="export")] == ["bo"]
    assert [e.event for e in browse(ws, since=T0 + dt.timedelta(seconds=1))] == ["export", "query"]
    assert [e.event for e in browse(ws, until=T0 + dt.timedelta(minutes=1))] == ["query", "sign_in"]
    assert [e.event for e in browse(ws, since=dt.datetime(2025, 6, 19), user="bo")] == ["export"]  # naive = UTC
    assert len(browse(ws, limit=1)) == 1
    with pytest.raises(UnknownNameError, match="Did you mean 'export'"):
        browse(ws, event="exprt")


@pytest.mark.parametrize("statement", ["UPDATE auth_audit SET username = 'nobody'", "DELETE FROM auth_audit",
                                       "UPDATE auth_audit SET sql = NULL WHERE event = 'query'"])
def test_the_log_cannot_be_edited_or_deleted(ws: Workspace, statement: str) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), store(ws).write() as con:
        con.execute(statement)
    with sqlite3.connect(ws.meta) as con, pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute(statement)
    assert [(e.user, e.sql) for e in browse(ws)] == [("bo", None), ("ana", "SELECT 1"), ("ana", None)]


def test_export_to_csv(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "audit.csv"
    assert export_csv(ws, path, user="ana") == 2
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [r["event"] for r in rows] == ["query", "sign_in"]
    assert rows[0]["sql"] == "SELECT 1" and rows[0]["rows"] == "1" and rows[0]["user"] == "ana"
    assert to_csv([]).strip() == "id,at,event,user,detail,sql,rows,duration_ms"


def test_unknown_events_are_refused(ws: Workspace) -> None:
    with pytest.raises(UnknownNameError):
        record(ws, "tea_break", "ana")


def test_an_unwritable_log_is_an_error_in_words(tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    with pytest.raises(AuditError, match="Cannot write the audit log"):
        record(Workspace(blocked), "query", "ana")
