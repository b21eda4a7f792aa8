"""One open dashboard: header, filter bar, tiles; with edit, history and share controls for those who may edit.

How it opens decides what is drawn (`Access`): "edit" for its owner and admins (edit toggle, share
panel, history), "view" for someone it is shared with (back and exports only), "link" through a share
link (`?dashboard=…&link=…`: the tiles alone). Filters can always be changed for a look. The handlers
check the right to edit again on the server (ui/dashboard_rights.py). What the tiles showed, and to whom,
goes to the audit log once per view (ui/dashboard_audit.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import streamlit as st

from semantic.engine import Engine
from semantic.model import SemanticModel
from semantic.query import Filter, Policy
from ui import dashboard_filterbar as bar
from ui.dashboard_audit import log_view
from ui.dashboard_edit import delete_button, draft, edit_header, save_bar, tile_controls
from ui.dashboard_grid import show_grid
from ui.dashboard_history import history_panel, old_version_banner, viewed_version
from ui.dashboard_list import open_board
from ui.dashboard_share import export_buttons, share_panel, tile_png_button
from ui.dashboard_text import plain
from viz.i18n import t
from viz.tiles import render_tile
from workspace.dashboards import Dashboard, DashboardStore, Tile, localized

Access = Literal["edit", "view", "link"]


@dataclass(frozen=True)
class Context:
    store: DashboardStore
    model: SemanticModel
    engine: Engine
    lang: str
    policy: Policy  # the viewer's, narrowed by the one the owner froze in the share link being opened
    link: str | None = None  # the share link's token, when the dashboard was opened through one


def _header(board: Dashboard, lang: str) -> None:
    st.title(plain(localized(board.title, lang)))
    if board.description:
        st.caption(plain(localized(board.description, lang)))


def _tiles(ctx: Context, board: Dashboard, filters: tuple[Filter, ...], editing: bool) -> None:
    """Draw the tiles; a click on one filters the others by the clicked value."""
    source = bar.link_source(board.id)
    linked = {f.field for f in filters if source}
    started = time.perf_counter()
    views = [render_tile(tile, ctx.model, ctx.engine, ctx.lang,
                         tuple(f for f in filters if not (tile.id == source and f.field in linked)), ctx.policy)
             for tile in board.tiles]
    log_view(board, views, ctx.link, (time.perf_counter() - started) * 1000)
    extras = tile_controls(board.id, ctx.lang) if editing else _png_under(ctx, board, filters)
    clicked = show_grid(views, ctx.model, ctx.lang, salt=bar.encode(filters), extras=extras)
    if clicked is not None:
        tile_id, field, value = clicked
        kept = tuple(f for f in filters if f.field != field)
        bar.set_filters(board.id, (*kept, Filter(field, "in", (value,))), source=tile_id)
        st.rerun()


def _png_under(ctx: Context, board: Dashboard, filters: tuple[Filter, ...]) -> Callable[[Tile], None]:
    def extras(tile: Tile) -> None:
        if tile.query is not None:
            index = [x.id for x in board.tiles].index(tile.id)
            tile_png_button(board, ctx.model, ctx.engine, filters, index, ctx.lang, ctx.policy)
    return extras


def _toolbar(ctx: Context, board: Dashboard, filters: tuple[Filter, ...], access: Access) -> bool:
    """Back and exports; for an editor also the edit toggle and sharing. Returns whether edit mode is on."""
    editing = False
    with st.container(horizontal=True, vertical_alignment="center", gap="medium"):
        st.button(t("explore.dashboards_page.all", ctx.lang), icon=":material/arrow_back:", on_click=open_board,
                  args=(None,), key="dash_back")
        if access == "edit":
            editing = st.toggle(t("explore.dashboards_page.edit", ctx.lang), key=f"dash_edit_{board.id}")
            share_panel(ctx.store, board, filters, ctx.lang)
        export_buttons(board, ctx.model, ctx.engine, filters, ctx.lang, ctx.policy)
        if access == "edit":
            delete_button(ctx.store, board, ctx.lang)
    if access == "view":
        st.caption(t("explore.dashboards_page.view_only", ctx.lang, owner=plain(board.owner)))
    return editing


def show_board(ctx: Context, board: Dashboard, access: Access, defaults: tuple[Filter, ...] | None = None) -> None:
    """The dashboard with everything its viewer may do."""
    latest = board
    old = viewed_version(board.id) if access == "edit" else None
    if old is not None:
        board = ctx.store.get(board.id, old)
    editing = False
    if access != "link":
        editing = _toolbar(ctx, board, bar.current(board, board.filters), access) and old is None
    if old is not None:
        old_version_banner(board, ctx.lang)
    shown = draft(board) if editing else board
    _header(shown, ctx.lang)
    if editing:
        edit_header(shown, ctx.lang)
        save_bar(ctx.store, board.id, ctx.lang)
    filters = bar.filter_bar(shown, ctx.model, ctx.engine, bar.current(board, defaults or board.filters), ctx.lang,
                             ctx.policy)
    _tiles(ctx, shown, filters, editing)
    if access == "edit":
        history_panel(ctx.store, latest, ctx.lang)
