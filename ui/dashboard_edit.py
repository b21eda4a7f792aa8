"""Editing a dashboard: a draft in the session, saved as a new version; a conflicting save offers merge or copy.

The draft remembers the version it started from; `DashboardStore.save` refuses if someone saved since,
and the page then offers to merge both sides' work or to save this draft as a copy. Nothing is lost.
Each handler names the editor it checked (ui/dashboard_rights.py), whom the store writes to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import streamlit as st

from errors import DashboardConflictError
from ui.dashboard_rights import editor_of
from ui.dashboard_text import plain
from ui.explore_pin import builder
from viz.i18n import t
from workspace.dashboards import (
    GRID_COLUMNS,
    MAX_HEIGHT,
    Dashboard,
    DashboardStore,
    Tile,
    add_tile,
    localized,
    merge,
    move_tile,
    new_tile,
    remove_tile,
    resize_tile,
)

WIDTHS = (3, 4, 6, 8, 12)
_DRAFTS = "dash_drafts"
_CONFLICT = "dash_conflict"


def draft(board: Dashboard) -> Dashboard:
    """This session's unsaved edit of `board` (started from its current version)."""
    drafts = st.session_state.setdefault(_DRAFTS, {})
    if board.id not in drafts:
        drafts[board.id] = (board, board)
    return drafts[board.id][1]


def _base(board_id: str) -> Dashboard:
    return st.session_state[_DRAFTS][board_id][0]


def _update(edited: Dashboard) -> None:
    st.session_state[_DRAFTS][edited.id] = (_base(edited.id), edited)


def discard(board_id: str) -> None:
    st.session_state.get(_DRAFTS, {}).pop(board_id, None)
    st.session_state.get(_CONFLICT, {}).pop(board_id, None)


def tile_controls(board_id: str, lang: str) -> Callable[[Tile], None]:
    """The controls drawn under each tile in edit mode: width, height, move, remove."""
    def controls(tile: Tile) -> None:
        current = st.session_state[_DRAFTS][board_id][1]
        index = [x.id for x in current.tiles].index(tile.id)
        with st.container(horizontal=True, vertical_alignment="bottom", gap="small"):
            _sizes(current, tile, lang)
            moves = ((":material/arrow_back:", index - 1, "move_back"),
                     (":material/arrow_forward:", index + 1, "move_forward"))
            for icon, position, text in moves:
                if st.button("", icon=icon, key=f"dash_{text}_{tile.id}", type="tertiary",
                             help=t(f"explore.dashboards_page.{text}", lang)):
                    _update(move_tile(current, tile.id, position))
                    st.rerun()
            if st.button("", icon=":material/delete:", key=f"dash_remove_{tile.id}", type="tertiary",
                         help=t("explore.dashboards_page.remove_tile", lang)):
                _update(remove_tile(current, tile.id))
                st.rerun()
    return controls


def _sizes(current: Dashboard, tile: Tile, lang: str) -> None:
    width = st.selectbox(t("explore.dashboards_page.width", lang), WIDTHS, width=90,
                         index=WIDTHS.index(tile.width) if tile.width in WIDTHS else 2, key=f"dash_w_{tile.id}",
                         format_func=lambda w: t("explore.dashboards_page.width_of", lang, n=w, total=GRID_COLUMNS))
    height = st.selectbox(t("explore.dashboards_page.height", lang), range(1, MAX_HEIGHT + 1), width=70,
                          index=tile.height - 1, key=f"dash_h_{tile.id}")
    if (width, height) != (tile.width, tile.height):
        _update(resize_tile(current, tile.id, width, height))
        st.rerun()


def edit_header(current: Dashboard, lang: str) -> None:
    """Title, description and a new text tile."""
    title = st.text_input(t("explore.dashboards_page.title_field", lang), value=localized(current.title, lang),
                          key=f"dash_title_{current.id}_{lang}")
    description = st.text_area(t("explore.dashboards_page.description_field", lang),
                               value=localized(current.description, lang), key=f"dash_desc_{current.id}_{lang}",
                               height=68)
    changed = {}
    if title.strip() and title != localized(current.title, lang):
        changed["title"] = title.strip()
    if description != localized(current.description, lang):
        changed["description"] = description
    if changed:
        _update(replace(current, **changed))
    with st.popover(t("explore.dashboards_page.add_text", lang), icon=":material/notes:"):
        heading = st.text_input(t("explore.dashboards_page.text_title", lang), key=f"dash_text_title_{current.id}")
        body = st.text_area(t("explore.dashboards_page.text_body", lang), key=f"dash_text_body_{current.id}")
        if st.button(t("explore.dashboards_page.add", lang), key=f"dash_text_add_{current.id}", disabled=not body):
            _update(add_tile(draft(current), new_tile(heading, text=body, width=12)))
            st.rerun()


def save_bar(store: DashboardStore, board_id: str, lang: str) -> None:
    """Save (as a new version) or discard the draft; on a conflict, merge or save a copy."""
    base, mine = st.session_state[_DRAFTS][board_id]
    conflict = st.session_state.setdefault(_CONFLICT, {}).get(board_id)
    if conflict is not None:
        _conflict(store, conflict, base, mine, lang)
        return
    with st.container(horizontal=True, gap="small"):
        _save_buttons(store, base, mine, lang)


def _save_buttons(store: DashboardStore, base: Dashboard, mine: Dashboard, lang: str) -> None:
    board_id = mine.id
    if st.button(t("explore.dashboards_page.save", lang), type="primary", key=f"dash_save_{board_id}",
                 icon=":material/save:", disabled=mine == base):
        try:
            store.save(mine, base_version=base.version, saved_by=editor_of(board_id).username)
        except DashboardConflictError as err:
            st.session_state[_CONFLICT][board_id] = err.theirs
            st.rerun()
        discard(board_id)
        st.session_state["dash_notice"] = t("explore.dashboards_page.saved", lang)
        st.rerun()
    if st.button(t("explore.dashboards_page.discard", lang), key=f"dash_discard_{board_id}", disabled=mine == base):
        discard(board_id)
        st.rerun()


def _conflict(store: DashboardStore, theirs: Dashboard, base: Dashboard, mine: Dashboard, lang: str) -> None:
    who = store.versions(theirs.id)[0].saved_by
    st.warning(t("dashboards.conflict", lang, who=plain(who), version=theirs.version))
    row = st.container(horizontal=True, gap="small")
    if row.button(t("explore.dashboards_page.merge", lang), type="primary", key=f"dash_merge_{mine.id}"):
        store.save(merge(theirs, mine, base), base_version=theirs.version, saved_by=editor_of(mine.id).username)
        discard(mine.id)
        st.session_state["dash_notice"] = t("explore.dashboards_page.merged", lang)
        st.rerun()
    if row.button(t("explore.dashboards_page.save_copy", lang), key=f"dash_copy_{mine.id}"):
        copy = store.save_copy(mine, builder(), lang)
        discard(mine.id)
        st.session_state["dash_notice"] = t("explore.dashboards_page.copied", lang, title=copy.title)
        st.query_params["dashboard"] = copy.id
        st.rerun()


def delete_button(store: DashboardStore, board: Dashboard, lang: str) -> None:
    """Delete the dashboard, its versions, shares and links, after a second click; owner or admin only."""
    with st.popover(t("explore.dashboards_page.delete", lang), icon=":material/delete:"):
        st.caption(t("explore.dashboards_page.delete_confirm", lang, title=plain(localized(board.title, lang))))
        if st.button(t("explore.dashboards_page.delete", lang), type="primary", key=f"dash_delete_{board.id}"):
            store.delete(board.id, by=editor_of(board.id).username)
            discard(board.id)
            st.session_state["dash_notice"] = t("explore.dashboards_page.deleted", lang,
                                                title=localized(board.title, lang))
            st.query_params.pop("dashboard", None)
            st.rerun()
