"""The audit log's `dashboard_view` entry: one per view a session is shown, not one per rerun of the script.

Streamlit reruns the page on every click, so the entry is keyed by what was shown: who, which dashboard and
version, through which share link, and the SQL its tiles ran. The same view drawn again (a widget touched,
the edit toggle, a PNG taken) adds nothing; another dashboard, an old version, a link, or a filter that changes
the tiles' queries is a new view and gets its own entry, with every query's SQL and the rows returned.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui import resources
from ui.auth import current_user
from viz.tiles import TileView
from workspace.dashboards import Dashboard, TileRun, record_view

_SHOWN = "dash_audited_views"  # board id -> the key of the last view of it this session logged


def _runs(views: Sequence[TileView]) -> list[TileRun]:
    """The chart tiles' queries (text tiles run none)."""
    return [TileRun(view.tile.id, view.sql, 0 if view.frame is None else view.frame.height, view.problem is not None)
            for view in views if view.tile.query is not None]


def log_view(board: Dashboard, views: Sequence[TileView], link: str | None, elapsed_ms: float) -> None:
    """Append the view to the audit log unless this session logged the very same view last."""
    runs, user = _runs(views), current_user().username
    key = (user, board.version, link, tuple(sql for run in runs for sql in run.sql))
    shown = st.session_state.setdefault(_SHOWN, {})
    if shown.get(board.id) == key:
        return
    record_view(resources.workspace(), board, user, runs, link=link, duration_ms=round(elapsed_ms, 1))
    shown[board.id] = key
