"""The archive of generated review reports: files under Workspace.reports, their parameters in the metadata store.

Every report Beacon writes (today the campaign review, 复盘) is kept, so the
team builds a searchable history: which campaign, which language and format,
the day its figures run to, and when it was made. The file is written first
and the row recorded in one transaction; if recording fails the file is
removed again, so the archive never lists a report it does not have.

>>> import tempfile
>>> ws = Workspace(Path(tempfile.mkdtemp()))
>>> saved = archive_report(ws, b"# Review", "CMP027", "en", "md", dt.date(2025, 6, 30), "Campaign review: 618")
>>> [r.campaign_id for r in list_reports(ws, search="618")], saved.path.read_bytes()
(['CMP027'], b'# Review')
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from workspace import clock
from workspace.home import Workspace
from workspace.meta import MetaStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS review_reports (
  id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL,
  lang TEXT NOT NULL,
  format TEXT NOT NULL,
  as_of TEXT NOT NULL,
  created_at TEXT NOT NULL,
  path TEXT NOT NULL,
  title TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS review_reports_created ON review_reports (created_at);
"""
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class ReportRecord:
    """One archived report."""

    id: str
    campaign_id: str
    lang: str
    format: str
    as_of: dt.date
    created_at: dt.datetime
    path: Path
    title: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "campaign_id": self.campaign_id, "lang": self.lang, "format": self.format,
                "as_of": self.as_of.isoformat(), "created_at": self.created_at.isoformat(timespec="seconds"),
                "path": str(self.path), "title": self.title}


def store(ws: Workspace) -> MetaStore:
    return MetaStore(ws.meta, SCHEMA)


def archive_report(ws: Workspace, content: bytes, campaign_id: str, lang: str, fmt: str, as_of: dt.date,
                   title: str, now: dt.datetime | None = None) -> ReportRecord:
    """Save the report's bytes under ws.reports and record its parameters; nothing is kept if either fails."""
    created = (now or clock.now()).replace(microsecond=0)
    report_id = uuid.uuid4().hex[:12]
    name = f"review-{_UNSAFE.sub('_', campaign_id)}-{as_of.isoformat()}-{lang}-{created:%Y%m%dT%H%M%S}-{report_id}"
    path = ws.reports / f"{name}.{fmt}"
    ws.reports.mkdir(parents=True, exist_ok=True)
    record = ReportRecord(report_id, campaign_id, lang, fmt, as_of, created, path, title)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(content)
    try:
        with store(ws).write() as con:
            con.execute("INSERT INTO review_reports VALUES (:id, :campaign_id, :lang, :format, :as_of, :created_at, "
                        ":path, :title)", record.to_dict())
            partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        path.unlink(missing_ok=True)
        raise
    return record


def list_reports(ws: Workspace, search: str | None = None, also: Sequence[str] = ()) -> list[ReportRecord]:
    """Archived reports, newest first; `search` matches the title, campaign id, language, format or as-of day, and
    so does any of `also` (the searched campaign's names in other languages: '618 Mid-Year' finds 2025 618 年中大促)."""
    query = "SELECT * FROM review_reports"
    params: dict[str, str] = {}
    if search and search.strip():
        texts = dict.fromkeys((search.strip(), *(a for a in also if a.strip())))
        searched = "lower(title || ' ' || campaign_id || ' ' || lang || ' ' || format || ' ' || as_of)"
        query += " WHERE " + " OR ".join(f"instr({searched}, lower(:t{i})) > 0" for i in range(len(texts)))
        params = {f"t{i}": text for i, text in enumerate(texts)}
    with store(ws).read() as con:
        rows = con.execute(query + " ORDER BY created_at DESC, id", params).fetchall()
    return [ReportRecord(r["id"], r["campaign_id"], r["lang"], r["format"], dt.date.fromisoformat(r["as_of"]),
                         dt.datetime.fromisoformat(r["created_at"]), Path(r["path"]), r["title"]) for r in rows]
