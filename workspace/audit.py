"""The audit log: who signed in, loaded data, changed a model, queried, exported or shared what, and when.

An auditor must be able to trust it, so it is append-only in the database itself:
SQLite triggers make every UPDATE and DELETE on `auth_audit` fail, whatever code
runs them. Queries are logged with their SQL, row count and duration. A change
stored in the same metadata file (a dashboard saved or deleted, a link made)
writes its entry with `append` inside its own transaction: the change and its
entry are kept together or not at all.

>>> import tempfile
>>> ws = Workspace(Path(tempfile.mkdtemp()))
>>> record(ws, "query", "ana", sql="SELECT 1", rows=1, duration_ms=2.5).event
'query'
>>> [e.user for e in browse(ws, event="query")]
['ana']
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from errors import AuditError, UnknownNameError
from viz.i18n import keyed_error
from workspace import clock
from workspace.home import Workspace
from workspace.meta import MetaStore

if TYPE_CHECKING:
    from semantic.engine import QueryResult

EVENTS = ("sign_in", "sign_in_failed", "sign_out", "data_load", "model_change", "query", "sql", "export",
          "sharing_change", "user_change", "policy_change", "settings_change", "dashboard_change", "dashboard_view",
          "access_denied")

SCHEMA = """
CREATE TABLE IF NOT EXISTS auth_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    username TEXT,
    detail TEXT NOT NULL DEFAULT '{}',
    sql TEXT,
    rows INTEGER,
    duration_ms REAL
);
CREATE INDEX IF NOT EXISTS auth_audit_at ON auth_audit (at);
CREATE TRIGGER IF NOT EXISTS auth_audit_no_update BEFORE UPDATE ON auth_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be changed'); END;
CREATE TRIGGER IF NOT EXISTS auth_audit_no_delete BEFORE DELETE ON auth_audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: entries cannot be deleted'); END;
"""
COLUMNS = ("id", "at", "event", "user", "detail", "sql", "rows", "duration_ms")


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: dt.datetime
    event: str
    user: str | None
    detail: dict[str, Any]
    sql: str | None = None
    rows: int | None = None
    duration_ms: float | None = None


def store(ws: Workspace) -> MetaStore:
    return MetaStore(ws.meta, SCHEMA)


def record(ws: Workspace, event: str, user: str | None, detail: dict[str, Any] | None = None, *,
           sql: str | None = None, rows: int | None = None, duration_ms: float | None = None,
           now: dt.datetime | None = None) -> AuditEntry:
    """Append one entry; `user` is None for the command line run without --user."""
    try:
        with store(ws).write() as con:
            return append(con, event, user, detail, sql=sql, rows=rows, duration_ms=duration_ms, now=now)
    except (sqlite3.Error, OSError) as err:
        raise keyed_error(AuditError, "errors.audit.write_in", path=ws.meta, reason=str(err)) from err


def append(con: sqlite3.Connection, event: str, user: str | None, detail: dict[str, Any] | None = None, *,
           sql: str | None = None, rows: int | None = None, duration_ms: float | None = None,
           now: dt.datetime | None = None) -> AuditEntry:
    """Append one entry inside the caller's write transaction on the metadata file (whose schema has SCHEMA)."""
    if event not in EVENTS:
        raise UnknownNameError("audit event", event, EVENTS)
    at = clock.now(now)
    text = json.dumps(detail or {}, ensure_ascii=False, default=str, sort_keys=True)
    try:
        cursor = con.execute("INSERT INTO auth_audit (at, event, username, detail, sql, rows, duration_ms) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?)", (at.isoformat(), event, user, text, sql, rows,
                                                              duration_ms))
    except (sqlite3.Error, OSError) as err:
        raise keyed_error(AuditError, "errors.audit.write", reason=str(err)) from err
    return AuditEntry(int(cursor.lastrowid or 0), at, event, user, dict(detail or {}), sql, rows, duration_ms)


def record_result(ws: Workspace, event: str, user: str | None, result: QueryResult,
                  detail: dict[str, Any] | None = None) -> AuditEntry:
    """Append a query that ran: its SQL, how many rows it returned and how long it took."""
    return record(ws, event, user, detail, sql=result.compiled.sql, rows=result.frame.height,
                  duration_ms=result.elapsed_ms)


def browse(ws: Workspace, user: str | None = None, event: str | None = None, since: dt.datetime | None = None,
           until: dt.datetime | None = None, limit: int | None = None) -> list[AuditEntry]:
    """Entries matching every given condition, newest first; `since` and `until` are inclusive."""
    if event is not None and event not in EVENTS:
        raise UnknownNameError("audit event", event, EVENTS)
    where, params = ["1 = 1"], []
    for clause, value in (("username = ?", user), ("event = ?", event),
                          ("at >= ?", _stamp(since)), ("at <= ?", _stamp(until))):
        if value is not None:
            where.append(clause)
            params.append(value)
    tail = f" LIMIT {int(limit)}" if limit else ""
    with store(ws).read() as con:
        rows = con.execute(f"SELECT * FROM auth_audit WHERE {' AND '.join(where)} ORDER BY id DESC{tail}",
                           params).fetchall()
    return [AuditEntry(r["id"], dt.datetime.fromisoformat(r["at"]), r["event"], r["username"],
                       json.loads(r["detail"]), r["sql"], r["rows"], r["duration_ms"]) for r in rows]


def _stamp(moment: dt.datetime | None) -> str | None:
    """UTC ISO text, which sorts like time; a naive moment is taken as UTC."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).isoformat()


def to_csv(entries: list[AuditEntry]) -> str:
    """The entries as CSV text (detail as JSON), for an auditor's spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for entry in entries:
        row = asdict(entry)
        row["detail"] = json.dumps(entry.detail, ensure_ascii=False, sort_keys=True)
        row["at"] = entry.at.isoformat()
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue()


def export_csv(ws: Workspace, path: Path, **conditions: Any) -> int:
    """Write the entries `browse(ws, **conditions)` finds to `path`; returns how many."""
    entries = browse(ws, **conditions)
    path.write_text(to_csv(entries), encoding="utf-8")
    return len(entries)
