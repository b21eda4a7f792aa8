"""The dashboard's tiles in a 12-column grid; each tile is drawn on its own, so one tile's problem stays in it.

Clicking a bar or slice returns (field, value) so the page can filter the other tiles (linked tiles).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import streamlit as st

from semantic.model import SemanticModel
from ui.dashboard_text import plain
from ui.explore_click import clickable_chart
from viz.i18n import t
from viz.tables import table_frame
from viz.tiles import TileView
from workspace.dashboards import GRID_COLUMNS, Tile, localized

ROW_HEIGHT = 340
Clicked = tuple[str, str, Any]  # tile id, field, value
Controls = Callable[[Tile], None]


def grid_rows(tiles: list[TileView]) -> list[list[TileView]]:
    """Tiles packed left to right into rows of at most 12 columns, in their saved order."""
    rows: list[list[TileView]] = []
    used = GRID_COLUMNS
    for view in tiles:
        if used + view.tile.width > GRID_COLUMNS:
            rows.append([])
            used = 0
        rows[-1].append(view)
        used += view.tile.width
    return rows


def _key(view: TileView, salt: str) -> str:
    return "dash_chart_" + hashlib.sha1(f"{view.tile.id}|{salt}".encode()).hexdigest()[:12]


def _body(view: TileView, model: SemanticModel, lang: str, salt: str) -> tuple[str, Any] | None:
    for note in view.notes:
        st.caption(note)
    if view.problem:
        st.warning(view.problem, icon=":material/error:")
        return None
    if view.tile.text is not None:
        st.markdown(localized(view.tile.text, lang))
        return None
    if view.spec is None or view.query is None or view.frame is None or view.figure is None:
        return None
    view.figure.update_layout(height=ROW_HEIGHT * view.tile.height - 40)
    if view.spec.kind in ("table", "pivot"):
        st.dataframe(table_frame(view.spec, view.frame, view.query, model, lang, view.totals), hide_index=True,
                     width="stretch", height=ROW_HEIGHT * view.tile.height - 40)
        return None
    return clickable_chart(view, _key(view, salt), model, lang)


def _names_itself(view: TileView, model: SemanticModel, lang: str) -> bool:
    """A KPI card already shows its metric's name; a tile titled the same needs no second heading."""
    if view.spec is None or view.spec.kind != "kpi" or view.query is None or view.figure is None:
        return False
    metric = (view.spec.y or view.query.metrics)[0]
    return metric in model.metrics and model.metrics[metric].label(lang) == view.title


def show_tile(view: TileView, model: SemanticModel, lang: str, salt: str,
              extras: Controls | None) -> Clicked | None:
    """One tile in a bordered box: its title (as text, escaped), its chart or text, and any controls."""
    with st.container(border=True):
        if not _names_itself(view, model, lang):
            st.markdown(f"**{plain(view.title)}**")
        if view.period:
            st.caption(plain(view.period))  # which days, so 'vs previous' and all-time tiles say so
        clicked = _body(view, model, lang, salt)
        if extras is not None:
            extras(view.tile)
    return None if clicked is None else (view.tile.id, *clicked)


def show_grid(views: list[TileView], model: SemanticModel, lang: str, salt: str,
              extras: Controls | None = None) -> Clicked | None:
    """Every tile; the click on any of them, if there was one."""
    if not views:
        st.info(t("explore.dashboards_page.no_tiles", lang))
    clicked = None
    for row in grid_rows(views):
        widths = [view.tile.width for view in row]
        spare = GRID_COLUMNS - sum(widths)
        columns = st.columns([*widths, *([spare] if spare else [])])
        for column, view in zip(columns, row, strict=False):
            with column:
                clicked = show_tile(view, model, lang, salt, extras) or clicked
    return clicked
