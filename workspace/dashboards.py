"""Dashboards in the workspace's metadata store: tiles, filters, every save a version.

A dashboard is a frozen value; editing returns a new value (`add_tile`,
`move_tile`...) and `DashboardStore.save` writes it as the next version in one
transaction. Saving names the version the edit started from: if someone saved
in between, nothing is overwritten and `DashboardConflictError` carries their
version so the caller can `merge` or save a copy. Share links live beside the
dashboards (workspace/share_links.py). Every change (create, save, restore,
delete; a link made or revoked) writes its `dashboard_change` or `sharing_change`
entry to the audit log in the change's own transaction, and `record_view` logs
who was shown which tiles' queries.

>>> import tempfile
>>> store = DashboardStore(Workspace(Path(tempfile.mkdtemp())))
>>> board = store.create("Weekly", owner="ana")
>>> board = store.save(add_tile(board, new_tile("Note", text="Hello")), base_version=board.version)
>>> board.version, [t.text for t in store.get(board.id).tiles]
(2, ['Hello'])
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from errors import DashboardConflictError, InputError, UnknownNameError
from semantic.query import Filter, SemanticQuery
from viz.chart_spec import ChartSpec
from viz.i18n import keyed_error, t, translations
from workspace import clock
from workspace.audit import SCHEMA as AUDIT_SCHEMA
from workspace.audit import AuditEntry, append, record
from workspace.home import Workspace
from workspace.meta import MetaStore
from workspace.share_links import ShareLinks, filter_from_dict, filter_to_dict

SCHEMA = """
CREATE TABLE IF NOT EXISTS dash_dashboards (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS dash_versions (
    dashboard_id TEXT NOT NULL REFERENCES dash_dashboards(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (dashboard_id, version)
);
CREATE TABLE IF NOT EXISTS dash_links (
    token TEXT PRIMARY KEY,
    dashboard_id TEXT NOT NULL REFERENCES dash_dashboards(id) ON DELETE CASCADE,
    filters TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT,
    frozen_policy TEXT
);
"""
GRID_COLUMNS = 12
MAX_HEIGHT = 4


def localized(text: str, lang: str) -> str:
    """A title stored as a translation key ('dashboards.marketing_title') in `lang`; other text as is."""
    return t(text, lang) if text in translations("en") else text


@dataclass(frozen=True)
class Tile:
    """A chart of a semantic query, or a text (Markdown) tile; width in grid columns of 12, height in rows."""

    id: str
    title: str
    query: SemanticQuery | None = None
    chart: ChartSpec | None = None
    text: str | None = None
    width: int = 6
    height: int = 1

    def __post_init__(self) -> None:
        if (self.query is None) == (self.text is None):
            raise keyed_error(InputError, "errors.dashboard.tile_content", title=self.title)
        if not 1 <= self.width <= GRID_COLUMNS or not 1 <= self.height <= MAX_HEIGHT:
            raise keyed_error(InputError, "errors.dashboard.tile_size", title=self.title, columns=GRID_COLUMNS,
                              rows=MAX_HEIGHT, width=self.width, height=self.height)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "width": self.width, "height": self.height,
                "query": self.query.to_dict() if self.query else None,
                "chart": self.chart.to_dict() if self.chart else None, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tile:
        return cls(id=str(data["id"]), title=str(data.get("title", "")),
                   query=SemanticQuery.from_dict(data["query"]) if data.get("query") else None,
                   chart=ChartSpec.from_dict(data["chart"]) if data.get("chart") else None,
                   text=data.get("text"), width=int(data.get("width", 6)), height=int(data.get("height", 1)))


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    description: str = ""
    owner: str = ""
    tiles: tuple[Tile, ...] = ()
    filters: tuple[Filter, ...] = ()
    version: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiles", tuple(self.tiles))
        object.__setattr__(self, "filters", tuple(self.filters))
        if not self.title.strip():
            raise keyed_error(InputError, "errors.dashboard.no_title")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "description": self.description, "owner": self.owner,
                "tiles": [tile.to_dict() for tile in self.tiles],
                "filters": [filter_to_dict(f) for f in self.filters], "version": self.version}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dashboard:
        return cls(id=str(data["id"]), title=str(data["title"]), description=str(data.get("description", "")),
                   owner=str(data.get("owner", "")), tiles=tuple(Tile.from_dict(x) for x in data.get("tiles", ())),
                   filters=tuple(filter_from_dict(f) for f in data.get("filters", ())),
                   version=int(data.get("version", 0)))

    def tile(self, tile_id: str) -> Tile:
        for tile in self.tiles:
            if tile.id == tile_id:
                return tile
        raise UnknownNameError("tile", tile_id, [x.id for x in self.tiles])


def new_tile(title: str, query: SemanticQuery | None = None, chart: ChartSpec | None = None,
             text: str | None = None, width: int = 6, height: int = 1) -> Tile:
    """A tile with a fresh id."""
    return Tile(uuid.uuid4().hex[:8], title, query, chart, text, width, height)


def add_tile(board: Dashboard, tile: Tile) -> Dashboard:
    return replace(board, tiles=(*board.tiles, tile))


def remove_tile(board: Dashboard, tile_id: str) -> Dashboard:
    board.tile(tile_id)
    return replace(board, tiles=tuple(x for x in board.tiles if x.id != tile_id))


def move_tile(board: Dashboard, tile_id: str, position: int) -> Dashboard:
    """The tile moved to `position` (0 = first; clipped to the ends)."""
    tile = board.tile(tile_id)
    rest = [x for x in board.tiles if x.id != tile_id]
    rest.insert(max(0, min(position, len(rest))), tile)
    return replace(board, tiles=tuple(rest))


def resize_tile(board: Dashboard, tile_id: str, width: int, height: int) -> Dashboard:
    board.tile(tile_id)
    return replace(board, tiles=tuple(replace(x, width=width, height=height) if x.id == tile_id else x
                                      for x in board.tiles))


def merge(theirs: Dashboard, mine: Dashboard, base: Dashboard | None = None) -> Dashboard:
    """Both sides' work in one dashboard, on top of their version (so it saves without a conflict).

    Tiles either side added are kept (theirs in their order, then mine); where both have a tile, my
    edit wins, being the later save. With the common `base`, a tile I removed stays removed and
    fields I left unchanged keep their edits.
    """
    mine_ids, base_ids = {x.id for x in mine.tiles}, {x.id for x in base.tiles} if base else set()
    mine_by_id = {x.id: x for x in mine.tiles}
    theirs_ids = {x.id for x in theirs.tiles}
    tiles = [_merged_tile(x, mine_by_id.get(x.id), base) for x in theirs.tiles
             if x.id in mine_ids or x.id not in base_ids]
    tiles += [x for x in mine.tiles if x.id not in theirs_ids and (x.id not in base_ids or base is None)]
    return replace(theirs, title=_pick(theirs.title, mine.title, base.title if base else None),
                   description=_pick(theirs.description, mine.description, base.description if base else None),
                   filters=mine.filters if base is None or mine.filters != base.filters else theirs.filters,
                   tiles=tuple(tiles))


def _pick(theirs: str, mine: str, base: str | None) -> str:
    return theirs if base is not None and mine == base else mine


def _merged_tile(theirs: Tile, mine: Tile | None, base: Dashboard | None) -> Tile:
    if mine is None:
        return theirs
    if base is not None and any(x.id == mine.id and x == mine for x in base.tiles):
        return theirs  # I did not touch it; keep their edit
    return mine


@dataclass(frozen=True)
class VersionInfo:
    version: int
    title: str
    saved_by: str
    saved_at: str


def _now() -> str:
    return clock.now().isoformat(timespec="seconds")


def _audit(con: sqlite3.Connection, action: str, user: str | None, board: Dashboard, **extra: Any) -> None:
    """The `dashboard_change` entry of a change, in the change's transaction."""
    append(con, "dashboard_change", user, {"action": action, "dashboard": board.id, "title": board.title,
                                           "version": board.version, **extra})


class DashboardStore(ShareLinks[Dashboard]):
    """Dashboards of one workspace and their share links; every method is one transaction."""

    def __init__(self, ws: Workspace | Path) -> None:
        self.meta = MetaStore(ws.meta if isinstance(ws, Workspace) else Path(ws), SCHEMA + AUDIT_SCHEMA)

    def list(self, owner: str | None = None) -> list[Dashboard]:
        """Every dashboard (or one owner's) at its latest version, by title."""
        with self.meta.read() as con:
            rows = con.execute("SELECT v.body FROM dash_dashboards d JOIN dash_versions v "
                               "ON v.dashboard_id = d.id AND v.version = d.version "
                               "WHERE ? IS NULL OR d.owner = ?", (owner, owner)).fetchall()
        return sorted((Dashboard.from_dict(json.loads(r["body"])) for r in rows), key=lambda d: d.title.lower())

    def get(self, dashboard_id: str, version: int | None = None) -> Dashboard:
        with self.meta.read() as con:
            return self._get(con, dashboard_id, version)

    def _get(self, con: sqlite3.Connection, dashboard_id: str, version: int | None) -> Dashboard:
        head = con.execute("SELECT version FROM dash_dashboards WHERE id = ?", (dashboard_id,)).fetchone()
        if head is None:
            known = [r[0] for r in con.execute("SELECT id FROM dash_dashboards")]
            raise UnknownNameError("dashboard", dashboard_id, known)
        row = con.execute("SELECT body FROM dash_versions WHERE dashboard_id = ? AND version = ?",
                          (dashboard_id, head[0] if version is None else version)).fetchone()
        if row is None:
            raise keyed_error(InputError, "errors.dashboard.no_version", dashboard=dashboard_id, version=version,
                              latest=head[0])
        return Dashboard.from_dict(json.loads(row["body"]))

    def create(self, title: str, owner: str, description: str = "", tiles: tuple[Tile, ...] = (),
               filters: tuple[Filter, ...] = (), dashboard_id: str | None = None) -> Dashboard:
        """A new dashboard of `owner` (who is the one creating it), saved as version 1."""
        return self._create(Dashboard(dashboard_id or uuid.uuid4().hex[:10], title, description, owner, tiles,
                                      filters, 1))

    def _create(self, board: Dashboard, **extra: Any) -> Dashboard:
        with self.meta.write() as con:
            if con.execute("SELECT 1 FROM dash_dashboards WHERE id = ?", (board.id,)).fetchone():
                raise keyed_error(InputError, "errors.dashboard.id_taken", dashboard=board.id)
            con.execute("INSERT INTO dash_dashboards VALUES (?, ?, 0, ?)", (board.id, board.owner, _now()))
            self._write_version(con, board, board.owner)
            _audit(con, "create", board.owner, board, **extra)
        return board

    def save(self, board: Dashboard, base_version: int, saved_by: str | None = None) -> Dashboard:
        """Write `board` as the next version, if nobody saved since `base_version`; return what was saved."""
        with self.meta.write() as con:
            theirs = self._get(con, board.id, None)
            if theirs.version != base_version:
                raise keyed_error(DashboardConflictError, "errors.dashboard.conflict", theirs, board,
                                  title=localized(theirs.title, "en"), version=theirs.version, base=base_version)
            saved = replace(board, version=theirs.version + 1)
            self._write_version(con, saved, saved_by or board.owner)
            _audit(con, "save", saved_by or board.owner, saved)
        return saved

    def _write_version(self, con: sqlite3.Connection, board: Dashboard, saved_by: str) -> None:
        con.execute("INSERT INTO dash_versions VALUES (?, ?, ?, ?, ?)",
                    (board.id, board.version, json.dumps(board.to_dict(), ensure_ascii=False), saved_by, _now()))
        _move_head(con, board)

    def save_copy(self, board: Dashboard, owner: str, lang: str = "en") -> Dashboard:
        """`board` as a new dashboard of `owner`, titled '… (copy)'."""
        title = t("dashboards.copy_title", lang, title=localized(board.title, lang))
        return self._create(Dashboard(uuid.uuid4().hex[:10], title, board.description, owner, board.tiles,
                                      board.filters, 1), copy_of=board.id)

    def versions(self, dashboard_id: str) -> list[VersionInfo]:
        """Every saved version, newest first."""
        self.get(dashboard_id)
        with self.meta.read() as con:
            rows = con.execute("SELECT version, body, saved_by, saved_at FROM dash_versions "
                               "WHERE dashboard_id = ? ORDER BY version DESC", (dashboard_id,)).fetchall()
        return [VersionInfo(r["version"], json.loads(r["body"])["title"], r["saved_by"], r["saved_at"]) for r in rows]

    def restore(self, dashboard_id: str, version: int, saved_by: str | None = None) -> Dashboard:
        """A new version equal to an old one; the history in between is kept."""
        with self.meta.write() as con:
            head = self._get(con, dashboard_id, None)
            old = self._get(con, dashboard_id, version)
            restored = replace(old, version=head.version + 1)
            self._write_version(con, restored, saved_by or head.owner)
            _audit(con, "restore", saved_by or head.owner, restored, restored_from=version)
        return restored

    def delete(self, dashboard_id: str, by: str | None = None) -> None:
        """The dashboard, its versions, shares and share links; `by` (None: the command line) is audited."""
        with self.meta.write() as con:
            board = self._get(con, dashboard_id, None)
            con.execute("DELETE FROM dash_dashboards WHERE id = ?", (dashboard_id,))
            _audit(con, "delete", by, board)


def _move_head(con: sqlite3.Connection, board: Dashboard) -> None:
    """Point the dashboard at its newest version (a separate step, so a crash between the two rolls back)."""
    con.execute("UPDATE dash_dashboards SET version = ?, owner = ? WHERE id = ?",
                (board.version, board.owner, board.id))


@dataclass(frozen=True)
class TileRun:
    """What one chart tile ran when its dashboard was shown: its SQL and how many rows came back."""

    tile_id: str
    sql: tuple[str, ...] = ()
    rows: int = 0
    failed: bool = False


def record_view(ws: Workspace, board: Dashboard, user: str | None, runs: Sequence[TileRun], *,
                link: str | None = None, duration_ms: float | None = None,
                now: dt.datetime | None = None) -> AuditEntry:
    """One `dashboard_view` entry: who was shown which version, through which share link, and every query run.

    The link is named by the first six characters of its token, as the Share panel lists it.
    """
    detail: dict[str, Any] = {"dashboard": board.id, "title": board.title, "version": board.version,
                              "tiles": [run.tile_id for run in runs]}
    if link:
        detail["link"] = link[:6]
    failed = [run.tile_id for run in runs if run.failed]
    if failed:
        detail["failed"] = failed
    return record(ws, "dashboard_view", user, detail, sql=";\n".join(q for run in runs for q in run.sql) or None,
                  rows=sum(run.rows for run in runs), duration_ms=duration_ms, now=now)
