"""Saved segmentation and churn runs: parameters, date and summary in the workspace's metadata store.

A CRM list handed out on Monday must be reproducible on Friday: each run keeps the
`Params` it ran with (analysis date included), so `ml.analysis.analyse` given the
stored parameters gives the same segments on the same data.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from errors import UnknownNameError
from workspace import clock
from workspace.meta import MetaStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS segment_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_table TEXT NOT NULL,
    params TEXT NOT NULL,
    summary TEXT NOT NULL,
    output_table TEXT
);
"""


@dataclass(frozen=True)
class Run:
    id: int
    created_at: dt.datetime
    kind: str  # segment, churn or labelled
    source_table: str
    params: dict[str, Any]
    summary: dict[str, Any]
    output_table: str | None


def _store(meta: Path) -> MetaStore:
    return MetaStore(meta, SCHEMA)


def save_run(meta: Path, kind: str, source_table: str, params: dict[str, Any], summary: dict[str, Any],
             output_table: str | None) -> int:
    """Record a finished run; returns its id."""
    now = clock.naive_now().isoformat()
    with _store(meta).write() as con:
        cursor = con.execute("INSERT INTO segment_runs (created_at, kind, source_table, params, summary, output_table)"
                             " VALUES (?, ?, ?, ?, ?, ?)",
                             [now, kind, source_table, json.dumps(params, ensure_ascii=False, default=str),
                              json.dumps(summary, ensure_ascii=False, default=str), output_table])
        return int(cursor.lastrowid or 0)


def _run(row: Any) -> Run:
    return Run(row["id"], dt.datetime.fromisoformat(row["created_at"]), row["kind"], row["source_table"],
               json.loads(row["params"]), json.loads(row["summary"]), row["output_table"])


def list_runs(meta: Path, limit: int = 50) -> list[Run]:
    """Newest first."""
    with _store(meta).read() as con:
        rows = con.execute("SELECT * FROM segment_runs ORDER BY id DESC LIMIT ?", [limit]).fetchall()
    return [_run(r) for r in rows]


def get_run(meta: Path, run_id: int) -> Run:
    with _store(meta).read() as con:
        row = con.execute("SELECT * FROM segment_runs WHERE id = ?", [run_id]).fetchone()
    if row is None:
        raise UnknownNameError("segment run", str(run_id), [str(r.id) for r in list_runs(meta)])
    return _run(row)
